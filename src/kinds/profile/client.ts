/** profile: CPU samples with user and kernel stacks, counted in the kernel. The client part (the root part: ./root). BPF: bpf/profile.bpf.c, bpf/profile.h. */
import type { ProfileEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { reportIntervalOption, wholeNumberOption } from '../shared/options';
import { visible } from '../shared/text';
import { frameName, topFunctions } from './top';
import { FlameSummary } from './flame';

const pct = (n: number, of: number) => (of ? ((100 * n) / of).toFixed(1) : '0.0');

/** The CLI's table of one report: its functions by self and total share. */
export function profileTable(events: ProfileEvent[], top: number): string {
  const { functions, samples } = topFunctions(events);
  if (!samples) return '';
  const e = events[0];
  const head = `profile: ${samples} samples in ${(e.interval / 1000).toFixed(1)} s, ${new Set(events.map((x) => x.hostPid)).size} processes, ${events.length} stacks` +
    (events.some((x) => x.truncated) ? ` (${events.filter((x) => x.truncated).length} at the depth limit)` : '') +
    (events.some((x) => x.lost) ? ` (${events.filter((x) => x.lost).reduce((n, x) => n + x.samples, 0)} samples with a stack lost)` : '');
  const rows = functions.slice(0, top).map((f) => `${pct(f.self, samples).padStart(6)} ${pct(f.total, samples).padStart(7)} ${String(f.self).padStart(8)}  ${visible(f.name).padEnd(32)} ${visible(f.where)}`);
  return [head, `${'SELF%'.padStart(6)} ${'TOTAL%'.padStart(7)} ${'SAMPLES'.padStart(8)}  ${'FUNCTION'.padEnd(32)} WHERE`, ...rows].join('\n');
}

export default defineClientKind<ProfileEvent>({
  name: 'profile',
  what: 'CPU samples with user and kernel stacks, counted in the kernel; symbols from the container\'s own files',
  icon: 'flame',
  oneContainer: true,
  stacks: true,
  summary: () => new FlameSummary(),
  options: [
    wholeNumberOption('hz', 'hz', 1, 1000, 'samples a second on each CPU (1 to 1000, default 99)'),
    reportIntervalOption(5),
    wholeNumberOption('top', 'top', 1, 100, 'functions in the table (1 to 100, default 20)'),
  ],
  text: (e) =>
    `${e.samples} of ${e.totalSamples} samples: ` +
    (e.stack.length ? e.stack.slice(0, 6).map((f) => frameName(f)).join(' ← ') + (e.stack.length > 6 ? ' ← …' : '') : '(no stack)'),
  report: profileTable,
});
