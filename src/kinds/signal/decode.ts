/** signal kind: decoder for `struct signal_event` (bpf/signal.h). */
import type { SignalEvent } from '../../protocol';
import { readHeader, signalName, type DecodeContext, type Layout } from '../shared/decode';

export const SIGNAL_LAYOUT = {
  struct: 'signal_event',
  fields: { hdr: 0, target: 48, sig: 72, code: 76, result: 80, phase: 84, sender_in_scope: 88, fatal: 92, handler: 96 },
} satisfies Layout;

const F = SIGNAL_LAYOUT.fields;
// enum trace_signal_result (include/trace/events/signal.h)
const RESULTS = ['delivered', 'ignored', 'already-pending', 'overflow', 'lost-info'];
// si_code values from <asm-generic/siginfo.h>
const CODES: Record<number, string> = {
  0: 'SI_USER',
  0x80: 'SI_KERNEL',
  [-1]: 'SI_QUEUE',
  [-2]: 'SI_TIMER',
  [-3]: 'SI_MESGQ',
  [-4]: 'SI_ASYNCIO',
  [-5]: 'SI_SIGIO',
  [-6]: 'SI_TKILL',
};

// Positive si_codes mean something per signal (<asm-generic/siginfo.h>).
const PER_SIGNAL: Record<string, string[]> = {
  SIGCHLD: ['', 'CLD_EXITED', 'CLD_KILLED', 'CLD_DUMPED', 'CLD_TRAPPED', 'CLD_STOPPED', 'CLD_CONTINUED'],
  SIGSEGV: ['', 'SEGV_MAPERR', 'SEGV_ACCERR', 'SEGV_BNDERR', 'SEGV_PKUERR'],
  SIGBUS: ['', 'BUS_ADRALN', 'BUS_ADRERR', 'BUS_OBJERR'],
  SIGFPE: ['', 'FPE_INTDIV', 'FPE_INTOVF', 'FPE_FLTDIV', 'FPE_FLTOVF', 'FPE_FLTUND', 'FPE_FLTRES', 'FPE_FLTINV', 'FPE_FLTSUB'],
  SIGILL: ['', 'ILL_ILLOPC', 'ILL_ILLOPN', 'ILL_ILLADR', 'ILL_ILLTRP', 'ILL_PRVOPC', 'ILL_PRVREG', 'ILL_COPROC', 'ILL_BADSTK'],
};

/** bpf/signal.h SIGNAL_NO_INFO: delivered without siginfo (the group's fatal signal). */
const NO_INFO = -0x10000;
/** Signals whose default action is not to end the process (ignore, stop, continue). */
const NOT_FATAL_BY_DEFAULT = new Set(['SIGCHLD', 'SIGCONT', 'SIGURG', 'SIGWINCH', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU']);

function codeName(sig: string, code: number): string {
  if (code === NO_INFO) return 'no siginfo';
  if (code > 0 && code < 0x80 && PER_SIGNAL[sig]?.[code]) return PER_SIGNAL[sig][code];
  return CODES[code] ?? `si_code ${code}`;
}

export function decodeSignal(dv: DataView, bytes: Buffer, at: number, _len: number, ctx: DecodeContext): SignalEvent {
  const delivered = dv.getUint32(at + F.phase, true) === 1;
  const sig = signalName(dv.getInt32(at + F.sig, true));
  const handler = dv.getBigUint64(at + F.handler, true);
  // bpf/signal.h SIGNAL_END_*: why the kernel delivered SIGKILL without siginfo.
  const end = delivered ? dv.getUint32(at + F.fatal, true) : 0;
  // Fatal: made the group's exit by the kernel (delivered as SIGKILL), or taken with its default action that ends the process;
  // a thread ended because its process exits or another thread exec'd is not.
  const fatal = end === 1 || (delivered && end === 0 && handler === 0n && !NOT_FATAL_BY_DEFAULT.has(sig));
  const threadEnd = end === 2 ? 'exit' : end === 3 ? 'exec' : undefined;
  const h = readHeader(dv, bytes, at, ctx);
  return {
    gadget: 'signal', time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime,
    phase: delivered ? 'delivered' : 'generated',
    sig,
    targetPid: dv.getUint32(at + F.target, true),
    targetTid: dv.getUint32(at + F.target + 4, true),
    targetHostPid: dv.getUint32(at + F.target + 8, true),
    targetHostTid: dv.getUint32(at + F.target + 12, true),
    result: delivered ? (handler === 0n ? 'default' : handler === 1n ? 'ignore' : 'handler') : RESULTS[dv.getInt32(at + F.result, true)] ?? 'unknown',
    code: codeName(sig, dv.getInt32(at + F.code, true)),
    senderOutside: dv.getUint32(at + F.sender_in_scope, true) === 0,
    fatal,
    ...(threadEnd ? { threadEnd } : {}),
  };
}
