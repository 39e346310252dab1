/**
 * Just enough ELF64 (little-endian) to attach a uprobe: the one function
 * asked for, from .symtab then .dynsym, and its file offset. Every input is
 * the container's and may be hostile, so the file is never read whole: the
 * headers and the symbol tables are read with positioned reads, each
 * bounded; entry sizes, section types and bounds are checked; the wanted
 * name is compared as bytes (no name is decoded on the way); the work per
 * request has a ceiling (ElfLimits), and passing it is an ElfError. Close
 * matches come from a bounded set of names (./symbols).
 */
import * as fs from 'node:fs';
import { type ElfLimits, type ElfWork, CloseNames, DEFAULT_LIMITS, newWork } from './symbols';

export { closeMatches, DEFAULT_LIMITS, maxReadBytes, type ElfLimits, type ElfWork } from './symbols';

const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const PT_LOAD = 1;
const SYM_SIZE = 24;
const SHDR_SIZE = 64;
const PHDR_SIZE = 56;
/** Symbol entries read at once (1 MiB). */
const CHUNK_SYMBOLS = 43_690;

export class ElfError extends Error {}

/** Bytes at positions: a pinned file descriptor, or a buffer (tests, fuzzing). */
export interface ElfSource {
  size: number;
  /** Read into `buf` from `position`; the bytes read. */
  read(buf: Buffer, position: number): number;
}

export function fdSource(fd: number): ElfSource {
  return { size: fs.fstatSync(fd).size, read: (buf, position) => fs.readSync(fd, buf, 0, buf.length, position) };
}

export function bufferSource(b: Buffer): ElfSource {
  return { size: b.length, read: (buf, position) => (position >= b.length ? 0 : b.copy(buf, 0, position, Math.min(b.length, position + buf.length))) };
}

export interface ElfSymbol {
  name: string;
  address: bigint;
  size: bigint;
}

export interface ElfLookup {
  /** The function, when found (.symtab first, then .dynsym). */
  symbol?: ElfSymbol;
  /** Its file offset, through the PT_LOAD segments (undefined: not in a loaded segment). */
  offset?: bigint;
  hasSymtab: boolean;
  hasDynsym: boolean;
  /** Names close to the wanted one when it is missing and they were asked for. */
  close: string[];
  work: ElfWork;
}

export interface SymbolTable {
  kind: 'symtab' | 'dynsym';
  offset: number;
  count: number;
  /** Where its string table lies (checked, bounded by maxStringTable). */
  strtab: { offset: number; size: number };
  /** That string table, read whole when the table is first scanned. */
  strings?: Buffer;
}

interface Section {
  type: number;
  offset: bigint;
  size: bigint;
  link: number;
  entsize: bigint;
}

/** Exactly `len` bytes at `position`, or an ElfError. */
function readAt(src: ElfSource, len: number, position: number, work: ElfWork, shownAs: string): Buffer {
  const buf = Buffer.alloc(len);
  work.reads++;
  for (let got = 0; got < len; ) {
    const n = src.read(got ? buf.subarray(got) : buf, position + got);
    if (n <= 0) throw new ElfError(`${shownAs} is truncated (it changed while it was read, or its headers lie)`);
    got += n;
    work.bytesRead += n;
  }
  return buf;
}

function bytes(n: number): string {
  return n >= 1 << 20 ? `${Math.round(n / (1 << 20))} MiB` : `${Math.round(n / 1024)} KiB`;
}

/** `offset + size` lies within the file. */
function inFile(offset: bigint, size: bigint, fileSize: number): boolean {
  return offset >= 0n && size >= 0n && offset + size <= BigInt(fileSize);
}

/**
 * Look up function `wanted` in the ELF file `src`, within `limits`; close
 * matches only when `close` is set. `work` (counted into even when it throws)
 * tells what it did.
 */
