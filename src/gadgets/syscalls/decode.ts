/**
 * syscalls gadget: reads and empties the in-kernel aggregate each interval
 * and reports the busiest (process, syscall) pairs with latency summaries.
 */
import type { LatencySummary, SyscallsEntry, SyscallsEvent } from '../../protocol';
import { cstring, type DecodeContext, type Layout } from '../decode';
import { SYSCALL_NAMES } from './names';

export const SYSCALLS_LAYOUT = {
  struct: 'syscalls_stats',
  fields: { count: 0, total_ns: 8, max_ns: 16, pid: 24, errors: 28, comm: 32, hist: 48 },
} satisfies Layout;

export const SYSCALLS_KEY_SIZE = 8;
export const SYSCALLS_VALUE_SIZE = 48 + 32 * 4;
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

export function decodeSyscallsEntry(key: Buffer, value: Buffer): SyscallsEntry {
  const count = Number(value.readBigUInt64LE(F.count));
  const hist: number[] = [];
  for (let i = 0; i < 32; i++) hist.push(value.readUInt32LE(F.hist + 4 * i));
  return {
    pid: value.readUInt32LE(F.pid),
    hostPid: key.readUInt32LE(0),
    comm: cstring(value, F.comm, 16),
    syscall: syscallName(key.readUInt32LE(4)),
    count,
    errors: value.readUInt32LE(F.errors),
    latencyNs: summarize(hist, count, Number(value.readBigUInt64LE(F.total_ns)), Number(value.readBigUInt64LE(F.max_ns))),
  };
}

export function syscallsReport(entries: SyscallsEntry[], intervalMs: number, top: number, ctx: DecodeContext): SyscallsEvent {
  const sorted = entries.sort((a, b) => b.count - a.count || b.latencyNs.total - a.latencyNs.total);
  return {
    gadget: 'syscalls',
    time: ctx.clock.format(process.hrtime.bigint()),
    container: ctx.container,
    pid: 0,
    tid: 0,
    hostPid: 0,
    hostTid: 0,
    comm: '',
    interval: intervalMs,
    totalCalls: entries.reduce((n, e) => n + e.count, 0),
    top: sorted.slice(0, top),
  };
}
