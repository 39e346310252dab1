/** open kind: decoder for `struct open_event` (bpf/open.h). */
import type { OpenEvent } from '../../protocol';
import { cstring, errnoName, readHeader, type DecodeContext, type Layout } from '../shared/decode';

export const OPEN_LAYOUT = {
  struct: 'open_event',
  fields: { hdr: 0, ret: 48, flags: 56, mode: 64, dirfd: 68, syscall: 72, eflags: 76, path: 80 },
  sizes: { path: 256 },
} satisfies Layout;

const F = OPEN_LAYOUT.fields;
const PATH_LEN = OPEN_LAYOUT.sizes.path;
const AT_FDCWD = -100;
/** struct open_event.syscall: which call it was. */
export const OPEN_SYSCALLS = ['open', 'openat', 'openat2'] as const;

// Linux generic (x86, arm64) O_* bits, in octal as in <asm-generic/fcntl.h>.
const FLAG_BITS: [string, number][] = [
  ['O_CREAT', 0o100],
  ['O_EXCL', 0o200],
  ['O_NOCTTY', 0o400],
  ['O_TRUNC', 0o1000],
  ['O_APPEND', 0o2000],
  ['O_NONBLOCK', 0o4000],
  ['O_DSYNC', 0o10000],
  ['O_ASYNC', 0o20000],
  ['O_DIRECT', 0o40000],
  ['O_LARGEFILE', 0o100000],
  ['O_DIRECTORY', 0o200000],
  ['O_NOFOLLOW', 0o400000],
  ['O_NOATIME', 0o1000000],
  ['O_CLOEXEC', 0o2000000],
  ['__O_SYNC', 0o4000000],
  ['O_PATH', 0o10000000],
  ['__O_TMPFILE', 0o20000000],
];

const flagCache = new Map<number, string[]>();

/** O_* names of an open flags word (the same few words recur: cached, bounded). */
export function openFlags(flags: number): string[] {
  let names = flagCache.get(flags);
  if (!names) {
    names = flagNames(flags);
    if (flagCache.size < 1024) flagCache.set(flags, names);
  }
  return names;
}

function flagNames(flags: number): string[] {
  const names = [['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][flags & 3]];
  let rest = flags & ~3;
  if ((rest & 0o20200000) === 0o20200000) {
    names.push('O_TMPFILE');
    rest &= ~0o20200000;
  }
  if ((rest & 0o4010000) === 0o4010000) {
    names.push('O_SYNC');
    rest &= ~0o4010000;
  }
  for (const [name, bit] of FLAG_BITS) {
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push(`0${rest.toString(8)}`);
  return names;
}

/** Records end with the path's own bytes (its NUL included), at most PATH_LEN. */
export function decodeOpen(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext): OpenEvent {
  const ret = Number(dv.getBigInt64(at + F.ret, true));
  const flags = dv.getUint32(at + F.flags, true);
  const dirfd = dv.getInt32(at + F.dirfd, true);
  const eflags = dv.getUint32(at + F.eflags, true);
  const withMode = (flags & 0o100) !== 0 || (flags & 0o20200000) === 0o20200000;
  const h = readHeader(dv, bytes, at, ctx);
  return {
    gadget: 'open', time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime,
    path: eflags & 2 ? '(not readable at entry)' : cstring(bytes, at + F.path, Math.max(0, Math.min(PATH_LEN, len - F.path))),
    pathTruncated: (eflags & 1) !== 0,
    flags: openFlags(flags),
    mode: withMode ? '0' + (dv.getUint32(at + F.mode, true) & 0o7777).toString(8).padStart(3, '0') : null,
    dirfd: dirfd === AT_FDCWD ? 'AT_FDCWD' : dirfd,
    syscall: OPEN_SYSCALLS[dv.getUint32(at + F.syscall, true)] ?? 'openat',
    // Both keys always (one hidden class); JSON leaves out the undefined one.
    fd: ret < 0 ? undefined : ret,
    errno: ret < 0 ? errnoName(ret) : undefined,
  };
}
