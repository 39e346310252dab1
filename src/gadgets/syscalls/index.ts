/** syscalls: counts and latency per process, aggregated in the kernel. BPF: bpf/syscalls.bpf.c, bpf/syscalls.h. */
import type { SyscallsEvent } from '../../protocol';
import { defineKind } from '../kind';
import { SyscallsTop } from './summary';
import { micro } from '../text';
import { decodeSyscallsEntry, syscallsReport, SYSCALLS_KEY_SIZE, SYSCALLS_LAYOUT, SYSCALLS_NAME_SIZE, SYSCALLS_VALUE_SIZE } from './decode';
import { cstring } from '../decode';

/** Per loaded object: host PID → the name of its latest exec. */
const names = new WeakMap<object, Map<number, string>>();
function latestNames(obj: object): Map<number, string> {
  let m = names.get(obj);
  if (!m) names.set(obj, (m = new Map()));
  return m;
}

const wholeNumber = (text: string | true, flag: string, lo: number, hi: number) => {
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n < lo || n > hi) throw new Error(`--${flag} must be a whole number from ${lo} to ${hi}, not "${String(text)}"`);
  return n;
};

export default defineKind<SyscallsEvent>({
  spec: {
    summary: () => new SyscallsTop(),
    name: 'syscalls',
    what: 'syscall counts and latency per process, aggregated in the kernel',
    icon: 'graph',
    oneContainer: true,
    options: [
      {
        key: 'intervalMs',
        flag: 'interval',
        arg: 's',
        help: 'report period in seconds (0.1 to 60, default 1)',
        check: (v) => (Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 60_000 ? undefined : 'intervalMs must be 100 to 60000 milliseconds'),
        fromFlag: (text) => {
          const s = Number(text);
          if (typeof text !== 'string' || !Number.isFinite(s) || s < 0.1 || s > 60) throw new Error('--interval must be 0.1 to 60 seconds');
          return Math.round(s * 1000);
        },
        toFlag: (v) => String((v as number) / 1000),
      },
      {
        key: 'top',
        flag: 'top',
        arg: 'n',
        help: 'entries per report (1 to 100, default 20)',
        check: (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100 ? undefined : 'top must be 1 to 100'),
        fromFlag: (text) => wholeNumber(text, 'top', 1, 100),
      },
    ],
    text: (e) =>
      `${e.totalCalls} calls in ${e.interval} ms` +
      (e.top.length ? ': ' + e.top.slice(0, 5).map((t) => `${t.syscall} ×${t.count} (${t.comm} ${t.pid || 'host ' + t.hostPid}, p99 ${micro(t.latencyNs.p99)})`).join(', ') : ''),
  },
  helper: {
    object: 'syscalls.bpf.o',
    needs: [],
    layout: SYSCALLS_LAYOUT,
    variants: [
      { type: 'raw_tp', programs: ['syscalls_enter', 'syscalls_exit'] },
      { type: 'tracepoint', programs: ['syscalls_enter_tp', 'syscalls_exit_tp'] },
    ],
    source: {
      maps: (obj, ctx, { intervalMs, top }) => {
        // Names taken at exec since the last read: every row of that process goes by its latest.
        const latest = latestNames(obj);
        for (const { key, value } of obj.drainHash('names', 4, SYSCALLS_NAME_SIZE)) latest.set(key.readUInt32LE(0), cstring(value, 0, SYSCALLS_NAME_SIZE));
        const entries = obj
          .drainPercpuHash('syscalls', SYSCALLS_KEY_SIZE, SYSCALLS_VALUE_SIZE)
          .map(({ key, values }) => decodeSyscallsEntry(key, values))
          .filter((e) => e.count > 0);
        for (const e of entries) e.comm = latest.get(e.hostPid) ?? e.comm;
        if (latest.size > 4096) latest.clear(); // bounded: names come back at the next exec
        return [syscallsReport(entries, intervalMs, top, ctx)];
      },
    },
  },
});