export function findElfFunction(src: ElfSource, wanted: string, opts: { shownAs: string; close?: boolean; limits?: Partial<ElfLimits>; work?: ElfWork }): ElfLookup {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const work = opts.work ?? newWork();
  const shownAs = opts.shownAs;
  if (src.size > limits.maxFileBytes) throw new ElfError(`${shownAs} is larger than ${bytes(limits.maxFileBytes)}`);
  if (src.size < 64) throw new ElfError(`${shownAs} is not an ELF binary`);
  const h = readAt(src, 64, 0, work, shownAs);
  if (h.readUInt32BE(0) !== 0x7f454c46) throw new ElfError(`${shownAs} is not an ELF binary`);
  if (h[4] !== 2 || h[5] !== 1) throw new ElfError(`${shownAs} is not a 64-bit little-endian ELF binary`);
  if (h[6] !== 1) throw new ElfError(`${shownAs}: unknown ELF version ${h[6]}`);
  const segments = readSegments(src, h, limits, work, shownAs);
  const sections = readSections(src, h, limits, work, shownAs);

  const tables: SymbolTable[] = [];
  for (const [type, kind] of [[SHT_SYMTAB, 'symtab'], [SHT_DYNSYM, 'dynsym']] as const) {
    const sec = sections.find((s) => s.type === type);
    if (!sec) continue;
    if (sec.entsize !== BigInt(SYM_SIZE)) throw new ElfError(`${shownAs}: its .${kind} has entries of ${sec.entsize} bytes, not ${SYM_SIZE}: refused`);
    if (sec.size % BigInt(SYM_SIZE) !== 0n || !inFile(sec.offset, sec.size, src.size)) throw new ElfError(`${shownAs}: its .${kind} lies outside the file: refused`);
    const strtab = sections[sec.link];
    if (!strtab || strtab.type !== SHT_STRTAB) throw new ElfError(`${shownAs}: the string table of its .${kind} is not a string table: refused`);
    if (!inFile(strtab.offset, strtab.size, src.size)) throw new ElfError(`${shownAs}: the string table of its .${kind} lies outside the file: refused`);
    if (strtab.size > BigInt(limits.maxStringTable)) throw new ElfError(`${shownAs}: the string table of its .${kind} is larger than ${bytes(limits.maxStringTable)}: refused`);
    const count = Number(sec.size / BigInt(SYM_SIZE));
    if (tables.reduce((n, t) => n + t.count, count) > limits.maxSymbols) throw new ElfError(`${shownAs} has more than ${limits.maxSymbols} symbols: refused`);
    tables.push({ kind, offset: Number(sec.offset), count, strtab: { offset: Number(strtab.offset), size: Number(strtab.size) } });
  }

  const result: ElfLookup = { hasSymtab: tables.some((t) => t.kind === 'symtab'), hasDynsym: tables.some((t) => t.kind === 'dynsym'), close: [], work };
  const want = Buffer.from(wanted, 'utf8');
  for (const t of tables) {
    const sym = scanTable(src, t, work, shownAs, (strings, name) => {
      // The wanted name's bytes, then its NUL: first byte first, the rest on a match.
      if (name + want.length >= strings.length || strings[name] !== want[0]) return false;
      work.compared += want.length + 1;
      if (work.compared > limits.maxCompareBytes) throw new ElfError(`${shownAs}: looking up ${wanted} compared more than ${bytes(limits.maxCompareBytes)} of names: refused`);
      return strings[name + want.length] === 0 && strings.compare(want, 0, want.length, name, name + want.length) === 0;
    });
    if (sym) {
      result.symbol = { name: wanted, address: sym.readBigUInt64LE(8), size: sym.readBigUInt64LE(16) };
      result.offset = fileOffset(segments, result.symbol.address, src.size);
      return result;
    }
  }
  if (opts.close) {
    const near = new CloseNames(wanted, limits, work);
    for (const t of tables) if (!near.full) scanTable(src, t, work, shownAs, (strings, name) => near.visit(strings, name));
    result.close = near.best();
  }
  return result;
}

/**
 * Visit every defined function symbol of `t` (read in bounded chunks), by
 * the offset of its name in its string table, until `match` says stop; the
 * entry that matched.
 */
