/** profile: CPU samples with user and kernel stacks, counted in the kernel. The client part (the root part: ./root). BPF: bpf/profile.bpf.c, bpf/profile.h. */
import type { ProfileEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { reportIntervalOption, wholeNumberOption } from '../shared/options';
import { visible } from '../shared/text';
import { formatNs } from '../../webview/panels';
import { frameName, topFunctions } from './top';
import { FlameSummary } from './flame';

const pct = (n: number, of: number) => (of ? ((100 * n) / of).toFixed(1) : '0.0');

/** The CLI's table of one report: its functions by self and total share. */
export function profileTable(events: ProfileEvent[], top: number): string {
  const { functions, samples } = topFunctions(events);
  if (!samples) return '';
  const e = events[0];
  const off = e.blockedNs !== undefined;
  const blocks = events.reduce((n, x) => n + x.samples, 0);
  const still = events.reduce((n, x) => n + (x.stillBlocked ?? 0), 0);
  const head =
    (off ? `profile (off-CPU): ${formatNs(samples)} off the CPU in ${blocks} blocks` : `profile: ${samples} samples`) +
    ` in ${(e.interval / 1000).toFixed(1)} s, ${new Set(events.map((x) => x.hostPid)).size} processes, ${events.length} stacks` +
    (still ? ` (${still} still off the CPU at the end, counted until then)` : '') +
    (events.some((x) => x.truncated) ? ` (${events.filter((x) => x.truncated).length} at the depth limit)` : '') +
    (events.some((x) => x.lost) ? ` (${events.filter((x) => x.lost).reduce((n, x) => n + x.samples, 0)} ${off ? 'blocks' : 'samples'} with a stack lost)` : '');
  const amount = (v: number) => (off ? formatNs(v) : String(v)).padStart(9);
  const rows = functions.slice(0, top).map((f) => `${pct(f.self, samples).padStart(6)} ${pct(f.total, samples).padStart(7)} ${amount(f.self)}  ${visible(f.name).padEnd(32)} ${visible(f.where)}`);
  return [head, `${'SELF%'.padStart(6)} ${'TOTAL%'.padStart(7)} ${(off ? 'SELF TIME' : 'SAMPLES').padStart(9)}  ${'FUNCTION'.padEnd(32)} WHERE`, ...rows].join('\n');
}

export default defineClientKind<ProfileEvent>({
  name: 'profile',
  what: 'CPU samples with user and kernel stacks, counted in the kernel; symbols from the container\'s own files',
  icon: 'flame',
  stacks: true,
  summary: () => new FlameSummary(),
  options: [
    wholeNumberOption('hz', 'hz', 1, 1000, 'samples a second on each CPU (1 to 1000, default 99; on-CPU only)'),
    {
      key: 'offCpu',
      flag: 'off-cpu',
      help: 'where the threads wait instead: each time off the CPU (blocked, or preempted) with its stack and how long',
      check: (v) => (typeof v === 'boolean' ? undefined : 'offCpu must be true or false'),
      fromFlag: () => true,
    },
    reportIntervalOption(5),
    wholeNumberOption('top', 'top', 1, 100, 'functions in the table (1 to 100, default 20)'),
  ],
  presets: [{ label: 'off-CPU: where it waits', options: { offCpu: true } }],
  text: (e) =>
    (e.blockedNs !== undefined ? `${formatNs(e.blockedNs)} off the CPU in ${e.samples} blocks (of ${formatNs(e.totalBlockedNs ?? 0)}): ` : `${e.samples} of ${e.totalSamples} samples: `) +
    (e.stack.length ? e.stack.slice(0, 6).map((f) => frameName(f)).join(' ← ') + (e.stack.length > 6 ? ' ← …' : '') : '(no stack)'),
  report: profileTable,
});
