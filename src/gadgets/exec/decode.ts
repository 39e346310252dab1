/** exec gadget: decoder for `struct exec_event` (bpf/exec.h). */
import type { ExecEvent } from '../../protocol';
import { withFields, cstring, cstrings, decodeHeader, errnoName, type DecodeContext } from '../decode';

/** Byte offsets in struct exec_event; checked against the object's BTF by a test. */
export const EXEC_LAYOUT = {
  struct: 'exec_event',
  fields: {
    ts_ns: 0,
    ids: 8, // struct ct_ids { pid, tid, host_pid, host_tid, pidns, level }
    ppid: 32,
    host_ppid: 36,
    uid: 40,
    gid: 44,
    ret: 48,
    flags: 52,
    args_count: 56,
    args_size: 60,
    comm: 64,
    filename: 80,
    args: 336,
  },
  commLen: 16,
  filenameLen: 256,
  argsLen: 2048,
} as const;

const F = EXEC_LAYOUT.fields;
const ARGS_TRUNCATED = 1;

export function decodeExec(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext): ExecEvent {
  const ret = dv.getInt32(at + F.ret, true);
  const argsSize = Math.min(dv.getUint32(at + F.args_size, true), len - F.args, EXEC_LAYOUT.argsLen);
  return withFields<ExecEvent>(decodeHeader('exec', dv, bytes, at, ctx, F), {
    ppid: dv.getUint32(at + F.ppid, true),
    hostPpid: dv.getUint32(at + F.host_ppid, true),
    uid: dv.getUint32(at + F.uid, true),
    gid: dv.getUint32(at + F.gid, true),
    filename: cstring(bytes, at + F.filename, EXEC_LAYOUT.filenameLen),
    args: argsSize > 0 ? cstrings(bytes, at + F.args, argsSize) : [],
    argsTruncated: (dv.getUint32(at + F.flags, true) & ARGS_TRUNCATED) !== 0,
    ret,
    error: ret < 0 ? errnoName(ret) : undefined,
  });
}
