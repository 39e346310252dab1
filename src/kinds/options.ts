/**
 * The options of trace kinds, as each kind's client part describes them
 * (src/kinds/<kind>/client.ts): the helper validates requests with them,
 * the CLI derives its flags, their parsing and its help from them, the
 * extension asks for what a kind needs. (No VS Code, no native code.)
 */
import type { KindName, TraceOptions } from '../protocol';
import type { OptionSpec } from './client-part';
import { CLIENT_KIND_LIST } from './client-registry';

export type { OptionSpec } from './client-part';

/** Each kind's options, from its client part. */
export const KIND_OPTIONS: Partial<Record<KindName, OptionSpec[]>> = Object.fromEntries(CLIENT_KIND_LIST.filter((k) => k.options).map((k) => [k.name, k.options!]));

/** Options a kind cannot run without. */
export const REQUIRED_OPTIONS: Partial<Record<KindName, { keys: (keyof TraceOptions)[]; why: string }>> = Object.fromEntries(
  CLIENT_KIND_LIST.filter((k) => k.required).map((k) => [k.name, k.required!]),
);

/** Every option flag of every kind, once (a flag name may serve several kinds). */
export function optionFlags(): { flag: string; boolean: boolean; kinds: KindName[]; spec: OptionSpec }[] {
  const out = new Map<string, { flag: string; boolean: boolean; kinds: KindName[]; spec: OptionSpec }>();
  for (const [kind, specs] of Object.entries(KIND_OPTIONS) as [KindName, OptionSpec[]][]) {
    for (const spec of specs) {
      const seen = out.get(spec.flag);
      if (seen) seen.kinds.push(kind);
      else out.set(spec.flag, { flag: spec.flag, boolean: !spec.arg, kinds: [kind], spec });
    }
  }
  return [...out.values()];
}

/** Help lines: `open: [--failed]  only failed opens`. */
export function optionsHelp(indent: string): string {
  return (Object.entries(KIND_OPTIONS) as [KindName, OptionSpec[]][])
    .map(([kind, specs]) => {
      const required = REQUIRED_OPTIONS[kind]?.keys ?? [];
      const flags = specs.map((s) => (required.includes(s.key) ? `--${s.flag} <${s.arg}>` : s.arg ? `[--${s.flag} <${s.arg}>]` : `[--${s.flag}]`)).join(' ');
      return `${indent}${kind}: ${flags}\n${specs.map((s) => `${indent}    --${s.flag.padEnd(10)} ${s.help}`).join('\n')}`;
    })
    .join('\n');
}
