/**
 * syscall kind: decoder for `struct syscall_event` (bpf/syscall.h). Each
 * argument is decoded by how the table says it prints (./table, generated);
 * file descriptors are named from the stream itself (./fds): the extension
 * cannot read a container process's /proc/<pid>/fd, and the kernel side
 * stays a copier of bytes.
 */
import type { SyscallArg, SyscallEvent } from '../../protocol';
import { errnoName, readHeader, type DecodeContext, type Layout } from '../shared/decode';
import { SYSCALL_TABLE, type SyscallSpec } from './table';
import { FdNames } from './fds';
import {
  accessMode, archPrctl, atFlags, cloneFlags, futexOp, grndFlags, prctlOption, rlimitName, domainName, fcntlCmd, mapFlags, modeOctal, msgFlags, O_CREAT, O_TMPFILE, openFlags,
  protFlags, protocolName, RESTART_ERRNOS, sigHow, signalName, sockType, statMode, waitOptions, whenceName,
} from './flags';

export const SYSCALL_LAYOUT = {
  struct: 'syscall_event',
  fields: { hdr: 0, args: 48, ret: 96, duration_ns: 104, nr: 112, off: 116, len: 120, arg: 124, flags: 126, pad: 127, src: 128, buf: 136 },
  sizes: { buf: 768, args: 48 },
} satisfies Layout;

const F = SYSCALL_LAYOUT.fields;
const BUF = SYSCALL_LAYOUT.sizes.buf;
/** bpf/syscall.h SC_F_* */
export const SC_F = { CUT0: 1, CUT1: 2, NORET: 4, FAULT0: 8, FAULT1: 16, ARGV_MORE: 32 } as const;
/** bpf/syscall.h SC_SLOT_MAX: bytes kept of one string or buffer. */
export const SLOT_MAX = 256;
const TWO32 = 2 ** 32;
/** Kinds read from the caller's memory (an address stands in when they were not). */
const CAPTURED = new Set(['path', 'str', 'bufout', 'randout', 'stat', 'argv', 'wstatus', 'pipefd']);

/** A syscall the table does not know (a newer kernel's): its number as its name, six raw arguments. */
function unknownSpec(nr: number): SyscallSpec {
  return { name: `syscall_${nr}`, args: [0, 1, 2, 3, 4, 5].map((i) => [`arg${i}`, 'hex'] as [string, string]), ret: 'int', classes: [] };
}

/** An unsigned 64-bit argument as a number (addresses above 2^53 lose their low bits: printed in hex, they are user addresses far below). */
const u64 = (dv: DataView, at: number) => dv.getUint32(at + 4, true) * TWO32 + dv.getUint32(at, true);
/** A signed one: a C int passed in 64 bits may come with its upper half zero (-1 as 0xffffffff). */
function s64(dv: DataView, at: number): number {
  const hi = dv.getInt32(at + 4, true);
  const lo = dv.getUint32(at, true);
  if (hi === 0 && lo >= 0x80000000) return lo - TWO32;
  return hi * TWO32 + lo;
}
export const hex = (v: number): string => '0x' + v.toString(16);
const ptr = (v: number): string | null => (v === 0 ? null : hex(v));

const fdStates = new WeakMap<DecodeContext, FdNames>();
function fdsOf(ctx: DecodeContext): FdNames {
  let f = fdStates.get(ctx);
  if (!f) fdStates.set(ctx, (f = new FdNames()));
  return f;
}

/** What the record's slot `i` holds: its bytes' range, whether it was cut or unreadable, its source's length. */
interface Slot {
  start: number;
  len: number;
  cut: boolean;
  fault: boolean;
  src: number;
}

function slotOf(dv: DataView, at: number, len: number, argIndex: number): Slot | undefined {
  for (let i = 0; i < 2; i++) {
    if (dv.getUint8(at + F.arg + i) !== argIndex) continue;
    const off = dv.getUint16(at + F.off + 2 * i, true);
    const n = dv.getUint16(at + F.len + 2 * i, true);
    const flags = dv.getUint8(at + F.flags);
    // Bounded by the record as it came (never past its end).
    const start = Math.min(at + F.buf + Math.min(off, BUF), at + len);
    return { start, len: Math.max(0, Math.min(n, at + len - start)), cut: (flags & (i ? SC_F.CUT1 : SC_F.CUT0)) !== 0, fault: (flags & (i ? SC_F.FAULT1 : SC_F.FAULT0)) !== 0, src: dv.getUint32(at + F.src + 4 * i, true) };
  }
  return undefined;
}

