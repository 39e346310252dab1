/**
 * profile kind: the in-kernel aggregate's entries (struct profile_key →
 * struct profile_value, bpf/profile.h) and its stacks (arrays of u64
 * addresses, zero after the last), read by the root part each interval.
 */
import { cstring, type Layout } from '../shared/decode';

export const PROFILE_LAYOUT = {
  struct: 'profile_value',
  fields: { count: 0, blocked_ns: 8, comm: 16 },
  sizes: { comm: 16 },
  size: 32,
} satisfies Layout;

/** Off-CPU mode: a thread of the scope switched out and not back in (struct offcpu_start, by host TID). */
export const OFFCPU_START_LAYOUT = {
  struct: 'offcpu_start',
  fields: { ts_ns: 0, host_pid: 8, pid: 12, ustack: 16, kstack: 20, pidns: 24, comm: 28 },
  sizes: { comm: 16 },
  size: 48,
} satisfies Layout;

export const PROFILE_KEY_LAYOUT = { struct: 'profile_key', fields: { host_pid: 0, pid: 4, ustack: 8, kstack: 12, gen: 16, pidns: 20 }, size: 24 } satisfies Layout;

/** Frames a stack holds at most (PROFILE_MAX_DEPTH): a stack this deep may have lost its outermost frames. */
export const PROFILE_MAX_DEPTH = 127;
export const PROFILE_STACK_BYTES = PROFILE_MAX_DEPTH * 8;
/** Generations of counts and stacks the programs rotate through (bpf/profile.bpf.c). */
export const PROFILE_GENS = 3;
/** Kernel memory the object's maps take (three stack maps, the counts): accounted like ring buffers. */
export const PROFILE_MAP_BYTES = PROFILE_GENS * 8192 * (PROFILE_STACK_BYTES + 16) + 16384 * 112 + 16384 * 104;

/** bpf_get_stackid's -EFAULT: no stack in that mode (user-mode samples have no kernel stack, kernel threads no user stack). */
const EFAULT = 14;

export interface ProfileEntry {
  hostPid: number;
  pid: number;
  /** Stack ids, or -errno. */
  ustack: number;
  kstack: number;
  /** The generation it was counted in: its stacks are in that generation's map. */
  gen: number;
  /** Inode of its container's PID namespace (a selector trace names the member by it). */
  pidns: number;
  /** Samples; off-CPU: the blocks that ended. */
  count: number;
  /** Off-CPU: nanoseconds those blocks took, together (0 on-CPU). */
  blockedNs: number;
  comm: string;
}

export function decodeProfileEntry(key: Buffer, value: Buffer): ProfileEntry {
  const K = PROFILE_KEY_LAYOUT.fields;
  return {
    hostPid: key.readUInt32LE(K.host_pid),
    pid: key.readUInt32LE(K.pid),
    ustack: key.readInt32LE(K.ustack),
    kstack: key.readInt32LE(K.kstack),
    gen: key.readUInt32LE(K.gen),
    pidns: key.readUInt32LE(K.pidns),
    count: Number(value.readBigUInt64LE(PROFILE_LAYOUT.fields.count)),
    blockedNs: Number(value.readBigUInt64LE(PROFILE_LAYOUT.fields.blocked_ns)),
    comm: cstring(value, PROFILE_LAYOUT.fields.comm, PROFILE_LAYOUT.sizes.comm),
  };
}

/** A stack id that names no stack: none in that mode (not lost), or lost (the map had no room for it). */
export function stackMissing(id: number): 'none' | 'lost' | undefined {
  if (id >= 0) return undefined;
  return id === -EFAULT ? 'none' : 'lost';
}

/** The addresses of a stack map value, leaf first (it ends at the first zero). */
export function stackAddresses(value: Buffer): bigint[] {
  const out: bigint[] = [];
  for (let at = 0; at + 8 <= value.length; at += 8) {
    const a = value.readBigUInt64LE(at);
    if (a === 0n) break;
    out.push(a);
  }
  return out;
}

/**
 * An off-CPU block still going at the last read (its thread switched out and
 * not back in), as an entry of `gen` that has taken until `nowNs` (the
 * kernel's CLOCK_MONOTONIC, as bpf_ktime_get_ns).
 */
export function decodeOffcpuStart(value: Buffer, nowNs: bigint, gen: number): ProfileEntry {
  const F = OFFCPU_START_LAYOUT.fields;
  const ts = value.readBigUInt64LE(F.ts_ns);
  return {
    hostPid: value.readUInt32LE(F.host_pid),
    pid: value.readUInt32LE(F.pid),
    ustack: value.readInt32LE(F.ustack),
    kstack: value.readInt32LE(F.kstack),
    pidns: value.readUInt32LE(F.pidns),
    gen,
    count: 1,
    blockedNs: nowNs > ts ? Number(nowNs - ts) : 0,
    comm: cstring(value, F.comm, OFFCPU_START_LAYOUT.sizes.comm),
  };
}
