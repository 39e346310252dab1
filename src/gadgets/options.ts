/**
 * The options of each trace kind, described once: the helper validates
 * requests with it, the CLI derives its flags, their parsing and its help
 * from it, and a kind without an entry takes no options. (No VS Code, no
 * native code: both bundles import it.)
 */
import type { GadgetName, TraceOptions } from '../protocol';

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
}

const SYMBOL = /^[A-Za-z_][\w.$@]{0,255}$/;
const TARGET = /^[\w.+\-/@]{1,256}$/;

const wholeNumber = (text: string | true, flag: string, lo: number, hi: number) => {
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n < lo || n > hi) throw new Error(`--${flag} must be a whole number from ${lo} to ${hi}, not "${String(text)}"`);
  return n;
};

export const KIND_OPTIONS: Partial<Record<GadgetName, OptionSpec[]>> = {
  open: [
    {
      key: 'failedOnly',
      flag: 'failed',
      help: 'only failed opens',
      check: (v) => (typeof v === 'boolean' ? undefined : 'failedOnly must be true or false'),
      fromFlag: () => true,
    },
  ],
  syscalls: [
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
  uprobe: [
    {
      key: 'target',
      flag: 'target',
      arg: 'path|library',
      help: 'a path inside the container, or a library or program name (libc, nginx)',
      check: (v) =>
        typeof v === 'string' && TARGET.test(v) && !v.split('/').includes('..')
          ? undefined
          : 'target must be a path inside the container (no "..") or a library or program name, e.g. libc',
      fromFlag: (text) => String(text),
    },
    {
      key: 'function',
      flag: 'function',
      arg: 'symbol',
      help: "the function's symbol, e.g. malloc",
      check: (v) => (typeof v === 'string' && SYMBOL.test(v) ? undefined : 'function must be a symbol name, e.g. malloc'),
      fromFlag: (text) => String(text),
    },
  ],
};

/** Options a kind cannot run without. */
export const REQUIRED_OPTIONS: Partial<Record<GadgetName, { keys: (keyof TraceOptions)[]; why: string }>> = {
  uprobe: { keys: ['target', 'function'], why: 'uprobe needs a target (a path inside the container, or a library such as libc) and a function' },
};

/** Every option flag of every kind, once (a flag name may serve several kinds). */
export function optionFlags(): { flag: string; boolean: boolean; kinds: GadgetName[]; spec: OptionSpec }[] {
  const out = new Map<string, { flag: string; boolean: boolean; kinds: GadgetName[]; spec: OptionSpec }>();
  for (const [kind, specs] of Object.entries(KIND_OPTIONS) as [GadgetName, OptionSpec[]][]) {
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
  return (Object.entries(KIND_OPTIONS) as [GadgetName, OptionSpec[]][])
    .map(([kind, specs]) => {
      const required = REQUIRED_OPTIONS[kind]?.keys ?? [];
      const flags = specs.map((s) => (required.includes(s.key) ? `--${s.flag} <${s.arg}>` : s.arg ? `[--${s.flag} <${s.arg}>]` : `[--${s.flag}]`)).join(' ');
      return `${indent}${kind}: ${flags}\n${specs.map((s) => `${indent}    --${s.flag.padEnd(10)} ${s.help}`).join('\n')}`;
    })
    .join('\n');
}
