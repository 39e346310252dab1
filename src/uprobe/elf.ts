/**
 * Just enough ELF64 (little-endian) to attach a uprobe: function symbols
 * from .symtab and .dynsym, and the file offset of a symbol's address.
 */
import * as fs from 'node:fs';

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const PT_LOAD = 1;
const MAX_FILE = 512 << 20;

export class ElfError extends Error {}

export interface ElfSymbol {
  name: string;
  address: bigint;
  size: bigint;
}

export interface ElfFunctions {
  /** Name → symbol; .symtab wins over .dynsym. */
  functions: Map<string, ElfSymbol>;
  hasSymtab: boolean;
  hasDynsym: boolean;
  /** File offset of a virtual address (through the PT_LOAD segments). */
  fileOffset(address: bigint): bigint | undefined;
}

export function readElfFunctions(file: string, shownAs = file): ElfFunctions {
  const size = fs.statSync(file).size;
  if (size > MAX_FILE) throw new ElfError(`${shownAs} is larger than ${MAX_FILE >> 20} MiB`);
  const b = fs.readFileSync(file);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) throw new ElfError(`${shownAs} is not an ELF binary`);
  if (b[4] !== 2 || b[5] !== 1) throw new ElfError(`${shownAs} is not a 64-bit little-endian ELF binary`);
  const phoff = Number(b.readBigUInt64LE(0x20));
  const shoff = Number(b.readBigUInt64LE(0x28));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const inFile = (off: number, len: number) => off >= 0 && off + len <= b.length;

  const segments: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (!inFile(at, 56)) break;
    if (b.readUInt32LE(at) !== PT_LOAD) continue;
    segments.push({ offset: b.readBigUInt64LE(at + 8), vaddr: b.readBigUInt64LE(at + 16), filesz: b.readBigUInt64LE(at + 32) });
  }

  const sections: { type: number; offset: number; size: number; link: number; entsize: number }[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    if (!inFile(at, 64)) break;
    sections.push({
      type: b.readUInt32LE(at + 4),
      offset: Number(b.readBigUInt64LE(at + 24)),
      size: Number(b.readBigUInt64LE(at + 32)),
      link: b.readUInt32LE(at + 40),
      entsize: Number(b.readBigUInt64LE(at + 56)),
    });
  }

  const functions = new Map<string, ElfSymbol>();
  let hasSymtab = false;
  let hasDynsym = false;
  // .dynsym first so that .symtab entries replace them.
  for (const type of [SHT_DYNSYM, SHT_SYMTAB]) {
    for (const sec of sections.filter((s) => s.type === type)) {
      const strtab = sections[sec.link];
      if (!strtab || !inFile(sec.offset, sec.size) || !inFile(strtab.offset, strtab.size)) continue;
      if (type === SHT_SYMTAB) hasSymtab = true;
      else hasDynsym = true;
      const entsize = sec.entsize || 24;
      for (let at = sec.offset; at + 24 <= sec.offset + sec.size; at += entsize) {
        const kind = b[at + 4] & 0xf;
        const shndx = b.readUInt16LE(at + 6);
        if ((kind !== STT_FUNC && kind !== STT_GNU_IFUNC) || shndx === 0) continue;
        const nameOff = strtab.offset + b.readUInt32LE(at);
        const end = b.indexOf(0, nameOff);
        if (end < 0 || end > strtab.offset + strtab.size) continue;
        const name = b.toString('utf8', nameOff, end);
        if (name) functions.set(name, { name, address: b.readBigUInt64LE(at + 8), size: b.readBigUInt64LE(at + 16) });
      }
    }
  }
  return {
    functions,
    hasSymtab,
    hasDynsym,
    fileOffset(address) {
      const seg = segments.find((s) => address >= s.vaddr && address < s.vaddr + s.filesz);
      return seg ? address - seg.vaddr + seg.offset : undefined;
    },
  };
}

/** Up to `max` names close to `wanted`: containing it first, then by edit distance. */
export function closeMatches(wanted: string, names: Iterable<string>, max = 8): string[] {
  const w = wanted.toLowerCase();
  const scored: [number, string][] = [];
  for (const n of names) {
    const l = n.toLowerCase();
    const score = l.includes(w) || w.includes(l) ? Math.abs(l.length - w.length) / 100 : distance(w, l, 4);
    if (score <= 3) scored.push([score, n]);
  }
  return scored
    .sort((a, b) => a[0] - b[0] || a[1].length - b[1].length)
    .slice(0, max)
    .map(([, n]) => n);
}

/** Levenshtein distance, giving up above `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
