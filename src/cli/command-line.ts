/**
 * The `container-trace trace …` command line that starts the same trace as
 * a request (the live view's "Copy as CLI"): kind, container or selector
 * flags, scope, buffer and the kind's options through their own flags. A
 * unit test parses it back with the CLI's parser. Where the CLI is not on
 * PATH (the extension), the caller names the program that runs it (its
 * node and dist/cli.js), and `sudo` in front when a trace needs root.
 */
import type { TraceStartParams } from '../protocol';
import { KIND_OPTIONS } from '../kinds/options';
import { DEFAULT_BUFFER_BYTES } from '../protocol';

/** A word for a POSIX shell: as is when safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface CommandLineOptions {
  /** The words that run the CLI (default `container-trace`, as on PATH). */
  program?: string[];
  /** Run it through sudo (tracing needs root, and the user is not root). */
  sudo?: boolean;
}

export function cliCommand(p: TraceStartParams, o: CommandLineOptions = {}): string {
  const words: string[] = [...(o.sudo ? ['sudo'] : []), ...(o.program ?? ['container-trace']).map(shellWord), 'trace', p.gadget];
  const flag = (name: string, value?: string | number) => {
    words.push(`--${name}`);
    if (value !== undefined) words.push(shellWord(String(value)));
  };
  if (p.container !== undefined) flag('container', p.container);
  const s = p.selector;
  if (s) {
    if (s.pod) flag('pod', s.pod);
    if (s.namespace) flag('namespace', s.namespace);
    if (s.runtime) flag('runtime', s.runtime);
    if (s.labels && Object.keys(s.labels).length) flag('selector', Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(','));
    if (s.names?.length) flag('names', s.names.join(','));
    if (s.composeProject) flag('compose-project', s.composeProject);
    if (s.composeService) flag('compose-service', s.composeService);
  }
  if (p.scope?.pid !== undefined) flag('pid', p.scope.pid);
  if (p.scope?.tid !== undefined) flag('tid', p.scope.tid);
  if (p.scope?.follow) flag('follow');
  if (p.wait) flag('wait');
  if (p.followRestarts === false) flag('no-restarts');
  if (p.bufferBytes !== undefined && p.bufferBytes !== DEFAULT_BUFFER_BYTES) flag('buffer-bytes', p.bufferBytes);
  for (const o of KIND_OPTIONS[p.gadget] ?? []) {
    const v = p.options?.[o.key];
    if (v === undefined) continue;
    // A flag without a value stands for the one value it sets (true, or false for --count-only's latency); the other is the default.
    if (!o.arg) {
      if (v === o.fromFlag(true)) flag(o.flag);
      continue;
    }
    flag(o.flag, o.toFlag ? o.toFlag(v) : String(v));
  }
  return words.join(' ');
}
