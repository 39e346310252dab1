/** Events in words, shared by the kinds' text, the CLI's columns and the extension's views. */
import type { ExecEvent } from '../../protocol';

// C0 controls, DEL, C1 controls; bidi marks, embeddings, overrides and isolates.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from a container made safe to show: every control character and
 * bidi override written as an escape (\x1b, \u202e), so that a process name
 * or an argument cannot move the cursor, retitle a terminal or reorder what
 * is read. For display only: JSON output keeps the exact text.
 */
export function visible(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Shell-like quoting of an argv for display. */
export function quoteArgs(args: string[]): string {
  return args.map((a) => (a === '' || /[\s"'\\$`]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** The command line of an exec, with the path when it differs from argv[0]. */
export function execCommand(e: ExecEvent): string {
  const args = quoteArgs(e.args.length ? e.args : [e.filename]) + (e.argsTruncated ? ' …' : '');
  return e.args[0] && e.filename !== e.args[0] && !e.filename.endsWith('/' + e.args[0]) ? `${args}  [${e.filename}]` : args;
}

/** Nanoseconds, readably. */
export function micro(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns} ns`;
}
