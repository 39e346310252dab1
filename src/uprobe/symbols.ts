/**
 * The bounds of one ELF lookup (./elf) and the close matches of a missing
 * function, taken from a bounded set of names: each name at most
 * maxNameBytes long, at most maxCandidates of them decoded and scored, at
 * most maxScanBytes looked at to find where names end.
 */

export interface ElfLimits {
  maxFileBytes: number;
  maxSections: number;
  maxSegments: number;
  /** Symbol entries of .symtab and .dynsym together. */
  maxSymbols: number;
  /** Bytes of one string table (read whole). */
  maxStringTable: number;
  /** Name bytes compared with the wanted one. */
  maxCompareBytes: number;
  /** Longer names are never close matches. */
  maxNameBytes: number;
  /** Names decoded and scored for close matches. */
  maxCandidates: number;
  /** Bytes looked at to find where names end, for close matches. */
  maxScanBytes: number;
}

export const DEFAULT_LIMITS: ElfLimits = {
  maxFileBytes: 512 << 20,
  maxSections: 4096,
  maxSegments: 1024,
  maxSymbols: 4 << 20,
  maxStringTable: 64 << 20,
  maxCompareBytes: 64 << 20,
  maxNameBytes: 256,
  maxCandidates: 50_000,
  maxScanBytes: 16 << 20,
};

/** What one lookup did. */
export interface ElfWork {
  reads: number;
  bytesRead: number;
  /** Symbol entries visited (one pass for the lookup, one more for close matches). */
  symbols: number;
  compared: number;
  scanned: number;
  candidates: number;
}

export function newWork(): ElfWork {
  return { reads: 0, bytesRead: 0, symbols: 0, compared: 0, scanned: 0, candidates: 0 };
}

/** The most bytes a lookup within `l` reads: the headers, two string tables, the symbol entries twice. */
export function maxReadBytes(l: ElfLimits): number {
  return 64 + l.maxSegments * 56 + l.maxSections * 64 + 2 * l.maxStringTable + 2 * l.maxSymbols * 24;
}

/** Names close to one wanted name, best first, from names visited one by one within the limits. */
export class CloseNames {
  private readonly wanted: string;
  private kept: [number, string][] = [];
  /** A limit was reached: visit no more. */
  full = false;

  constructor(
    wanted: string,
    private readonly limits: ElfLimits,
    private readonly work: ElfWork,
    private readonly max = 8,
  ) {
    this.wanted = wanted.toLowerCase();
  }

  /** The NUL-terminated name at `at` in `strings`; true when no more names should be visited. */
  visit(strings: Buffer, at: number): boolean {
    if (this.full) return true;
    const end = Math.min(strings.length, at + this.limits.maxNameBytes + 1);
    let i = at;
    while (i < end && strings[i] !== 0) i++;
    this.work.scanned += i - at + 1;
    if (i === end || i === at) return this.check();
    this.work.candidates++;
    this.add(strings.toString('utf8', at, i));
    return this.check();
  }

  add(name: string): void {
    const s = score(this.wanted, name.toLowerCase());
    if (s === undefined || this.kept.some(([, n]) => n === name)) return;
    this.kept.push([s, name]);
    this.kept.sort((a, b) => a[0] - b[0] || a[1].length - b[1].length);
    if (this.kept.length > this.max) this.kept.length = this.max;
  }

  best(): string[] {
    return this.kept.map(([, n]) => n);
  }

  private check(): boolean {
    this.full = this.work.scanned >= this.limits.maxScanBytes || this.work.candidates >= this.limits.maxCandidates;
    return this.full;
  }
}

/** Up to `max` names close to `wanted`: containing it first, then by edit distance. */
export function closeMatches(wanted: string, names: Iterable<string>, max = 8): string[] {
  const near = new CloseNames(wanted, DEFAULT_LIMITS, newWork(), max);
  for (const n of names) near.add(n);
  return near.best();
}

/** How close `l` is to `w` (both lower case), or undefined when not close. */
function score(w: string, l: string): number | undefined {
  if (l.includes(w) || w.includes(l)) return Math.abs(l.length - w.length) / 100;
  const d = distance(w, l, 3);
  return d <= 3 ? d : undefined;
}

/** Levenshtein distance, or limit + 1 above `limit`: only a band of 2·limit+1 cells around the diagonal is computed. */
export function distance(a: string, b: string, limit: number): number {
  const over = limit + 1;
  if (Math.abs(a.length - b.length) > limit) return over;
  let prev = new Int32Array(b.length + 1).fill(over);
  let cur = new Int32Array(b.length + 1).fill(over);
  for (let j = 0; j <= Math.min(limit, b.length); j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - limit);
    const hi = Math.min(b.length, i + limit);
    cur[lo - 1] = lo === 1 ? Math.min(i, over) : over;
    let best = cur[lo - 1];
    for (let j = lo; j <= hi; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1), over);
      if (cur[j] < best) best = cur[j];
    }
    if (hi < b.length) cur[hi + 1] = over;
    if (best > limit) return over;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}