/** The sockaddr in `b`: {family, address, port} (inet), {family, path} (unix), {family}. */
export function sockaddr(b: Buffer): SyscallArg {
  if (b.length < 2) return { family: 'AF_UNSPEC' };
  const fam = b.readUInt16LE(0);
  if (fam === 2 && b.length >= 8) return { family: 'AF_INET', address: `${b[4]}.${b[5]}.${b[6]}.${b[7]}`, port: b.readUInt16BE(2) };
  if (fam === 10 && b.length >= 24) {
    const parts: string[] = [];
    for (let i = 0; i < 8; i++) parts.push(b.readUInt16BE(8 + 2 * i).toString(16));
    return { family: 'AF_INET6', address: compressV6(parts.join(':')), port: b.readUInt16BE(2) };
  }
  if (fam === 1) {
    const end = b.indexOf(0, 2);
    return { family: 'AF_UNIX', path: b.toString('utf8', 2, end < 0 ? b.length : end) };
  }
  return { family: domainName(fam) };
}

function compressV6(full: string): string {
  // The longest run of zero groups as ::, as inet_ntop writes it.
  const groups = full.split(':');
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return groups.slice(0, best).join(':') + '::' + groups.slice(best + bestLen).join(':');
}

export function decodeSyscall(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext): SyscallEvent {
  const nr = dv.getUint32(at + F.nr, true);
  const spec = SYSCALL_TABLE[nr] ?? unknownSpec(nr);
  const flags = dv.getUint8(at + F.flags);
  const noret = (flags & SC_F.NORET) !== 0;
  const ret = noret ? null : s64(dv, at + F.ret);
  const failedCall = ret !== null && ret < 0 && ret > -4096;
  const fds = fdsOf(ctx);
  const pidns = dv.getUint32(at + 8 + 16, true);
  const h = readHeader(dv, bytes, at, ctx);
  const args: Record<string, SyscallArg> = {};
  let truncated: Record<string, number | null> | undefined;
  let unread: string[] | undefined;
  const raw: number[] = [];
  const signed: number[] = [];
  for (let i = 0; i < 6; i++) {
    raw.push(u64(dv, at + F.args + 8 * i));
    signed.push(s64(dv, at + F.args + 8 * i));
  }
  spec.args.forEach(([name, kind], i) => {
    const v = raw[i];
    const slot = slotOf(dv, at, len, i);
    if (slot?.cut || (kind === 'argv' && flags & SC_F.ARGV_MORE)) (truncated ??= {})[name] = kind === 'path' || kind === 'str' || kind === 'argv' ? null : slot!.src;
    const a = decodeArg(kind, v, signed[i], raw, slot, bytes, ret, failedCall, fds, pidns, h.pid, spec, i);
    args[name] = a;
    if (captured(kind) && !slotRead(kind, slot, failedCall, ret)) (unread ??= []).push(name);
  });
  let retPath: string | undefined;
  if (!failedCall && ret !== null) retPath = fds.after(spec.name, raw, ret, args, pidns, h.pid, bytes, slotOf(dv, at, len, 0));
  else if (noret && (spec.name === 'exit_group')) fds.exitProcess(pidns, h.pid);
  const restart = failedCall ? RESTART_ERRNOS[-ret!] : undefined;
  return {
    gadget: 'syscall', time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime,
    name: spec.name,
    nr,
    args,
    ret,
    retPath,
    error: failedCall ? (restart ? restart[0] : errnoName(ret!)) : undefined,
    durationNs: u64(dv, at + F.duration_ns),
    truncated,
    unread,
  };
}

const captured = (kind: string) => CAPTURED.has(kind) || kind.startsWith('bufin:') || kind.startsWith('sockaddr:');

/** Whether a captured argument's memory was read (else its address stands for it). */
function slotRead(kind: string, slot: Slot | undefined, failedCall: boolean, ret: number | null): slot is Slot {
  if (!slot || slot.fault) return false;
  if (kind === 'bufout' || kind === 'randout') return !failedCall && ret !== null;
  if (kind === 'stat') return slot.len >= 56;
  if (kind === 'pipefd') return slot.len >= 8;
  if (kind === 'wstatus' || kind.startsWith('sockaddr:')) return slot.len > 0;
  return true;
}

