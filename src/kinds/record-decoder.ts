/**
 * A trace's record batches (src/protocol/records.ts) decoded into events or
 * written as JSON lines, unprivileged, with the kind's decoder.
 */
import { JsonBytes } from './shared/json-bytes';
import type { KindName, PidnsMember, RecordStacks, RecordsInfo, TraceEvent, TraceOptions } from '../protocol';
import { hasStack, recordFrames, stackTrailer, UNWIND } from './shared/stack';
import { forEachRecord } from '../protocol/records';
import { WallClock, type DecodeContext } from './shared/decode';
import type { Decoder, Pairer, RecordJsonWriter } from './client-part';
import { CLIENT_KIND_BY_NAME, eventJson } from './client-registry';

const JSON_CHUNK = 1 << 20;
const EMPTY = Buffer.alloc(0);

/** What a client needs to decode a trace's records: its kind and the start result's `records`. */
export interface RecordContext extends RecordsInfo {
  kind: KindName;
  /** The trace's options (kinds that pair records read theirs: a DNS query's timeout). */
  options?: TraceOptions;
}

/** The records' clock (CLOCK_MONOTONIC, as bpf_ktime_get_ns) now, in ns. */
const monotonicNs = () => Number(process.hrtime.bigint());

/** Containers remembered per selector trace (they keep naming events still in flight after leaving). */
const MAX_LABELS = 4096;

/**
 * Decodes one trace's record batches into events, with the kind's decoder
 * and a clock of this process (same kernel, same CLOCK_MONOTONIC).
 */
export class RecordDecoder {
  private readonly decode: Decoder | undefined;
  /** Kinds that pair records (dns): events come out when whole, or when their wait ran out (expire, flush). */
  private readonly pairer: Pairer | undefined;
  private readonly recordJson: RecordJsonWriter | undefined;
  private bytesOut: JsonBytes | undefined;
  private readonly ctx: DecodeContext;

  constructor(rc: RecordContext) {
    const kind = CLIENT_KIND_BY_NAME[rc.kind];
    if (!kind?.decode && !kind?.pairer) throw new Error(`${rc.kind} has no ring buffer records`);
    this.decode = kind.decode;
    this.pairer = kind.decode ? undefined : kind.pairer!(rc.options ?? {});
    this.recordJson = kind.recordJson;
    this.ctx = {
      container: rc.container,
      byPidns: rc.members ? new Map() : undefined,
      clock: new WallClock(),
      uprobe: rc.uprobe,
      ids: rc.ids,
      idsByPidns: rc.members ? new Map() : undefined,
    };
    if (rc.members) this.members(rc.members);
  }

  /** Selector traces: containers that joined (labels of those that left stay, bounded). */
  members(joined: PidnsMember[]): void {
    const map = this.ctx.byPidns;
    if (!map) return;
    const ids = this.ctx.idsByPidns!;
    for (const m of joined) {
      if (map.size >= MAX_LABELS && !map.has(m.pidns)) {
        const oldest = map.keys().next().value as number;
        map.delete(oldest);
        ids.delete(oldest);
      }
      map.set(m.pidns, m.container);
      if (m.ids) ids.set(m.pidns, m.ids);
      else ids.delete(m.pidns);
    }
  }

  /** Whether events are held for records still to come (then `expire` is worth calling between batches). */
  get holding(): boolean {
    return this.pairer?.holding ?? false;
  }

  /** Held events whose wait ran out (kinds that pair records; none for the others). */
  expire(): TraceEvent[] {
    const out: TraceEvent[] = [];
    this.pairer?.expire(monotonicNs(), out);
    return out;
  }

  /** The trace ended: every event still held (kinds that pair records; none for the others). */
  flush(): TraceEvent[] {
    const out: TraceEvent[] = [];
    this.pairer?.flush(monotonicNs(), out);
    return out;
  }

  /** Every event of a batch, in order (a pairing kind's: those the batch completed, then those whose wait ran out). */
  events(batch: Buffer, stacks?: RecordStacks): TraceEvent[] {
    const out: TraceEvent[] = [];
    const pairer = this.pairer;
    if (pairer) {
      forEachRecord(batch, (dv, bytes, at, len) => pairer.add(dv, bytes, at, len, this.ctx, out));
      pairer.expire(monotonicNs(), out);
      return out;
    }
    const decode = this.decode!;
    forEachRecord(batch, (dv, bytes, at, len) => {
      // --stack: the record before its stacks is the kind's; the frames are added to its event.
      const t = hasStack(dv, at) ? stackTrailer(dv, at, len) : undefined;
      const e = decode(dv, bytes, at, t ? t.bodyLen : len, this.ctx);
      if (t) {
        e.stack = recordFrames(dv, bytes, t, e.hostPid, stacks);
        // Its copied stack, to unwind by .eh_frame (the batch's bytes are reused: copied out).
        // (No maps: the process was gone before the helper looked; the symbolizer places the leaf's file by the kernel's frame.)
        const maps = stacks?.maps?.[t.mapsPid || e.hostPid] ?? [];
        if (t.copy) UNWIND.set(e, { ip: Number(t.ip), sp: Number(t.sp), bp: Number(t.bp), copy: Buffer.from(bytes.subarray(t.copyAt, t.copyAt + t.copy)), maps, kernel: t.kernel });
      }
      out.push(e);
    });
    return out;
  }

  /**
   * Every event of a batch as JSON lines (eventJson's text, a newline after
   * each), written into `spare` when it is big enough (the caller hands back
   * a buffer it no longer needs). Kinds with a record writer skip the decoded
   * object for ASCII records.
   */
  jsonLines(batch: Buffer, spare?: Buffer): { lines: Buffer; buffer: Buffer; count: number } {
    if (this.pairer) {
      const events = this.events(batch);
      const lines = Buffer.from(events.map((e) => eventJson(e) + '\n').join(''), 'utf8');
      return { lines, buffer: spare ?? lines, count: events.length };
    }
    const decode = this.decode!;
    const w = (this.bytesOut ??= new JsonBytes(Buffer.allocUnsafeSlow(JSON_CHUNK)));
    if (spare && spare.length >= JSON_CHUNK) w.buf = spare;
    else if (w.buf.length < JSON_CHUNK) w.buf = Buffer.allocUnsafeSlow(JSON_CHUNK);
    w.at = 0;
    const direct = this.recordJson;
    const count = forEachRecord(batch, (dv, bytes, rec, len) => {
      // Records with stacks go through events() (their frames are symbolized first).
      const body = hasStack(dv, rec) ? (stackTrailer(dv, rec, len)?.bodyLen ?? len) : len;
      const from = w.at;
      if (body === len && direct?.(dv, bytes, rec, len, this.ctx, w)) {
        w.byte(0x0a);
        return;
      }
      w.at = from; // rolled back: decoded instead
      const text = eventJson(decode(dv, bytes, rec, body, this.ctx));
      w.room(text.length * 3 + 1);
      w.at += w.buf.write(text, w.at, 'utf8');
      w.byte(0x0a);
    });
    const out = w.buf;
    // The buffer goes to the caller (it may keep it): a new one is taken next time unless handed back.
    w.buf = EMPTY;
    return { lines: out.subarray(0, w.at), buffer: out, count };
  }
}
