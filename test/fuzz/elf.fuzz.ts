/**
 * Fuzz target of the ELF reader the root helper runs on container files
 * (src/uprobe/elf.ts): whatever the bytes, it answers or throws an ElfError,
 * and never does more work than its limits allow — with the default limits
 * and with small ones that the fuzzer can reach. Run by Jazzer.js
 * (scripts/fuzz.mjs, `npm run fuzz`); the unit tests run it over the seeds
 * and over random mutations of them.
 */
import { DEFAULT_LIMITS, ElfError, bufferSource, findElfFunction, maxReadBytes, type ElfLimits, type ElfWork } from '../../src/uprobe/elf';
import { newWork } from '../../src/uprobe/symbols';

export { writeSeeds } from './elf-seeds';

export const SMALL_LIMITS: ElfLimits = {
  maxFileBytes: 64 << 20,
  maxSections: 64,
  maxSegments: 16,
  maxSymbols: 50_000,
  maxStringTable: 1 << 20,
  maxCompareBytes: 64 << 10,
  maxNameBytes: 64,
  maxCandidates: 256,
  maxScanBytes: 64 << 10,
};

const NAMES = ['malloc', 'main', 'ct_work', 'free', 'x', 'ct_wor', '_start'];
const CHUNK_SYMBOLS = 43_690;

/** Every counter of `work` within what `limits` allow (a lookup and a close-match pass). */
export function checkWork(work: ElfWork, limits: ElfLimits, wanted: string): void {
  const bounds: [keyof ElfWork, number][] = [
    ['bytesRead', maxReadBytes(limits)],
    ['symbols', 2 * limits.maxSymbols],
    ['compared', limits.maxCompareBytes + Buffer.byteLength(wanted) + 1],
    ['scanned', limits.maxScanBytes + limits.maxNameBytes + 1],
    ['candidates', limits.maxCandidates],
    ['reads', 5 + 2 * (Math.ceil(limits.maxSymbols / CHUNK_SYMBOLS) + 2)],
  ];
  for (const [k, max] of bounds) if (work[k] > max) throw new Error(`work bound passed: ${k} = ${work[k]} > ${max}`);
}

/** One input, looked up with both sets of limits. */
export function fuzz(data: Buffer): void {
  const wanted = NAMES[data.length % NAMES.length];
  for (const limits of [DEFAULT_LIMITS, SMALL_LIMITS]) {
    const work = newWork();
    try {
      const r = findElfFunction(bufferSource(data), wanted, { shownAs: 'input', close: true, limits, work });
      if (r.offset !== undefined && (r.offset < 0n || r.offset >= BigInt(data.length))) throw new Error(`offset ${r.offset} outside the file`);
      if (r.symbol && r.symbol.name !== wanted) throw new Error(`found ${r.symbol.name} for ${wanted}`);
      if (r.close.length > 8 || r.close.some((n) => n.length > limits.maxNameBytes)) throw new Error(`close matches out of bounds: ${r.close.length}`);
    } catch (err) {
      if (!(err instanceof ElfError)) throw err;
    }
    checkWork(work, limits, wanted);
  }
}
