/**
 * Events as JSON lines, exactly as JSON.stringify writes them but several
 * times faster for kinds that give their own fields' writer (jsonTail):
 * floods reach a file at the rate the ring delivers them. A unit test holds
 * the two equal over every decoder's records and hostile strings.
 */
import type { ContainerLabel, EventBase, TraceEvent } from '../protocol';
import { KIND_BY_NAME } from './kinds';

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
export function asciiLabelJson(label: ContainerLabel): string | undefined {
  if (label !== asciiLabel) {
    asciiLabel = label;
    const json = JSON.stringify(label);
    // eslint-disable-next-line no-control-regex -- ASCII is exactly what is checked
    asciiLabelText = /^[\x00-\x7f]*$/.test(json) ? json : undefined;
  }
  return asciiLabelText;
}

/** The common fields, in decodeHeader's order, without the closing brace. The kind and time are this side's own text: nothing to escape. */
function headJson(e: EventBase): string {
  return `{"gadget":"${e.gadget}","time":"${e.time}","container":${labelJson(e.container)},"pid":${e.pid},"tid":${e.tid},"hostPid":${e.hostPid},"hostTid":${e.hostTid},"comm":${quote(e.comm)}`;
}

/** One event as JSON (no newline). */
export function eventJson(e: TraceEvent): string {
  const tail = KIND_BY_NAME[e.gadget]?.spec.jsonTail;
  return tail ? headJson(e) + tail(e) + '}' : JSON.stringify(e);
}
