/**
 * BPF ring buffer consumer that reads the map's mmap'ed pages directly in JS
 * (no per-event native call). Layout (kernel/bpf/ringbuf.c): page 0 holds the
 * consumer position (read-write); from one page on, the producer position
 * page then the data area (mapped twice by the kernel; read here once, with
 * records that run past its end taken in two parts).
 */
import { lib, isNull, view, address, lastErrno, errnoMessage, type Ptr } from './native';
import { RECORD_BUSY_BIT as BUSY_BIT, RECORD_DISCARD_BIT as DISCARD_BIT, RECORD_HEADER as HEADER, recordSpan } from '../protocol/records';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const MAP_FAILED = 0xffffffffffffffffn;

/** A span taken from a ring: its copy, its records that are not discarded, and whether it reached the last committed record. */
export interface RingSpan {
  data: Buffer;
  count: number;
  /**
   * Nothing committed was left behind it (the producer's position, or a record still being
   * written): taking again at once would get only what was written meanwhile, a few records.
   */
  caughtUp: boolean;
}

/**
 * The consumer's view of a ring: the consumer position, the producer page
 * and the data area (mapped twice), as JS memory. No native code: the reader
 * below maps the kernel's pages into one; tests lay records out in one.
 */
export class RingView {
  private readonly mask: number;
  private readonly consumerPos: BigUint64Array;
  private readonly producerPos: BigUint64Array;
  private readonly headers: Uint32Array;
  private readonly bytes: Buffer;
  private scratch = Buffer.alloc(0);

  /** `consumer`: the consumer page; `producer`: the producer page, then the data area (once is enough). */
  constructor(
    consumer: ArrayBuffer,
    producer: ArrayBuffer,
    private readonly page: number,
    readonly size: number,
  ) {
    this.mask = size - 1;
    this.consumerPos = new BigUint64Array(consumer, 0, 1);
    this.producerPos = new BigUint64Array(producer, 0, 1);
    this.headers = new Uint32Array(producer);
    this.bytes = Buffer.from(producer);
  }

  /**
   * Copy committed records, as they lie in the ring (the kernel's framing,
   * discarded ones included and marked), up to `maxRecords` records and
   * `maxBytes` bytes (at least one record), then release their space. A span
   * that runs past the end of the data area is copied in two parts (the
   * kernel maps the data area twice, but one mapping is all this reads: the
   * mapping is populated at once, so the second copy would cost its size in
   * resident memory). Returns the copy and how many records in it are not
   * discarded; undefined when nothing is committed. The copy lives in a
   * buffer reused by the next take: use it (encode, decode) before then.
   */
  take(maxRecords: number, maxBytes: number): RingSpan | undefined {
    const start = Number(Atomics.load(this.consumerPos, 0));
    const prod = Number(Atomics.load(this.producerPos, 0));
    const limit = Math.min(maxBytes, this.size);
    let cons = start;
    let count = 0;
    while (cons < prod && count < maxRecords) {
      const header = Atomics.load(this.headers, (this.page + (cons & this.mask)) >>> 2);
      if (header & BUSY_BIT) break; // still being written: caught up with the programs
      const span = recordSpan(header & ~(BUSY_BIT | DISCARD_BIT));
      if (cons > start && cons - start + span > limit) break;
      if (!(header & DISCARD_BIT)) count++;
      cons += span;
    }
    if (cons === start) return undefined;
    const total = cons - start;
    const from = start & this.mask;
    const first = Math.min(total, this.size - from);
    if (this.scratch.length < total) this.scratch = Buffer.allocUnsafeSlow(Math.max(total, Math.min(this.size, 256 << 10)));
    const data = this.scratch.subarray(0, total);
    this.bytes.copy(data, 0, this.page + from, this.page + from + first);
    if (first < total) this.bytes.copy(data, first, this.page, this.page + total - first);
    Atomics.store(this.consumerPos, 0, BigInt(cons));
    return { data, count, caughtUp: cons >= prod || ((Atomics.load(this.headers, (this.page + (cons & this.mask)) >>> 2) & BUSY_BIT) !== 0) };
  }
}

/** Record header bits and size (kernel/bpf/ringbuf.c), for producers in tests. */
export const RING_RECORD = { BUSY_BIT, DISCARD_BIT, HEADER } as const;

export class RingBufferReader {
  private readonly page: number;
  private consumerMap: Ptr;
  private producerMap: Ptr;
  private readonly view: RingView;
  private closed = false;

  constructor(fd: number, readonly size: number) {
    const n = lib();
    this.page = n.getpagesize();
    this.consumerMap = n.mmap(null, this.page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (isNull(this.consumerMap) || BigInt.asUintN(64, address(this.consumerMap)) === MAP_FAILED) {
      throw new Error(`cannot map the ring buffer's consumer page: ${errnoMessage(lastErrno())}`);
    }
    // The data area once: the kernel populates the whole mapping (its size is resident memory).
    const producerLen = this.page + size;
    this.producerMap = n.mmap(null, producerLen, PROT_READ, MAP_SHARED, fd, this.page);
    if (isNull(this.producerMap) || BigInt.asUintN(64, address(this.producerMap)) === MAP_FAILED) {
      const err = lastErrno();
      n.munmap(this.consumerMap, this.page);
      throw new Error(`cannot map the ring buffer's data pages: ${errnoMessage(err)}`);
    }
    this.view = new RingView(view(this.consumerMap, this.page), view(this.producerMap, producerLen), this.page, size);
  }

  /** See RingView.take; nothing once closed. */
  take(maxRecords: number, maxBytes: number): RingSpan | undefined {
    return this.closed ? undefined : this.view.take(maxRecords, maxBytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const n = lib();
    n.munmap(this.producerMap, this.page + this.size);
    n.munmap(this.consumerMap, this.page);
    this.producerMap = this.consumerMap = null;
  }
}
