/**
 * openat2(2), which libc does not wrap, through koffi: a path resolved
 * beneath a directory descriptor. Native code, loaded on first use by whoever
 * reads beneath a container's root (nested runtimes' sockets, uprobe
 * targets): importing this module's callers loads nothing.
 */
import koffi from 'koffi';

const SYS_OPENAT2 = 437; // x86_64 and arm64 (the generic table)
/** openat2 resolve flags (linux/openat2.h). */
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_IN_ROOT = 0x10;

type Syscall = (number: number, ...args: unknown[]) => number | bigint;
let syscall: Syscall | undefined;

/**
 * openat2(dirfd, path, {flags, 0, resolve}): a file descriptor, or a
 * negative errno. With RESOLVE_IN_ROOT, "/" and ".." and absolute symlinks
 * stay inside `dirfd` whatever the path or its links say.
 */
export function openat2(dirfd: number, file: string, flags: number, resolve: number): number {
  syscall ??= koffi.load('libc.so.6').func('long syscall(long number, ...)') as Syscall;
  const how = Buffer.alloc(24); // struct open_how { u64 flags; u64 mode; u64 resolve; }
  how.writeBigUInt64LE(BigInt(flags), 0);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  const fd = Number(syscall(SYS_OPENAT2, 'int', dirfd, 'str', file, 'void *', how, 'size_t', 24));
  return fd < 0 ? -koffi.errno() : fd;
}
