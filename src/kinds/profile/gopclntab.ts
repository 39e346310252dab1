/**
 * Function names of Go programs from their .gopclntab, for binaries stripped
 * of .symtab (most Go release builds: `-ldflags=-s`), whose functions no
 * other table names. The layout is the runtime's own (runtime/symtab.go,
 * `pcHeader`, `functab`, `_func`) as Go 1.18 and later write it (magic
 * 0xfffffff0, 0xfffffff1); earlier layouts are not read. The bytes come from
 * a container: every offset is checked against the section, the tables are
 * bounded, a malformed table is an error (GoTableError), never a crash.
 * Pure: no I/O (the symbolizer hands the section's bytes).
 */

export class GoTableError extends Error {}

/** Functions read at most (a large Go binary has about 100,000). */
const MAX_FUNCS = 2_000_000;
/** A function name's bytes at most. */
const MAX_NAME = 4096;
const MAGICS = new Set([0xfffffff0, 0xfffffff1]);

export interface GoFunctions {
  /** Functions in the table. */
  readonly size: number;
  /** The function whose code holds `address` (a link-time virtual address), or undefined. */
  lookup(address: number): string | undefined;
}

/**
 * The function table of a .gopclntab section. `textAddr`: the .text
 * section's address, for position-independent builds whose header's text
 * start is filled in by a relocation (0 in the file).
 */
export function readGoFunctions(tab: Buffer, textAddr = 0): GoFunctions {
  if (tab.length < 8) throw new GoTableError('.gopclntab is too short for its header');
  const magic = tab.readUInt32LE(0);
  if (!MAGICS.has(magic)) throw new GoTableError(`.gopclntab magic 0x${magic.toString(16)}: not a Go 1.18+ table`);
  if (tab[4] !== 0 || tab[5] !== 0) throw new GoTableError('.gopclntab header padding is not zero');
  const ptrSize = tab[7];
  if (ptrSize !== 8 && ptrSize !== 4) throw new GoTableError(`.gopclntab pointer size ${ptrSize}`);
  const word = (i: number): number => {
    const at = 8 + i * ptrSize;
    if (at + ptrSize > tab.length) throw new GoTableError('.gopclntab header cut short');
    const v = ptrSize === 8 ? tab.readBigUInt64LE(at) : BigInt(tab.readUInt32LE(at));
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GoTableError('.gopclntab header value out of range');
    return Number(v);
  };
  const nfunc = word(0);
  const textStart = word(2) || textAddr;
  const funcnameOffset = word(3);
  const pclnOffset = word(7);
  if (nfunc > MAX_FUNCS) throw new GoTableError(`.gopclntab lists ${nfunc} functions (at most ${MAX_FUNCS})`);
  // functab: nfunc + 1 pairs of (entry offset from the text start, offset of the function's _func from functab).
  const functabEnd = pclnOffset + (nfunc + 1) * 8;
  if (pclnOffset >= tab.length || functabEnd > tab.length) throw new GoTableError('.gopclntab function table lies beyond the section');
  if (funcnameOffset >= tab.length) throw new GoTableError('.gopclntab name table lies beyond the section');
  const entries = new Float64Array(nfunc + 1);
  const funcOffs = new Uint32Array(nfunc);
  for (let i = 0; i <= nfunc; i++) {
    entries[i] = textStart + tab.readUInt32LE(pclnOffset + i * 8);
    if (i < nfunc) funcOffs[i] = tab.readUInt32LE(pclnOffset + i * 8 + 4);
    if (i > 0 && entries[i] < entries[i - 1]) throw new GoTableError('.gopclntab function table is not sorted by address');
  }
  const names = new Map<number, string>();
  const nameOf = (i: number): string | undefined => {
    const known = names.get(i);
    if (known !== undefined) return known || undefined;
    const at = pclnOffset + funcOffs[i];
    let name = '';
    if (at + 8 <= tab.length) {
      const nameOff = tab.readInt32LE(at + 4);
      const from = funcnameOffset + nameOff;
      if (nameOff >= 0 && from < tab.length) {
        const end = tab.indexOf(0, from);
        const stop = end < 0 ? tab.length : end;
        if (stop - from <= MAX_NAME) name = tab.toString('utf8', from, stop);
      }
    }
    if (names.size > 200_000) names.clear();
    names.set(i, name);
    return name || undefined;
  };
  return {
    size: nfunc,
    lookup(address: number): string | undefined {
      if (!nfunc || address < entries[0] || address >= entries[nfunc]) return undefined;
      let lo = 0;
      let hi = nfunc - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (entries[mid] <= address) lo = mid;
        else hi = mid - 1;
      }
      return nameOf(lo);
    },
  };
}
