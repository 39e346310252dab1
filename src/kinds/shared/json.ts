/**
 * Events as JSON lines, exactly as JSON.stringify writes them but several
 * times faster: the common fields written here, once for decoded events and
 * once straight from a record's header; each kind writes its own fields
 * (its client part's jsonTail and recordJson). A unit test holds the lines
 * equal to JSON.stringify over every decoder's records and hostile strings.
 */
import type { ContainerLabel, EventBase, KindName } from '../../protocol';
import { readHeader, type DecodeContext, type Header } from './decode';

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
