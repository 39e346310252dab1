/**
 * "Advise Seccomp Profile…" without VS Code (unit-tested): the durations
 * offered, a typed one checked, and the note shown beside the written
 * profile (how it was made, what it allows beyond what was seen, how to
 * use it).
 */
import { seccompModeLine, seccompUsage, type SeccompMode } from '../../kinds/syscalls/seccomp';
import { shellWord } from '../../cli/command-line';

export const DURATION_CHOICES: { label: string; seconds?: number }[] = [
  { label: '10 s', seconds: 10 },
  { label: '30 s', seconds: 30 },
  { label: '60 s', seconds: 60 },
  { label: 'Custom…' },
];

/** Longest trace the command offers (the CLI takes up to a day). */
export const MAX_SECONDS = 3600;

/** A typed duration in seconds, or why it is not one (the input box's validation message). */
export function parseSeconds(text: string): number | string {
  const t = text.trim().replace(/\s*s$/, '');
  const n = Number(t);
  if (!/^\d+(\.\d+)?$/.test(t) || !Number.isFinite(n) || n < 1 || n > MAX_SECONDS) return `a number of seconds from 1 to ${MAX_SECONDS}`;
  return Math.round(n);
}

export interface AdviceNote {
  file: string;
  container: string;
  image: string;
  mode: SeccompMode;
  seconds: number;
  names: string[];
  added: string[];
  blocked: string[];
  /** Why the trace ended before its time, when it did. */
  early?: string;
  dropped: number;
  unnamed: string[];
  format: 'docker' | 'kubernetes';
}

/** `docker run --security-opt seccomp=<file> <image>`: the line the notification copies. */
export function dockerRunSnippet(file: string, image: string): string {
  return `docker run --security-opt ${shellWord(`seccomp=${file}`)} ${shellWord(image || 'IMAGE')}`;
}

/** The note opened beside the profile: Markdown. */
export function adviceMarkdown(n: AdviceNote): string {
  const lines = [
    `# Seccomp profile for ${n.container}`,
    '',
    `\`${n.file}\`: ${seccompModeLine(n.mode, n.names.length, n.seconds)}.`,
    '',
    'Every other syscall is refused with EPERM ("Operation not permitted"). Only names are matched, not arguments.',
  ];
  if (n.added.length) lines.push('', `Allowed without being seen: ${n.added.map((x) => `\`${x}\``).join(', ')}.`);
  if (n.blocked.length) lines.push('', `Blocked in when the trace ended (allowed): ${n.blocked.map((x) => `\`${x}\``).join(', ')}.`);
  if (n.early) lines.push('', `**The trace ended early** (${n.early}): the profile covers only what ran until then.`);
  if (n.dropped) lines.push('', `**${n.dropped} counts were dropped**: the profile may miss syscalls; trace again.`);
  if (n.unnamed.length) lines.push('', `Left out (no name in the x86_64 table): ${n.unnamed.join(', ')}.`);
  if (n.mode === 'running') lines.push('', 'Traced while running: what the container did before the trace began is not seen, beyond the start set. Trace again with a restart to see its start itself.');
  lines.push('', '## Use it', '', '```', seccompUsage(n.file, n.format, n.image || 'IMAGE'), '```', '');
  return lines.join('\n');
}
