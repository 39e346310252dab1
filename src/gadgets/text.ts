/** Events in words, shared by the CLI's columns and the extension's views. */
import type { ExecEvent, TraceEvent } from '../protocol';

// C0 controls, DEL, C1 controls; bidi marks, embeddings, overrides and isolates.
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

function pid(p: number, host: number): string {
  return p ? `${p}` : `host ${host}`;
}

/** The kind-specific part of an event, one line. */
export function details(e: TraceEvent): string {
  switch (e.gadget) {
    case 'exec':
      return e.ret < 0 ? `${execCommand(e)}  → ${e.error ?? e.ret}` : execCommand(e);
    case 'exit': {
      const how = e.signal ? `killed by ${e.signal}${e.coreDumped ? ' (core dumped)' : ''}` : `exit ${e.exitCode}`;
      return `${e.thread ? 'thread' : 'process'} ${how} after ${e.lifetimeMs} ms`;
    }
    case 'open': {
      const result = e.errno ? `→ ${e.errno}` : `→ fd ${e.fd}`;
      return `${e.path}${e.pathTruncated ? '…' : ''}  ${e.flags.join('|')}${e.mode ? ` ${e.mode}` : ''}  ${result}`;
    }
    case 'signal':
      return e.phase === 'generated'
        ? `${e.sig} → ${pid(e.targetPid, e.targetHostPid)}${e.targetTid !== e.targetPid ? `/${e.targetTid}` : ''} (${e.code}): ${e.result}${e.senderOutside ? '  [sender outside the scope]' : ''}`
        : `${e.sig} delivered (${e.code}): ${e.result}`;
    case 'tcp': {
      const addr = (a: string, p: number) => (e.family === 'IPv6' ? `[${a}]:${p}` : `${a}:${p}`);
      const extra = [
        e.durationMs !== null ? `${e.durationMs} ms` : '',
        e.bytesSent !== null ? `sent ${e.bytesSent} B, received ${e.bytesReceived} B` : '',
        e.attributed === 'none' ? 'no process (softirq)' : '',
      ].filter(Boolean);
      return `${addr(e.saddr, e.sport)} → ${addr(e.daddr, e.dport)}  ${e.oldState} → ${e.state}${extra.length ? `  (${extra.join(', ')})` : ''}`;
    }
    case 'syscalls':
      return (
        `${e.totalCalls} calls in ${e.interval} ms` +
        (e.top.length ? ': ' + e.top.slice(0, 5).map((t) => `${t.syscall} ×${t.count} (${t.comm} ${t.pid || 'host ' + t.hostPid}, p99 ${micro(t.latencyNs.p99)})`).join(', ') : '')
      );
    case 'uprobe':
      return `${e.function}(${e.args.slice(0, 3).join(', ')}, …) = ${e.ret}  ${micro(e.latencyNs)}  [call ${e.calls}]`;
    case 'proctree':
      if (e.kind === 'fork') return `fork → child ${e.childPid || 'host ' + e.childHostPid}`;
      if (e.kind === 'exec') return `exec ${e.filename}`;
      return `exit ${e.signal ? `by ${e.signal}` : e.exitCode}`;
  }
}

/** Whether the event reports a failure. */
export function failed(e: TraceEvent): boolean {
  switch (e.gadget) {
    case 'exec':
      return e.ret < 0;
    case 'open':
      return e.errno !== undefined;
    case 'exit':
      return e.signal !== null || (e.exitCode ?? 0) !== 0;
    case 'proctree':
      return e.kind === 'exit' && (e.signal !== null || (e.exitCode ?? 0) !== 0);
    default:
      return false;
  }
}
