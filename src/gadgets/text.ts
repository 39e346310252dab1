/** Events in words, shared by the CLI's columns and the extension's views. */
import type { ExecEvent, TraceEvent } from '../protocol';

/** Shell-like quoting of an argv for display. */
export function quoteArgs(args: string[]): string {
  return args.map((a) => (a === '' || /[\s"'\\$`]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** The command line of an exec, with the path when it differs from argv[0]. */
export function execCommand(e: ExecEvent): string {
  const args = quoteArgs(e.args.length ? e.args : [e.filename]) + (e.argsTruncated ? ' …' : '');
  return e.args[0] && e.filename !== e.args[0] && !e.filename.endsWith('/' + e.args[0]) ? `${args}  [${e.filename}]` : args;
}

/** The kind-specific part of an event, one line. */
export function details(e: TraceEvent): string {
  switch (e.gadget) {
    case 'exec':
      return e.ret < 0 ? `${execCommand(e)}  → ${e.error ?? e.ret}` : execCommand(e);
  }
}

/** Whether the event reports a failure. */
export function failed(e: TraceEvent): boolean {
  return e.gadget === 'exec' && e.ret < 0;
}
