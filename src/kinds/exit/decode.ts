/** exit kind: decoder for `struct exit_event` (bpf/exit.h). */
import type { ExitEvent } from '../../protocol';
import { readHeader, waitStatus, type DecodeContext, type Layout } from '../shared/decode';

export const EXIT_LAYOUT = {
  struct: 'exit_event',
  fields: { hdr: 0, lifetime_ns: 48, exit_code: 56, ppid: 60, host_ppid: 64, thread: 68, group_dead: 69, oom_killed: 70, pad: 71 },
} satisfies Layout;

const F = EXIT_LAYOUT.fields;

export function decodeExit(dv: DataView, bytes: Buffer, at: number, _len: number, ctx: DecodeContext): ExitEvent {
  const { exitCode, signal, coreDumped } = waitStatus(dv.getUint32(at + F.exit_code, true));
  const h = readHeader(dv, bytes, at, ctx);
  return {
    gadget: 'exit', time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime,
    exitCode,
    signal,
    coreDumped,
    lifetimeMs: Math.round(Number(dv.getBigUint64(at + F.lifetime_ns, true)) / 1e4) / 100,
    thread: dv.getUint8(at + F.thread) !== 0,
    ppid: dv.getUint32(at + F.ppid, true),
    hostPpid: dv.getUint32(at + F.host_ppid, true),
    ...(dv.getUint8(at + F.oom_killed) !== 0 ? { oomKilled: true as const } : {}),
  };
}
