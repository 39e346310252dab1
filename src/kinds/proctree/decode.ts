/** proctree kind: decoder for `struct proctree_event` (bpf/proctree.h). */
import type { ProctreeEvent } from '../../protocol';
import { cstring, readHeader, waitStatus, type DecodeContext, type Layout } from '../shared/decode';

export const PROCTREE_LAYOUT = {
  struct: 'proctree_event',
  fields: { hdr: 0, child: 48, kind: 72, ppid: 76, host_ppid: 80, exit_code: 84, lifetime_ns: 88, oom_killed: 96, pad: 100, filename: 104, argv0: 360 },
  sizes: { filename: 256, argv0: 48 },
} satisfies Layout;

const F = PROCTREE_LAYOUT.fields;
const KINDS = ['fork', 'exec', 'exit'] as const;

export function decodeProctree(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext): ProctreeEvent {
  const kind = KINDS[dv.getUint32(at + F.kind, true)] ?? 'exec';
  const h = readHeader(dv, bytes, at, ctx);
  const e: ProctreeEvent = {
    gadget: 'proctree', time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime,
    kind,
    ppid: dv.getUint32(at + F.ppid, true),
    hostPpid: dv.getUint32(at + F.host_ppid, true),
  };
  if (kind === 'fork') {
    e.childPid = dv.getUint32(at + F.child, true);
    e.childHostPid = dv.getUint32(at + F.child + 8, true);
  } else if (kind === 'exec') {
    e.filename = cstring(bytes, at + F.filename, Math.min(PROCTREE_LAYOUT.sizes.filename, len - F.filename));
    const argv0 = len > F.argv0 ? cstring(bytes, at + F.argv0, Math.min(PROCTREE_LAYOUT.sizes.argv0, len - F.argv0)) : '';
    if (argv0) e.argv0 = argv0;
  } else {
    const { exitCode, signal } = waitStatus(dv.getUint32(at + F.exit_code, true));
    e.exitCode = exitCode;
    e.signal = signal;
    e.lifetimeMs = Number(dv.getBigUint64(at + F.lifetime_ns, true)) / 1e6;
    if (dv.getUint32(at + F.oom_killed, true) !== 0) e.oomKilled = true;
  }
  return e;
}
