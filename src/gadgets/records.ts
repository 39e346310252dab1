/**
 * Raw record batches: what the helper sends for ring-buffer kinds instead of
 * decoded events ("volume goes out, not in"). A batch is a span of the BPF
 * ring buffer copied as it lies: records in the kernel's own framing (an
 * 8-byte header whose first u32 is the length with the busy/discard bits,
 * then the record, padded to 8 bytes). The unprivileged side decodes them
 * with the kind's shared decoder; the root side only copies bytes.
 */
import type { GadgetName, PidnsMember, RecordsInfo, TraceEvent } from '../protocol';
import { WallClock, type DecodeContext } from './decode';
import { KIND_BY_NAME } from './kinds';
import type { Decoder, KindHelper } from './kind';
import { eventJson } from './json';

const JSON_CHUNK = 1 << 20;

export const RECORD_HEADER = 8;
export const RECORD_BUSY_BIT = 0x80000000;
export const RECORD_DISCARD_BIT = 0x40000000;

/** The padded size of a record of `len` bytes, header included. */
export const recordSpan = (len: number) => (len + RECORD_HEADER + 7) & ~7;

export type RecordVisitor = (dv: DataView, bytes: Buffer, at: number, len: number) => void;

/**
 * Visit the committed records of a batch, skipping discarded ones; stops at
 * a busy record or one that does not fit (a batch is never trusted to be
 * well formed). Returns how many records were visited.
 */
export function forEachRecord(batch: Buffer, visit: RecordVisitor): number {
  const dv = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  let at = 0;
  let n = 0;
  while (at + RECORD_HEADER <= batch.length) {
    const header = dv.getUint32(at, true);
    if (header & RECORD_BUSY_BIT) break;
    const len = header & ~(RECORD_BUSY_BIT | RECORD_DISCARD_BIT);
    if (at + RECORD_HEADER + len > batch.length) break;
    if (!(header & RECORD_DISCARD_BIT)) {
      // Decoders index `bytes` and `dv` from the batch's own start.
      visit(dv, batch, at + RECORD_HEADER, len);
      n++;
    }
    at += recordSpan(len);
  }
  return n;
}

/** The records of a batch that `keep` accepts, in a new batch (same framing); undefined when none is kept. */
export function filterRecords(batch: Buffer, keep: (dv: DataView, at: number, len: number) => boolean): { data: Buffer; count: number } | undefined {
  const spans: [number, number][] = [];
  let bytes = 0;
  forEachRecord(batch, (dv, _b, at, len) => {
    if (!keep(dv, at, len)) return;
    spans.push([at - RECORD_HEADER, recordSpan(len)]);
    bytes += recordSpan(len);
  });
  if (!spans.length) return undefined;
  const data = Buffer.allocUnsafe(bytes);
  let to = 0;
  for (const [from, n] of spans) {
    batch.copy(data, to, from, Math.min(batch.length, from + n));
    to += n;
  }
  return { data, count: spans.length };
}

/** What a client needs to decode a trace's records: its kind and the start result's `records`. */
export interface RecordContext extends RecordsInfo {
  gadget: GadgetName;
}

/** Containers remembered per selector trace (they keep naming events still in flight after leaving). */
const MAX_LABELS = 4096;

/**
 * Decodes one trace's record batches into events, with the kind's decoder
 * and a clock of this process (same kernel, same CLOCK_MONOTONIC).
 */
export class RecordDecoder {
  private readonly decode: Decoder;
  private readonly jsonRecord: KindHelper['jsonRecord'];
  private readonly ctx: DecodeContext;

  constructor(rc: RecordContext) {
    const ring = KIND_BY_NAME[rc.gadget]?.helper.source.ring;
    if (!ring) throw new Error(`${rc.gadget} has no ring buffer records`);
    this.decode = ring;
    this.jsonRecord = KIND_BY_NAME[rc.gadget].helper.jsonRecord;
    this.ctx = {
      container: rc.container,
      byPidns: rc.members ? new Map() : undefined,
      clock: new WallClock(),
      uprobe: rc.uprobe,
    };
    if (rc.members) this.members(rc.members);
  }

  /** Selector traces: containers that joined (labels of those that left stay, bounded). */
  members(joined: PidnsMember[]): void {
    const map = this.ctx.byPidns;
    if (!map) return;
    for (const m of joined) {
      if (map.size >= MAX_LABELS && !map.has(m.pidns)) map.delete(map.keys().next().value as number);
      map.set(m.pidns, m.container);
    }
  }

  /** Every event of a batch, in order. */
  events(batch: Buffer): TraceEvent[] {
    const out: TraceEvent[] = [];
    forEachRecord(batch, (dv, bytes, at, len) => out.push(this.decode(dv, bytes, at, len, this.ctx) as TraceEvent));
    return out;
  }

  /**
   * Every event of a batch as JSON lines (eventJson's text, a newline after
   * each), written into `spare` when it is big enough (the caller hands back
   * a buffer it no longer needs). Kinds with a record writer skip the decoded
   * object for ASCII records.
   */
  jsonLines(batch: Buffer, spare?: Buffer): { lines: Buffer; buffer: Buffer; count: number } {
    let out = spare && spare.length >= JSON_CHUNK ? spare : Buffer.allocUnsafeSlow(JSON_CHUNK);
    let at = 0;
    const direct = this.jsonRecord;
    const count = forEachRecord(batch, (dv, bytes, rec, len) => {
      const line = direct?.(dv, bytes, rec, len, this.ctx);
      const text = line ?? eventJson(this.decode(dv, bytes, rec, len, this.ctx) as TraceEvent);
      if (at + text.length * 3 + 1 > out.length) {
        const bigger = Buffer.allocUnsafeSlow(Math.max(out.length * 2, at + text.length * 3 + 1));
        out.copy(bigger, 0, 0, at);
        out = bigger;
      }
      at += line !== undefined ? out.write(text, at, 'latin1') : out.write(text, at, 'utf8');
      out[at++] = 0x0a;
    });
    return { lines: out.subarray(0, at), buffer: out, count };
  }
}
