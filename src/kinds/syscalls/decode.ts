/**
 * syscalls kind: reads and empties the in-kernel aggregate each interval
 * and reports the busiest (process, syscall) pairs with latency summaries.
 */
import type { LatencySummary, SyscallsEntry, SyscallsEvent } from '../../protocol';
import { cstring, type DecodeContext, type Layout } from '../shared/decode';
import { SYSCALL_NAMES } from './names';

export const SYSCALLS_LAYOUT = {
  struct: 'syscalls_stats',
  fields: { count: 0, total_ns: 8, max_ns: 16, pid: 24, errors: 28, comm: 32, hist: 48 },
  sizes: { comm: 16, hist: 32 * 4 },
  size: 48 + 32 * 4,
} satisfies Layout;

/** struct syscalls_key { host_pid, nr, runtime, gen, pidns }: checked against the BTF with the value. */
export const SYSCALLS_KEY_LAYOUT = { struct: 'syscalls_key', fields: { host_pid: 0, nr: 4, runtime: 8, gen: 12, pidns: 16 }, size: 20 } satisfies Layout;

/** bpf/syscalls.h SYSCALLS_GENS: the generations counted into in turn (syscalls_gen). */
export const SYSCALLS_GENS = 3;

/** struct syscalls_name { comm, argv0 } (the names map's value). */
export const SYSCALLS_NAME_LAYOUT = { struct: 'syscalls_name', fields: { comm: 0, argv0: 16 }, sizes: { comm: 16, argv0: 48 }, size: 64 } satisfies Layout;
export const SYSCALLS_NAME_SIZE = SYSCALLS_NAME_LAYOUT.size;

/**
 * The name of a process's latest exec: its comm, or for a program exec'd as
 * /proc/<pid>/exe (comm "exe": busybox's applets) argv[0]'s last part, which
 * the kernel filled only then.
 */
export function execName(value: Buffer): string {
  const N = SYSCALLS_NAME_LAYOUT;
  const comm = cstring(value, N.fields.comm, N.sizes.comm);
  const argv0 = cstring(value, N.fields.argv0, N.sizes.argv0);
  return (comm === 'exe' && argv0 && argv0.split('/').pop()) || comm;
}

export const SYSCALLS_KEY_SIZE = SYSCALLS_KEY_LAYOUT.size;
export const SYSCALLS_VALUE_SIZE = SYSCALLS_LAYOUT.size;
const HIST_SLOTS = SYSCALLS_LAYOUT.sizes.hist / 4;
const F = SYSCALLS_LAYOUT.fields;

export function syscallName(nr: number): string {
  return SYSCALL_NAMES[nr] ?? `syscall ${nr}`;
}

/** Percentiles from a log2 histogram (slot i holds [2^i, 2^(i+1)) ns). */
export function summarize(hist: number[], count: number, total: number, max: number): LatencySummary {
  const pct = (q: number) => {
    let seen = 0;
    for (let i = 0; i < hist.length; i++) {
      seen += hist[i];
      if (seen >= q * count) return Math.min(2 ** (i + 1), max || 2 ** (i + 1));
    }
    return max;
  };
  const histogram: [number, number][] = [];
  hist.forEach((n, i) => n && histogram.push([2 ** (i + 1), n]));
  return { total, avg: count ? Math.round(total / count) : 0, max, p50: pct(0.5), p99: pct(0.99), histogram };
}

/** An entry's per-CPU copies summed (the largest maximum; names from a CPU that saw it). */
export interface SyscallsSums {
  pid: number;
  comm: string;
  count: number;
  total: number;
  max: number;
  errors: number;
  hist: number[];
}

export function sumSyscalls(values: Buffer[]): SyscallsSums {
  let count = 0;
  let total = 0;
  let max = 0;
  let errors = 0;
  let named: Buffer | undefined;
  const hist = new Array<number>(HIST_SLOTS).fill(0);
  for (const value of values) {
    const n = Number(value.readBigUInt64LE(F.count));
    if (!n) continue;
    // Names from a copy that has them (a CPU's copy starts empty until it is named).
    if (!named || (!named[F.comm] && value[F.comm])) named = value;
    count += n;
    total += Number(value.readBigUInt64LE(F.total_ns));
    max = Math.max(max, Number(value.readBigUInt64LE(F.max_ns)));
    errors += value.readUInt32LE(F.errors);
    for (let i = 0; i < HIST_SLOTS; i++) hist[i] += value.readUInt32LE(F.hist + 4 * i);
  }
  return { pid: named ? named.readUInt32LE(F.pid) : 0, comm: named ? cstring(named, F.comm, SYSCALLS_LAYOUT.sizes.comm) : '', count, total, max, errors, hist };
}

/** What came in `now` since `before` (the same entry read earlier): calls counted after that read. */
export function sinceSyscalls(now: SyscallsSums, before: SyscallsSums): SyscallsSums {
  return { ...now, count: now.count - before.count, total: now.total - before.total, errors: now.errors - before.errors, hist: now.hist.map((n, i) => n - (before.hist[i] ?? 0)) };
}

/** One entry's sums in two generations together (the names of the one that has them). */
export function plusSyscalls(a: SyscallsSums, b: SyscallsSums): SyscallsSums {
  return { pid: a.pid || b.pid, comm: a.comm || b.comm, count: a.count + b.count, total: a.total + b.total, errors: a.errors + b.errors, max: Math.max(a.max, b.max), hist: a.hist.map((n, i) => n + (b.hist[i] ?? 0)) };
}

/**
 * The entry of a key (host PID, syscall, runtime) with its sums; `timed`
 * false (a count-only trace): without latencyNs, whose fields the kernel
 * left at zero (not measured, not zero).
 */
export function syscallsEntry(key: Buffer, sums: SyscallsSums, timed = true): SyscallsEntry {
  const entry: SyscallsEntry = {
    pid: sums.pid,
    hostPid: key.readUInt32LE(SYSCALLS_KEY_LAYOUT.fields.host_pid),
    comm: sums.comm,
    syscall: syscallName(key.readUInt32LE(SYSCALLS_KEY_LAYOUT.fields.nr)),
    runtime: key.readUInt32LE(SYSCALLS_KEY_LAYOUT.fields.runtime) ? true : undefined,
    count: sums.count,
    errors: sums.errors,
  };
  if (timed) entry.latencyNs = summarize(sums.hist, sums.count, sums.total, sums.max);
  return entry;
}

/** One (process, syscall) entry from its per-CPU copies. */
export function decodeSyscallsEntry(key: Buffer, values: Buffer[]): SyscallsEntry {
  return syscallsEntry(key, sumSyscalls(values));
}

/** One report; `timed` false: of a count-only trace (said in the report: `latency: false`). */
export function syscallsReport(entries: SyscallsEntry[], intervalMs: number, top: number, ctx: DecodeContext, container = ctx.container, timed = true): SyscallsEvent {
  const sorted = entries.sort((a, b) => b.count - a.count || (b.latencyNs?.total ?? 0) - (a.latencyNs?.total ?? 0));
  const report: SyscallsEvent = {
    gadget: 'syscalls',
    time: ctx.clock.format(process.hrtime.bigint()),
    container,
    pid: 0,
    tid: 0,
    hostPid: 0,
    hostTid: 0,
    comm: '',
    interval: intervalMs,
    totalCalls: entries.reduce((n, e) => n + e.count, 0),
    top: sorted.slice(0, top),
    names: [...new Set(entries.map((e) => e.syscall))].sort(),
  };
  if (!timed) report.latency = false;
  return report;
}
