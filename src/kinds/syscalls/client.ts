/** syscalls: counts and latency per process, aggregated in the kernel. The client part (the root part: ./root). BPF: bpf/syscalls.bpf.c, bpf/syscalls.h. */
import type { SyscallsEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { SyscallsTop } from './summary';
import { micro } from '../shared/text';

const wholeNumber = (text: string | true, flag: string, lo: number, hi: number) => {
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n < lo || n > hi) throw new Error(`--${flag} must be a whole number from ${lo} to ${hi}, not "${String(text)}"`);
  return n;
};

export default defineClientKind<SyscallsEvent>({
  name: 'syscalls',
  what: 'syscall counts and latency per process, aggregated in the kernel',
  icon: 'graph',
  summary: () => new SyscallsTop(),
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
});
