/**
 * Options kinds share the shape of: a whole number in a range, and a
 * report period given in seconds and carried in milliseconds (kinds that
 * report per interval). The same messages for every kind that has them.
 */
import type { TraceOptions } from '../../protocol';
import type { OptionSpec } from '../client-part';

/** A flag's text as a whole number from `lo` to `hi`; throws the CLI's message otherwise. */
export function wholeNumber(text: string | true, flag: string, lo: number, hi: number): number {
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n < lo || n > hi) throw new Error(`--${flag} must be a whole number from ${lo} to ${hi}, not "${String(text)}"`);
  return n;
}

/** A whole-number option from `lo` to `hi` (its flag's value placeholder `n`). */
export function wholeNumberOption(key: keyof TraceOptions, flag: string, lo: number, hi: number, help: string): OptionSpec {
  return {
    key,
    flag,
    arg: 'n',
    help,
    check: (v) => (Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi ? undefined : `${key} must be ${lo} to ${hi}`),
    fromFlag: (text) => wholeNumber(text, flag, lo, hi),
  };
}

/** `--interval <s>`: the report period, 0.1 to 60 seconds, carried as intervalMs (100 to 60000). */
export function reportIntervalOption(defaultSeconds: number): OptionSpec {
  return {
    key: 'intervalMs',
    flag: 'interval',
    arg: 's',
    help: `report period in seconds (0.1 to 60, default ${defaultSeconds})`,
    check: (v) => (Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 60_000 ? undefined : 'intervalMs must be 100 to 60000 milliseconds'),
    fromFlag: (text) => {
      const s = Number(text);
      if (typeof text !== 'string' || !Number.isFinite(s) || s < 0.1 || s > 60) throw new Error('--interval must be 0.1 to 60 seconds');
      return Math.round(s * 1000);
    },
    toFlag: (v) => String((v as number) / 1000),
  };
}

/** `--stack`: each event carries where in the program it happened (src/kinds/shared/stack.ts). */
export const stackOption: OptionSpec = {
  key: 'stack',
  flag: 'stack',
  help: 'each event carries its stack, symbolized from the container\'s own files (costs a stack walk an event)',
  check: (v) => (typeof v === 'boolean' ? undefined : 'stack must be true or false'),
  fromFlag: () => true,
};

/** The picker's entry for a kind's events with their stacks. */
export const STACK_PRESET = { label: 'with stacks', options: { stack: true } };
