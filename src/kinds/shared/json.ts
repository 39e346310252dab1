/**
 * Events as JSON lines, exactly as JSON.stringify writes them but several
 * times faster: the common fields written here, once for decoded events and
 * once straight from a record's header; each kind writes its own fields
 * (its client part's jsonTail and recordJson). A unit test holds the lines
 * equal to JSON.stringify over every decoder's records and hostile strings.
 */
import type { ContainerLabel, EventBase, KindName } from '../../protocol';
import { COMM_LEN, HDR_LAYOUT, IDS, readHeader, type DecodeContext, type Header } from './decode';
import { ascii, type JsonBytes } from './json-bytes';

/** Characters JSON.stringify escapes (and surrogates, left to it entirely). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string, as JSON.stringify writes it. */
export const quote = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

const arrays = new WeakMap<readonly unknown[], string>();

/** JSON of an array that decoders share between events (cached names): written once. */
export function sharedArray(a: readonly unknown[]): string {
  let json = arrays.get(a);
  if (json === undefined) arrays.set(a, (json = JSON.stringify(a)));
  return json;
}

let lastLabel: ContainerLabel | undefined;
let lastLabelJson = '';

/** The container label: one object per trace (or member), written once. */
function labelJson(label: ContainerLabel): string {
  if (label !== lastLabel) {
    lastLabel = label;
    lastLabelJson = JSON.stringify(label);
  }
  return lastLabelJson;
}

let asciiLabel: ContainerLabel | undefined;
let asciiLabelText: string | undefined;

/** The container label's JSON when it is ASCII only (safe to write as latin1); undefined otherwise. */
function asciiLabelJson(label: ContainerLabel): string | undefined {
  if (label !== asciiLabel) {
    asciiLabel = label;
    const json = JSON.stringify(label);
    // eslint-disable-next-line no-control-regex -- ASCII is exactly what is checked
    asciiLabelText = /^[\x00-\x7f]*$/.test(json) ? json : undefined;
  }
  return asciiLabelText;
}

/** The C string at `start` (at most `max` bytes) when it needs no escaping in JSON and no UTF-8 decoding; else undefined. */
export function plainAscii(bytes: Buffer, start: number, max: number): string | undefined {
  let end = start;
  const stop = start + max;
  for (; end < stop; end++) {
    const c = bytes[end];
    if (c === 0) break;
    if (c < 0x20 || c > 0x7f || c === 0x22 || c === 0x5c) return undefined;
  }
  return bytes.toString('latin1', start, end);
}

/** The common fields, in the decoders' order, without the closing brace. The kind and time are this side's own text: nothing to escape. */
function head(kind: KindName, h: Pick<Header, 'time' | 'pid' | 'tid' | 'hostPid' | 'hostTid'> & { runtime?: true }, label: string, comm: string): string {
  return `{"gadget":"${kind}","time":"${h.time}","container":${label},"pid":${h.pid},"tid":${h.tid},"hostPid":${h.hostPid},"hostTid":${h.hostTid},"comm":${comm}${h.runtime ? ',"runtime":true' : ''}`;
}

/** A decoded event's common fields (see head). */
export function eventHeadJson(e: EventBase): string {
  return head(e.gadget, e, labelJson(e.container), quote(e.comm));
}

/** A record's common fields, read by readHeader (see head), when they are plain ASCII; undefined otherwise. */
export function recordHeadJson(kind: KindName, dv: DataView, bytes: Buffer, at: number, ctx: DecodeContext): string | undefined {
  const h = readHeader(dv, bytes, at, ctx);
  const label = asciiLabelJson(h.container);
  return label !== undefined && h.commPlain ? head(kind, h, label, `"${h.comm}"`) : undefined;
}

const heads = new Map<KindName, Buffer>();
const labels = new WeakMap<ContainerLabel, Buffer | null>();
const TIME_TO_CONTAINER = ascii('Z","container":');
const PID = ascii(',"pid":');
const TID = ascii(',"tid":');
const HOST_PID = ascii(',"hostPid":');
const HOST_TID = ascii(',"hostTid":');
const COMM = ascii(',"comm":"');
const RUNTIME = ascii('","runtime":true');

/** The last task a record writer wrote: its header words, its container's label and the text they made. */
const task = { runtime: -1, ids: [0, 0, 0, 0], comm: [0, 0, 0, 0], label: undefined as Buffer | undefined, segment: undefined as Buffer | undefined };

/**
 * A record's common fields written as bytes (the text recordHeadJson makes),
 * without the closing brace; false when its comm or container label is not
 * plain ASCII (the caller rolls back and decodes).
 */
export function recordHeadBytes(kind: KindName, dv: DataView, bytes: Buffer, at: number, ctx: DecodeContext, w: JsonBytes): boolean {
  const ids = at + HDR_LAYOUT.ids;
  const container = ctx.byPidns ? (ctx.byPidns.get(dv.getUint32(ids + IDS.pidns, true)) ?? ctx.container) : ctx.container;
  let label = labels.get(container);
  if (label === undefined) {
    const json = asciiLabelJson(container);
    labels.set(container, (label = json === undefined ? null : ascii(json)));
  }
  if (label === null) return false;
  let head = heads.get(kind);
  if (head === undefined) heads.set(kind, (head = ascii(`{"gadget":"${kind}","time":"`)));
  // The kind and the time's date and seconds as one copy; then its nanoseconds.
  ctx.clock.writeAt(dv, at + HDR_LAYOUT.ts_ns, w, head);
  // The rest (the time's Z, the container, the task's PIDs, comm and runtime) as the last record
  // of the same task in the same container wrote them: a flood's records mostly come from one
  // task, so its segment is copied whole.
  const t = task;
  let same = t.label === label && dv.getUint32(at + HDR_LAYOUT.ts_ns + 4, true) >>> 31 === t.runtime;
  for (let i = 0; same && i < 4; i++) same = dv.getUint32(ids + 4 * i, true) === t.ids[i];
  for (let i = 0; same && i < 4; i++) same = dv.getUint32(at + HDR_LAYOUT.comm + 4 * i, true) === t.comm[i];
  if (same && t.segment) {
    w.raw(t.segment);
    return true;
  }
  const from = w.at;
  w.raw(TIME_TO_CONTAINER);
  w.raw(label);
  w.raw(PID);
  w.uint(dv.getUint32(ids + IDS.pid, true));
  w.raw(TID);
  w.uint(dv.getUint32(ids + IDS.tid, true));
  w.raw(HOST_PID);
  w.uint(dv.getUint32(ids + IDS.host_pid, true));
  w.raw(HOST_TID);
  w.uint(dv.getUint32(ids + IDS.host_tid, true));
  w.raw(COMM);
  if (!w.plain(bytes, at + HDR_LAYOUT.comm, COMM_LEN)) return false;
  const runtime = dv.getUint32(at + HDR_LAYOUT.ts_ns + 4, true) >>> 31;
  if (runtime) w.raw(RUNTIME);
  else w.byte(0x22);
  t.runtime = runtime;
  t.label = label;
  for (let i = 0; i < 4; i++) t.ids[i] = dv.getUint32(ids + 4 * i, true);
  for (let i = 0; i < 4; i++) t.comm[i] = dv.getUint32(at + HDR_LAYOUT.comm + 4 * i, true);
  t.segment = Buffer.from(w.buf.subarray(from, w.at));
  return true;
}
