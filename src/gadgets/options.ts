/**
 * The options of trace kinds, as each kind's spec describes them
 * (src/gadgets/<kind>/index.ts): the helper validates requests with them,
 * the CLI derives its flags, their parsing and its help from them, the
 * extension asks for what a kind needs. (No VS Code, no native code.)
 */
import type { KindName, TraceOptions } from '../protocol';
import { KINDS } from './kinds';

export interface OptionSpec {
  /** Field of TraceOptions. */
  key: keyof TraceOptions;
  /** CLI flag, without the dashes. */
  flag: string;
  /** CLI value placeholder; absent for a boolean flag. */
  arg?: string;
  help: string;
  /** Why a request's value is wrong, or undefined. */
  check(v: unknown): string | undefined;
  /** A CLI flag's text to the request value (booleans: true); throws a message on bad input. */
  fromFlag(text: string | true): unknown;
  /** The request value as the flag's text, where it is not the value itself (e.g. milliseconds given in seconds). */
  toFlag?(v: unknown): string;
  /** How the extension asks for it when a kind needs it: a file the process maps (or typed), or typed text. */
  ask?: 'mapped-file' | 'text';
}

/** Each kind's options, from its spec. */
export const KIND_OPTIONS: Partial<Record<KindName, OptionSpec[]>> = Object.fromEntries(KINDS.filter((k) => k.spec.options).map((k) => [k.spec.name, k.spec.options!]));

/** Options a kind cannot run without. */
export const REQUIRED_OPTIONS: Partial<Record<KindName, { keys: (keyof TraceOptions)[]; why: string }>> = Object.fromEntries(
  KINDS.filter((k) => k.spec.required).map((k) => [k.spec.name, k.spec.required!]),
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
