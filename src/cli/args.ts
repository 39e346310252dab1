/** Command-line parsing shared by the subcommands: flags, numbers, errors that say what to do. */
import { parseArgs } from 'node:util';
import { visible } from '../kinds/shared/text';
import { ELEVATION_MODES, type ElevationMode } from '../client/elevation';

/** Bad input: exit code 2 with the message. */
export class UsageError extends Error {}

export function fail(message: string, code: number): never {
  process.stderr.write(`container-trace: ${visible(message)}\n`);
  process.exit(code);
}

export type Flags = Record<string, { type: 'string' | 'boolean'; short?: string }>;
export type Values = Record<string, string | boolean | undefined> & { 'docker-host'?: string };

export function parse(argv: string[], options: Flags): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, 'docker-host': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}; see container-trace --help`);
  }
}

export function intFlag(value: unknown, name: string, max = 4_194_304): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(String(value)) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, not "${String(value)}"`);
  return n;
}

/** setTimeout for any delay: one timer holds at most 2^31-1 ms (24.8 days); longer ones are chained. */
export function after(ms: number, fn: () => void): void {
  const MAX = 2 ** 31 - 1;
  if (ms > MAX) setTimeout(() => after(ms - MAX, fn), MAX);
  else setTimeout(fn, ms);
}

export function elevationFlag(v: unknown): ElevationMode {
  if (v === undefined) return 'auto';
  if (!ELEVATION_MODES.includes(v as ElevationMode)) throw new UsageError(`--elevate must be one of ${ELEVATION_MODES.join(', ')}`);
  return v as ElevationMode;
}