export function scanTable(src: ElfSource, t: SymbolTable, work: ElfWork, shownAs: string, match: (strings: Buffer, name: number) => boolean): Buffer | undefined {
  if (t.count === 0) return undefined;
  const strings = (t.strings ??= readAt(src, t.strtab.size, t.strtab.offset, work, shownAs));
  for (let first = 0; first < t.count; first += CHUNK_SYMBOLS) {
    const n = Math.min(CHUNK_SYMBOLS, t.count - first);
    const chunk = readAt(src, n * SYM_SIZE, t.offset + first * SYM_SIZE, work, shownAs);
    work.symbols += n;
    for (let at = 0; at < chunk.length; at += SYM_SIZE) {
      const kind = chunk[at + 4] & 0xf;
      if ((kind !== STT_FUNC && kind !== STT_GNU_IFUNC) || chunk.readUInt16LE(at + 6) === 0) continue;
      const name = chunk.readUInt32LE(at);
      if (name === 0 || name >= strings.length) continue;
      if (match(strings, name)) return chunk.subarray(at, at + SYM_SIZE);
    }
  }
  return undefined;
}

function readSegments(src: ElfSource, h: Buffer, limits: ElfLimits, work: ElfWork, shownAs: string): { vaddr: bigint; offset: bigint; filesz: bigint }[] {
  const phoff = h.readBigUInt64LE(0x20);
  const phnum = h.readUInt16LE(0x38);
  if (phnum === 0) return [];
  if (h.readUInt16LE(0x36) !== PHDR_SIZE) throw new ElfError(`${shownAs}: program headers of ${h.readUInt16LE(0x36)} bytes, not ${PHDR_SIZE}: refused`);
  if (phnum > limits.maxSegments) throw new ElfError(`${shownAs} has more than ${limits.maxSegments} program headers: refused`);
  if (!inFile(phoff, BigInt(phnum * PHDR_SIZE), src.size)) throw new ElfError(`${shownAs}: its program headers lie outside the file: refused`);
  const b = readAt(src, phnum * PHDR_SIZE, Number(phoff), work, shownAs);
  const segments = [];
  for (let at = 0; at < b.length; at += PHDR_SIZE) {
    if (b.readUInt32LE(at) !== PT_LOAD) continue;
    segments.push({ offset: b.readBigUInt64LE(at + 8), vaddr: b.readBigUInt64LE(at + 16), filesz: b.readBigUInt64LE(at + 32) });
  }
  return segments;
}

function readSections(src: ElfSource, h: Buffer, limits: ElfLimits, work: ElfWork, shownAs: string): Section[] {
  const shoff = h.readBigUInt64LE(0x28);
  const shnum = h.readUInt16LE(0x3c);
  if (shnum === 0) {
    if (shoff !== 0n) throw new ElfError(`${shownAs}: extended section numbering is not supported: refused`);
    return [];
  }
  if (h.readUInt16LE(0x3a) !== SHDR_SIZE) throw new ElfError(`${shownAs}: section headers of ${h.readUInt16LE(0x3a)} bytes, not ${SHDR_SIZE}: refused`);
  if (shnum > limits.maxSections) throw new ElfError(`${shownAs} has more than ${limits.maxSections} sections: refused`);
  if (!inFile(shoff, BigInt(shnum * SHDR_SIZE), src.size)) throw new ElfError(`${shownAs}: its section headers lie outside the file: refused`);
  const b = readAt(src, shnum * SHDR_SIZE, Number(shoff), work, shownAs);
  const sections: Section[] = [];
  for (let at = 0; at < b.length; at += SHDR_SIZE) {
    sections.push({
      type: b.readUInt32LE(at + 4),
      offset: b.readBigUInt64LE(at + 24),
      size: b.readBigUInt64LE(at + 32),
      link: b.readUInt32LE(at + 40),
      entsize: b.readBigUInt64LE(at + 56),
    });
  }
  return sections;
}

/** File offset of a virtual address (through the PT_LOAD segments), within the file. */
function fileOffset(segments: { vaddr: bigint; offset: bigint; filesz: bigint }[], address: bigint, fileSize: number): bigint | undefined {
  const seg = segments.find((s) => address >= s.vaddr && address < s.vaddr + s.filesz);
  if (!seg) return undefined;
  const off = address - seg.vaddr + seg.offset;
  return off < BigInt(fileSize) ? off : undefined;
}
