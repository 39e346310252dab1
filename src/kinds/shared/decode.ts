/**
 * What every kind's decoder reads with: the common header (struct ct_hdr,
 * one reader for all), C strings, the kernel's clock as wall time, errno and
 * signal names, wait statuses.
 */
import { constants } from 'node:os';
import type { ContainerLabel, IdMap } from '../../protocol';
import type { JsonBytes } from './json-bytes';

/** Buffer's own slicers (what toString(…) ends in, without its argument handling): hot in every decoder. */
type Utf8Slicer = Buffer & { utf8Slice?(start: number, end: number): string; latin1Slice?(start: number, end: number): string };

/** A NUL-terminated string inside `bytes[start, start+max)`. */
export function cstring(bytes: Buffer, start: number, max: number): string {
  let end = bytes.indexOf(0, start);
  if (end < 0 || end > start + max) end = start + max;
  const b = bytes as Utf8Slicer;
  return b.utf8Slice ? b.utf8Slice(start, end) : bytes.toString('utf8', start, end);
}

/** NUL-separated strings in `bytes[start, start+size)`. */
export function cstrings(bytes: Buffer, start: number, size: number): string[] {
  const out: string[] = [];
  let at = start;
  const stop = start + size;
  while (at < stop) {
    let end = bytes.indexOf(0, at);
    if (end < 0 || end > stop) end = stop;
    out.push(bytes.toString('utf8', at, end));
    at = end + 1;
  }
  return out;
}

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** ENOENT for 2 or -2; `errno N` when unknown. */
export function errnoName(code: number): string {
  return errnoNames.get(Math.abs(code)) ?? `errno ${Math.abs(code)}`;
}

const NS = 1_000_000_000;
const TWO32 = 2 ** 32;

/**
 * Converts CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns) into wall time.
 * Hot path: no BigInt per event. Times are taken relative to a base read
 * at construction (exact in a double for 104 days either side), and the
 * "YYYY-MM-DDTHH:MM:SS." prefix is reused while the second is the same.
 */
export class WallClock {
  private readonly baseHi: number;
  private readonly baseLo: number;
  private readonly wallSec: number;
  private readonly wallNs: number;
  private lastSec = NaN;
  private lastPrefix = '';

  constructor() {
    const mono = process.hrtime.bigint();
    const wallNs = BigInt(Date.now()) * 1_000_000n;
    this.baseHi = Number(mono >> 32n);
    this.baseLo = Number(mono & 0xffffffffn);
    this.wallSec = Number(wallNs / 1_000_000_000n);
    this.wallNs = Number(wallNs % 1_000_000_000n);
  }

  /** RFC 3339 UTC with nanoseconds. */
  format(monoNs: bigint): string {
    return this.formatParts(Number(monoNs >> 32n), Number(monoNs & 0xffffffffn));
  }

  /** The u64 at `at` (little-endian) in `dv`, formatted as `format` does. */
  formatAt(dv: DataView, at: number): string {
    // Bits 63 and 62 are flags (CT_TS_RUNTIME, CT_TS_STACK), not time.
    return this.formatParts(dv.getUint32(at + 4, true) & 0x3fffffff, dv.getUint32(at, true));
  }

  /**
   * The time at `at` (as formatAt reads it) written as bytes, the same text without its final
   * "Z" (the caller writes it with what follows), after `before`: the text just before it, kept
   * with the date and seconds as one copy while the second is the same.
   */
  writeAt(dv: DataView, at: number, w: JsonBytes, before: Buffer): void {
    const total = this.wallNs + ((dv.getUint32(at + 4, true) & 0x3fffffff) - this.baseHi) * TWO32 + (dv.getUint32(at, true) - this.baseLo);
    const carry = Math.floor(total / NS);
    const sec = this.wallSec + carry;
    if (sec !== this.lastBytesSec || before !== this.lastBefore) {
      this.lastBytesSec = sec;
      this.lastBefore = before;
      this.lastPrefixBytes = Buffer.from(before.toString('latin1') + new Date(sec * 1000).toISOString().slice(0, 19) + '.', 'latin1');
    }
    w.raw(this.lastPrefixBytes);
    w.padded(total - carry * NS, 9);
  }

  private lastBytesSec = NaN;
  private lastBefore: Buffer | undefined;
  private lastPrefixBytes = Buffer.alloc(0);

  private formatParts(hi: number, lo: number): string {
    const total = this.wallNs + (hi - this.baseHi) * TWO32 + (lo - this.baseLo);
    const carry = Math.floor(total / NS);
    const sec = this.wallSec + carry;
    const frac = total - carry * NS;
    if (sec !== this.lastSec) {
      this.lastSec = sec;
      this.lastPrefix = new Date(sec * 1000).toISOString().slice(0, 19) + '.';
    }
    return this.lastPrefix + (frac < 100_000_000 ? String(frac + NS).slice(1) : String(frac)) + 'Z';
  }
}

