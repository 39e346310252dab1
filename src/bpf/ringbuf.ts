/**
 * BPF ring buffer consumer that reads the map's mmap'ed pages directly in JS
 * (no per-event native call). Layout (kernel/bpf/ringbuf.c): page 0 holds the
 * consumer position (read-write); from one page on, the producer position
 * page then the data area mapped twice, so a record never wraps.
 */
import { lib, isNull, view, address, lastErrno, errnoMessage, type Ptr } from './native';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const BUSY_BIT = 0x80000000;
const DISCARD_BIT = 0x40000000;
const HEADER = 8;
const MAP_FAILED = 0xffffffffffffffffn;

export type RecordHandler = (data: DataView, bytes: Buffer, offset: number, length: number) => void;

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
  private readonly data: DataView;
  private readonly bytes: Buffer;

  /** `consumer`: the consumer page; `producer`: the producer page, then the data area twice. */
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
    this.data = new DataView(producer);
    this.bytes = Buffer.from(producer);
  }

  /**
   * Hand up to `maxRecords` committed records to `onRecord`, then release
   * their space to the producer. Returns how many records were handed over;
   * stops early at a record still being written; skips discarded ones.
   */
  drain(maxRecords: number, onRecord: RecordHandler): number {
    let cons = Number(Atomics.load(this.consumerPos, 0));
    const prod = Number(Atomics.load(this.producerPos, 0));
    let handed = 0;
    while (cons < prod && handed < maxRecords) {
      const at = this.page + (cons & this.mask);
      const header = Atomics.load(this.headers, at >>> 2);
      if (header & BUSY_BIT) break;
      const len = header & ~(BUSY_BIT | DISCARD_BIT);
      if (!(header & DISCARD_BIT)) {
        onRecord(this.data, this.bytes, at + HEADER, len);
        handed++;
      }
      cons += (len + HEADER + 7) & ~7;
    }
    Atomics.store(this.consumerPos, 0, BigInt(cons));
    return handed;
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
    const producerLen = this.page + 2 * size;
    this.producerMap = n.mmap(null, producerLen, PROT_READ, MAP_SHARED, fd, this.page);
    if (isNull(this.producerMap) || BigInt.asUintN(64, address(this.producerMap)) === MAP_FAILED) {
      const err = lastErrno();
      n.munmap(this.consumerMap, this.page);
      throw new Error(`cannot map the ring buffer's data pages: ${errnoMessage(err)}`);
    }
    this.view = new RingView(view(this.consumerMap, this.page), view(this.producerMap, producerLen), this.page, size);
  }

  /** See RingView.drain; nothing once closed. */
  drain(maxRecords: number, onRecord: RecordHandler): number {
    return this.closed ? 0 : this.view.drain(maxRecords, onRecord);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const n = lib();
    n.munmap(this.producerMap, this.page + 2 * this.size);
    n.munmap(this.consumerMap, this.page);
    this.producerMap = this.consumerMap = null;
  }
}
