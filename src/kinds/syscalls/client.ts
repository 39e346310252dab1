/** syscalls: counts and latency per process, aggregated in the kernel. The client part (the root part: ./root). BPF: bpf/syscalls.bpf.c, bpf/syscalls.h. */
import type { SyscallsEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { reportIntervalOption, wholeNumberOption } from '../shared/options';
import { SyscallsTop } from './summary';
import { micro } from '../shared/text';

export default defineClientKind<SyscallsEvent>({
  name: 'syscalls',
  what: 'syscall counts and latency per process, aggregated in the kernel',
  icon: 'graph',
  summary: () => new SyscallsTop(),
  oneContainer: true,
  // Waited for: counted per PID namespace, each run of the container its own report (a seccomp profile from its start).
  waits: true,
  options: [
    reportIntervalOption(1),
    wholeNumberOption('top', 'top', 1, 100, 'entries per report (1 to 100, default 20)'),
    {
      // Named for what it leaves out, as --failed and --off-cpu are: the flag sets latency: false.
      key: 'latency',
      flag: 'count-only',
      help: 'counts and errors only, latency not measured: one program at each call\'s return instead of two (the cheapest)',
      check: (v) => (typeof v === 'boolean' ? undefined : 'latency must be true or false'),
      fromFlag: () => false,
    },
  ],
  presets: [{ label: 'counts only (cheapest, latency not measured)', options: { latency: false } }],
  text: (e) =>
    `${e.totalCalls} calls in ${e.interval} ms` +
    (e.latency === false ? ' (latency not measured)' : '') +
    (e.top.length ? ': ' + e.top.slice(0, 5).map((t) => `${t.syscall} ×${t.count} (${t.comm} ${t.pid || 'host ' + t.hostPid}${t.latencyNs ? `, p99 ${micro(t.latencyNs.p99)}` : ''})`).join(', ') : ''),
});
