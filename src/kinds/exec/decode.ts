/** exec kind: decoder for `struct exec_event` (bpf/exec.h). */
import type { ExecEvent } from '../../protocol';
import { cstring, cstrings, readHeader, errnoName, idMapAt, type DecodeContext, type Layout } from '../shared/decode';
import { idInside } from '../shared/idmap';

export const EXEC_LAYOUT = {
  struct: 'exec_event',
  fields: { hdr: 0, ppid: 48, host_ppid: 52, uid: 56, gid: 60, ret: 64, flags: 68, args_count: 72, args_size: 76, filename: 80, args: 336 },
  sizes: { filename: 256, args: 2048 },
} satisfies Layout;

const F = EXEC_LAYOUT.fields;
const ARGS_TRUNCATED = 1;

export function decodeExec(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext): ExecEvent {
  const ret = dv.getInt32(at + F.ret, true);
  const argsSize = Math.min(dv.getUint32(at + F.args_size, true), len - F.args, EXEC_LAYOUT.sizes.args);
  const h = readHeader(dv, bytes, at, ctx);
  // The kernel's ids are the host's; a container with a user namespace of its own sees them mapped.
  const uid = dv.getUint32(at + F.uid, true);
  const gid = dv.getUint32(at + F.gid, true);
  const ids = idMapAt(dv, at, ctx);
  return {
    gadget: 'exec', time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime,
    ppid: dv.getUint32(at + F.ppid, true),
    hostPpid: dv.getUint32(at + F.host_ppid, true),
    uid: ids ? idInside(ids.uid, uid) : uid,
    gid: ids ? idInside(ids.gid, gid) : gid,
    hostUid: ids ? uid : undefined,
    hostGid: ids ? gid : undefined,
    filename: cstring(bytes, at + F.filename, EXEC_LAYOUT.sizes.filename),
    args: argsSize > 0 ? cstrings(bytes, at + F.args, argsSize) : [],
    argsTruncated: (dv.getUint32(at + F.flags, true) & ARGS_TRUNCATED) !== 0,
    ret,
    error: ret < 0 ? errnoName(ret) : undefined,
  };
}