/** One argument: `v` as unsigned, `i32` as signed (a C int passed with its upper half zero or sign-extended). */
function decodeArg(
  kind: string, v: number, i32: number, raw: number[], slot: Slot | undefined, bytes: Buffer, ret: number | null, failedCall: boolean,
  fds: FdNames, pidns: number, pid: number, spec: SyscallSpec, i: number,
): SyscallArg {
  switch (kind) {
    case 'fd': {
      const fd = i32;
      const path = fd >= 0 ? fds.name(pidns, pid, fd) : undefined;
      return path === undefined ? { fd } : { fd, path };
    }
    case 'dirfd': {
      if (i32 === -100) return 'AT_FDCWD';
      const path = i32 >= 0 ? fds.name(pidns, pid, i32) : undefined;
      return path === undefined ? { fd: i32 } : { fd: i32, path };
    }
    case 'randout':
      // Random bytes: as hex (strace writes them as \x escapes).
      if (!slotRead(kind, slot, failedCall, ret)) return ptr(v);
      return bytes.toString('hex', slot.start, slot.start + slot.len);
    case 'path':
    case 'str':
    case 'bufout':
      if (!slotRead(kind, slot, failedCall, ret)) return ptr(v);
      return bytes.toString('utf8', slot.start, slot.start + slot.len);
    case 'stat':
      if (!slotRead(kind, slot, failedCall, ret)) return ptr(v);
      return { st_mode: statMode(bytes.readUInt32LE(slot.start + 24)), st_size: Number(bytes.readBigInt64LE(slot.start + 48)) };
    case 'argv': {
      if (!slotRead(kind, slot, failedCall, ret)) return ptr(v);
      const out = bytes.toString('utf8', slot.start, slot.start + slot.len).split('\0');
      if (out.length && out[out.length - 1] === '') out.pop();
      return out;
    }
    case 'wstatus':
      if (!slotRead(kind, slot, failedCall, ret)) return ptr(v);
      return waitStatus(bytes.readUInt32LE(slot.start));
    case 'pipefd':
      if (!slotRead(kind, slot, failedCall, ret)) return ptr(v);
      return [String(bytes.readInt32LE(slot.start)), String(bytes.readInt32LE(slot.start + 4))];
    case 'envp':
    case 'ptr':
      return ptr(v);
    case 'oflags':
      return openFlags(v);
    case 'mode':
      // open/openat: the mode counts only with O_CREAT or O_TMPFILE (strace leaves it out otherwise).
      if ((spec.name === 'openat' || spec.name === 'open') && !((raw[i - 1] & O_CREAT) || (raw[i - 1] & O_TMPFILE) === O_TMPFILE)) return null;
      return modeOctal(v);
    case 'prot':
      return protFlags(v);
    case 'mapflags':
      return mapFlags(v);
    case 'amode':
      return accessMode(v);
    case 'atflags':
      return atFlags(v);
    case 'sig':
      return signalName(i32);
    case 'sighow':
      return sigHow(v);
    case 'domain':
      return domainName(v);
    case 'socktype':
      return sockType(v);
    case 'whence':
      return whenceName(v);
    case 'clone':
      return cloneFlags(v);
    case 'wopts':
      return waitOptions(v);
    case 'msgflags':
      return msgFlags(v);
    case 'fcntlcmd':
      return fcntlCmd(v);
    case 'archprctl':
      return archPrctl(v);
    case 'rlimit':
      return rlimitName(v);
    case 'prctlopt':
      return prctlOption(v);
    case 'futexop':
      return futexOp(v);
    case 'grnd':
      return grndFlags(v);
    case 'hex':
      return v === 0 ? 0 : hex(v);
    case 'uint':
      return v;
    default:
      if (kind.startsWith('bufin:')) {
        if (!slotRead(kind, slot, failedCall, ret)) return ptr(v);
        return bytes.toString('utf8', slot.start, slot.start + slot.len);
      }
      if (kind.startsWith('sockaddr:')) {
        if (!slotRead(kind, slot, failedCall, ret)) return ptr(v);
        return sockaddr(bytes.subarray(slot.start, slot.start + slot.len));
      }
      // socket()'s protocol reads by its domain.
      if (spec.name === 'socket' && i === 2) return protocolName(raw[0], v);
      return i32;
  }
}

/** A wait status as strace writes it. */
export function waitStatus(s: number): string {
  const sig = s & 0x7f;
  if (sig === 0) return `{WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}}`;
  if (sig === 0x7f) return `{WIFSTOPPED(s) && WSTOPSIG(s) == ${signalName((s >> 8) & 0xff)}}`;
  return `{WIFSIGNALED(s) && WTERMSIG(s) == ${signalName(sig)}${s & 0x80 ? ' && WCOREDUMP(s)' : ''}}`;
}