/** struct ct_hdr (bpf/types.h): the start of every record. */
export const HDR_LAYOUT = { ts_ns: 0, ids: 8, comm: 32 } as const;
export const HDR_SIZE = 48;
/** struct ct_ids in the header: the PIDs at both levels and the container's PID namespace. */
export const IDS = { pid: 0, tid: 4, host_pid: 8, host_tid: 12, pidns: 16 } as const;
export const COMM_LEN = 16;

/** Byte offsets of an event struct; a test checks them against the object's BTF. */
export interface Layout {
  struct: string;
  fields: Record<string, number>;
  /** Sizes of the fields a decoder bounds by (strings, arrays): checked against the BTF too. */
  sizes?: Record<string, number>;
  /** The struct's whole size, where a decoder depends on it (map values). */
  size?: number;
}

/** The common fields of a record, as readHeader reads them. */
export interface Header {
  time: string;
  container: ContainerLabel;
  pid: number;
  tid: number;
  hostPid: number;
  hostTid: number;
  comm: string;
  /** comm is ASCII with nothing JSON escapes (a record writer writes it as is, as latin1). */
  commPlain: boolean;
  /** The task ran the container runtime's code (its init before it exec'd the container's program): bit 63 of ts_ns. */
  runtime: true | undefined;
}

const header: Header = { time: '', container: { id: '', name: '' }, pid: 0, tid: 0, hostPid: 0, hostTid: 0, comm: '', commPlain: true, runtime: undefined };

/**
 * The struct ct_hdr at `at`: the one reader of the common fields, for
 * every kind's decoder and record writer. The object it returns is reused
 * (valid until the next call): a decoder copies its fields into the event's
 * own literal, common fields first, so each kind's events have one hidden
 * class and nothing is allocated for the header.
 */
export function readHeader(dv: DataView, bytes: Buffer, at: number, ctx: DecodeContext): Readonly<Header> {
  const ids = at + HDR_LAYOUT.ids;
  header.time = ctx.clock.formatAt(dv, at + HDR_LAYOUT.ts_ns);
  header.container = ctx.byPidns ? (ctx.byPidns.get(dv.getUint32(ids + IDS.pidns, true)) ?? ctx.container) : ctx.container;
  header.pid = dv.getUint32(ids + IDS.pid, true);
  header.tid = dv.getUint32(ids + IDS.tid, true);
  header.hostPid = dv.getUint32(ids + IDS.host_pid, true);
  header.hostTid = dv.getUint32(ids + IDS.host_tid, true);
  readComm(bytes, at + HDR_LAYOUT.comm);
  header.runtime = dv.getUint32(at + HDR_LAYOUT.ts_ns + 4, true) >= 0x80000000 ? true : undefined;
  return header;
}

/** comm (at most COMM_LEN bytes, NUL-terminated) into the header: its end and whether it is plain found in one pass. */
function readComm(bytes: Buffer, start: number): void {
  const stop = start + COMM_LEN;
  let end = start;
  let plain = true;
  for (; end < stop; end++) {
    const c = bytes[end];
    if (c === 0) break;
    if (c < 0x20 || c > 0x7f || c === 0x22 || c === 0x5c) plain = false;
  }
  const b = bytes as Utf8Slicer;
  // ASCII reads the same as latin1 and as UTF-8; latin1 needs no decoding.
  header.comm = plain && b.latin1Slice ? b.latin1Slice(start, end) : b.utf8Slice ? b.utf8Slice(start, end) : bytes.toString('utf8', start, end);
  header.commPlain = plain;
}

/** A raw wait status (task->exit_code): exit code, or the signal that ended it. */
export function waitStatus(status: number): { exitCode: number | null; signal: string | null; coreDumped: boolean } {
  const sig = status & 0x7f;
  return { exitCode: sig ? null : (status >> 8) & 0xff, signal: sig ? signalName(sig) : null, coreDumped: (status & 0x80) !== 0 };
}

const signalNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.signals)) {
  if (!signalNames.has(value) && name !== 'SIGIOT' && name !== 'SIGPOLL' && name !== 'SIGUNUSED') signalNames.set(value, name);
}

/** SIGKILL for 9; SIGRTMIN+n for real-time signals. */
export function signalName(sig: number): string {
  if (sig >= 34 && sig <= 64) return sig === 34 ? 'SIGRTMIN' : `SIGRTMIN+${sig - 34}`;
  return signalNames.get(sig) ?? `signal ${sig}`;
}

export interface DecodeContext {
  container: ContainerLabel;
  /** Selector traces: each traced container by the inode of its PID namespace (struct ct_ids.pidns). */
  byPidns?: Map<number, ContainerLabel>;
  clock: WallClock;
  /** uprobe: what was attached. */
  uprobe?: { path: string; function: string };
  /** One container: its user namespace's mapping, when not the host's. */
  ids?: IdMap;
  /** Selector traces: the mappings of the containers that have one, by PID namespace. */
  idsByPidns?: Map<number, IdMap>;
}

/** The user namespace mapping of the record's container at `at` (its header's namespace), when it has one. */
export function idMapAt(dv: DataView, at: number, ctx: DecodeContext): IdMap | undefined {
  return ctx.idsByPidns ? ctx.idsByPidns.get(dv.getUint32(at + HDR_LAYOUT.ids + IDS.pidns, true)) : ctx.ids;
}
