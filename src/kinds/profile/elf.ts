/**
 * The little of an ELF64 (little-endian) file a profile needs, from its
 * program headers only: the loaded segments (a file offset to the address
 * a symbolizer wants) and the GNU build ID (the note that names the build).
 * Pure and bounded: it reads through `read(position, length)` at most the
 * header, MAX_PHDRS program headers and MAX_NOTE_BYTES of notes, and checks
 * every size and bound; anything else is an error, never a guess. The helper
 * reads build IDs with it through a pinned descriptor, the client the
 * segments of the bytes it was handed.
 */
import * as fs from 'node:fs';

const PT_LOAD = 1;
const PT_NOTE = 4;
const NT_GNU_BUILD_ID = 3;
const PHDR_SIZE = 56;
const MAX_PHDRS = 512;
/** Note bytes read at most (all PT_NOTE segments together). */
const MAX_NOTE_BYTES = 64 << 10;

export class ElfLayoutError extends Error {}

export interface LoadSegment {
  offset: number;
  vaddr: number;
  filesz: number;
}

export interface ElfLayout {
  loads: LoadSegment[];
  /** Hex, when the file has a GNU build ID note. */
  buildId?: string;
}

/** Bytes at a position: fewer than asked at the end of the file. */
export type ReadAt = (position: number, length: number) => Buffer;

export function bufferReader(b: Buffer): ReadAt {
  return (position, length) => b.subarray(Math.min(position, b.length), Math.min(b.length, position + length));
}

/** Positioned reads of an open file descriptor (fewer bytes at its end). */
export function fdReader(fd: number): ReadAt {
  return (position, length) => {
    const b = Buffer.alloc(length);
    return b.subarray(0, fs.readSync(fd, b, 0, length, position));
  };
}

/** The ELF header (64 bytes) of a 64-bit little-endian file; anything else is an error. */
function elfHeader(read: ReadAt): Buffer {
  const h = read(0, 64);
  if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46) throw new ElfLayoutError('not an ELF file');
  if (h[4] !== 2 || h[5] !== 1) throw new ElfLayoutError('not a 64-bit little-endian ELF file');
  return h;
}

/** Program headers and build ID of the file `read` gives (`size` bytes). */
export function readElfLayout(read: ReadAt, size: number): ElfLayout {
  const h = elfHeader(read);
  const phoff = h.readBigUInt64LE(0x20);
  const phentsize = h.readUInt16LE(0x36);
  const phnum = h.readUInt16LE(0x38);
  if (phnum === 0) return { loads: [] };
  if (phentsize !== PHDR_SIZE) throw new ElfLayoutError(`program header entries of ${phentsize} bytes, not ${PHDR_SIZE}`);
  if (phnum > MAX_PHDRS) throw new ElfLayoutError(`${phnum} program headers (at most ${MAX_PHDRS})`);
  if (phoff + BigInt(phnum * PHDR_SIZE) > BigInt(size)) throw new ElfLayoutError('program headers beyond the end of the file');
  const ph = read(Number(phoff), phnum * PHDR_SIZE);
  if (ph.length < phnum * PHDR_SIZE) throw new ElfLayoutError('program headers cut short');
  const loads: LoadSegment[] = [];
  const notes: { offset: number; size: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * PHDR_SIZE;
    const type = ph.readUInt32LE(at);
    const offset = ph.readBigUInt64LE(at + 8);
    const vaddr = ph.readBigUInt64LE(at + 16);
    const filesz = ph.readBigUInt64LE(at + 32);
    if (type !== PT_LOAD && type !== PT_NOTE) continue;
    if (offset + filesz > BigInt(size)) throw new ElfLayoutError(`segment ${i} lies beyond the end of the file`);
    if (vaddr > BigInt(Number.MAX_SAFE_INTEGER) || vaddr + filesz > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfLayoutError(`segment ${i} has an address beyond 2^53`);
    if (type === PT_LOAD) loads.push({ offset: Number(offset), vaddr: Number(vaddr), filesz: Number(filesz) });
    else notes.push({ offset: Number(offset), size: Number(filesz) });
  }
  let budget = MAX_NOTE_BYTES;
  let buildId: string | undefined;
  for (const n of notes) {
    if (buildId || budget <= 0) break;
    const bytes = read(n.offset, Math.min(n.size, budget));
    budget -= bytes.length;
    buildId = gnuBuildId(bytes);
  }
  return { loads, buildId };
}

/** The NT_GNU_BUILD_ID note's descriptor (hex) among the notes of one segment, or undefined. */
export function gnuBuildId(notes: Buffer): string | undefined {
  const align4 = (n: number) => (n + 3) & ~3;
  for (let at = 0; at + 12 <= notes.length; ) {
    const namesz = notes.readUInt32LE(at);
    const descsz = notes.readUInt32LE(at + 4);
    const type = notes.readUInt32LE(at + 8);
    const name = at + 12;
    const desc = name + align4(namesz);
    const next = desc + align4(descsz);
    if (namesz > notes.length || descsz > notes.length || next > notes.length + 3) return undefined;
    if (type === NT_GNU_BUILD_ID && namesz === 4 && notes.toString('latin1', name, name + 3) === 'GNU' && descsz >= 1 && descsz <= 64 && desc + descsz <= notes.length) {
      return notes.toString('hex', desc, desc + descsz);
    }
    at = next;
  }
  return undefined;
}

const SHDR_SIZE = 64;
const MAX_SHDRS = 4096;
/** A .gopclntab read at most (a 100 MB Go binary's is about 30 MB). */
const MAX_GOPCLNTAB = 256 << 20;
/** Section name table bytes read at most. */
const MAX_SHSTRTAB = 1 << 20;

export interface DebugSections {
  /** Whether it has DWARF of its own (.debug_info, or compressed .zdebug_info). */
  dwarf: boolean;
  /** Whether it has a symbol table (.symtab): functions without DWARF's lines. */
  symtab: boolean;
  /** Its .gnu_debuglink: the separate debug file's name and CRC-32. */
  debuglink?: { name: string; crc: number };
  /** Its .eh_frame (call frame information, for unwinding): where it lies in the file and at what address it loads. */
  ehFrame?: { offset: number; addr: number; size: number };
  /** A Go program's .gopclntab (function names where no symbol table has them), and its .text address. */
  gopclntab?: { offset: number; size: number; textAddr: number };
}

/**
 * What a file says of its debug info, from its section headers: DWARF of its
 * own, a symbol table, a .gnu_debuglink naming a separate file. Bounded like
 * readElfLayout; malformed headers are an error.
 */
export function readDebugSections(read: ReadAt, size: number): DebugSections {
  const h = elfHeader(read);
  const shoff = h.readBigUInt64LE(0x28);
  const shentsize = h.readUInt16LE(0x3a);
  const shnum = h.readUInt16LE(0x3c);
  const shstrndx = h.readUInt16LE(0x3e);
  const none: DebugSections = { dwarf: false, symtab: false };
  if (shnum === 0 || shoff === 0n) return none;
  if (shentsize !== SHDR_SIZE) throw new ElfLayoutError(`section header entries of ${shentsize} bytes, not ${SHDR_SIZE}`);
  if (shnum > MAX_SHDRS) throw new ElfLayoutError(`${shnum} section headers (at most ${MAX_SHDRS})`);
  if (shoff + BigInt(shnum * SHDR_SIZE) > BigInt(size)) throw new ElfLayoutError('section headers beyond the end of the file');
  if (shstrndx >= shnum) throw new ElfLayoutError('no section name table');
  const sh = read(Number(shoff), shnum * SHDR_SIZE);
  if (sh.length < shnum * SHDR_SIZE) throw new ElfLayoutError('section headers cut short');
  const section = (i: number) => ({
    name: sh.readUInt32LE(i * SHDR_SIZE),
    type: sh.readUInt32LE(i * SHDR_SIZE + 4),
    addr: sh.readBigUInt64LE(i * SHDR_SIZE + 16),
    offset: sh.readBigUInt64LE(i * SHDR_SIZE + 24),
    size: sh.readBigUInt64LE(i * SHDR_SIZE + 32),
  });
  const strtab = section(shstrndx);
  if (strtab.offset + strtab.size > BigInt(size) || strtab.size > BigInt(MAX_SHSTRTAB)) throw new ElfLayoutError('the section name table lies beyond the file or is too large');
  const names = read(Number(strtab.offset), Number(strtab.size));
  const nameOf = (at: number) => {
    if (at >= names.length) return '';
    const end = names.indexOf(0, at);
    return names.toString('latin1', at, end < 0 ? names.length : end);
  };
  const out: DebugSections = { dwarf: false, symtab: false };
  const SHT_NOBITS = 8;
  let textAddr = 0;
  for (let i = 0; i < shnum; i++) {
    const sec = section(i);
    const name = nameOf(sec.name);
    // Sections a stripped debug file keeps as NOBITS have no bytes: they do not count.
    if ((name === '.debug_info' || name === '.zdebug_info') && sec.type !== SHT_NOBITS && sec.size > 0n) out.dwarf = true;
    if (name === '.symtab' && sec.type !== SHT_NOBITS && sec.size > 0n) out.symtab = true;
    if (name === '.eh_frame' && sec.type !== SHT_NOBITS && sec.size > 0n && sec.offset + sec.size <= BigInt(size) && sec.addr < BigInt(Number.MAX_SAFE_INTEGER)) {
      out.ehFrame = { offset: Number(sec.offset), addr: Number(sec.addr), size: Number(sec.size) };
    }
    if (name === '.gopclntab' && sec.type !== SHT_NOBITS && sec.size > 0n && sec.size <= BigInt(MAX_GOPCLNTAB) && sec.offset + sec.size <= BigInt(size)) {
      out.gopclntab = { offset: Number(sec.offset), size: Number(sec.size), textAddr: 0 };
    }
    if (name === '.text' && sec.addr < BigInt(Number.MAX_SAFE_INTEGER)) textAddr = Number(sec.addr);
    if (name === '.gnu_debuglink' && sec.size >= 8n && sec.size <= 4096n && sec.offset + sec.size <= BigInt(size)) {
      const b = read(Number(sec.offset), Number(sec.size));
      const end = b.indexOf(0);
      if (end > 0 && end <= 255) {
        const crcAt = (end + 4) & ~3;
        if (crcAt + 4 <= b.length) out.debuglink = { name: b.toString('utf8', 0, end), crc: b.readUInt32LE(crcAt) };
      }
    }
  }
  if (out.gopclntab) out.gopclntab.textAddr = textAddr;
  return out;
}

/** The address a symbolizer wants for a file offset: through the loaded segment that holds it; undefined outside every one. */
export function offsetToAddress(loads: LoadSegment[], offset: number): number | undefined {
  for (const l of loads) if (offset >= l.offset && offset < l.offset + l.filesz) return offset - l.offset + l.vaddr;
  return undefined;
}

/** Symbol table bytes and its string table's read at most (a large C++ program's .symtab is tens of MB). */
const MAX_SYMTAB_BYTES = 64 << 20;
const SYM_SIZE = 24;

/** A function of a file's symbol table: its (mangled) name, address and size. */
export interface FunctionSymbol {
  name: string;
  address: number;
  size: number;
}

/**
 * The file's defined functions with a size (its .symtab, else its .dynsym),
 * each address once, at most `max` (truncated says when there were more);
 * bounded like readDebugSections, malformed tables an error. Read on the
 * unprivileged side, from bytes the helper handed over.
 */
export function readFunctionSymbols(read: ReadAt, size: number, max: number): { functions: FunctionSymbol[]; truncated: boolean } {
  const h = elfHeader(read);
  const shoff = h.readBigUInt64LE(0x28);
  const shnum = h.readUInt16LE(0x3c);
  if (shnum === 0 || shoff === 0n) return { functions: [], truncated: false };
  if (h.readUInt16LE(0x3a) !== SHDR_SIZE) throw new ElfLayoutError('section header entries of another size');
  if (shnum > MAX_SHDRS || shoff + BigInt(shnum * SHDR_SIZE) > BigInt(size)) throw new ElfLayoutError('section headers beyond the end of the file, or too many');
  const sh = read(Number(shoff), shnum * SHDR_SIZE);
  if (sh.length < shnum * SHDR_SIZE) throw new ElfLayoutError('section headers cut short');
  const sec = (i: number) => ({ type: sh.readUInt32LE(i * SHDR_SIZE + 4), offset: sh.readBigUInt64LE(i * SHDR_SIZE + 24), size: sh.readBigUInt64LE(i * SHDR_SIZE + 32), link: sh.readUInt32LE(i * SHDR_SIZE + 40) });
  let table: ReturnType<typeof sec> | undefined;
  for (const want of [2 /* SHT_SYMTAB */, 11 /* SHT_DYNSYM */]) {
    for (let i = 0; i < shnum && !table; i++) if (sec(i).type === want && sec(i).size > 0n) table = sec(i);
    if (table) break;
  }
  if (!table) return { functions: [], truncated: false };
  if (table.link >= shnum) throw new ElfLayoutError('the symbol table names no string table');
  const strs = sec(table.link);
  for (const s of [table, strs]) if (s.offset + s.size > BigInt(size) || s.size > BigInt(MAX_SYMTAB_BYTES)) throw new ElfLayoutError('a symbol table lies beyond the file or is too large');
  const syms = read(Number(table.offset), Number(table.size));
  const names = read(Number(strs.offset), Number(strs.size));
  const byAddress = new Map<number, FunctionSymbol>();
  let truncated = false;
  for (let at = 0; at + SYM_SIZE <= syms.length; at += SYM_SIZE) {
    const kind = syms[at + 4] & 0xf;
    if ((kind !== 2 /* STT_FUNC */ && kind !== 10 /* STT_GNU_IFUNC */) || syms.readUInt16LE(at + 6) === 0) continue;
    const name = syms.readUInt32LE(at);
    const address = syms.readBigUInt64LE(at + 8);
    const length = syms.readBigUInt64LE(at + 16);
    if (!name || name >= names.length || !length || address > BigInt(Number.MAX_SAFE_INTEGER) || byAddress.has(Number(address))) continue;
    // Its end looked for within 1 KiB only: a table of names that never end costs no more than that each.
    const rel = names.subarray(name, Math.min(names.length, name + 1025)).indexOf(0);
    if (rel < 0) continue;
    const end = name + rel;
    if (byAddress.size >= max) {
      truncated = true;
      break;
    }
    byAddress.set(Number(address), { name: names.toString('utf8', name, end), address: Number(address), size: Number(length) });
  }
  return { functions: [...byAddress.values()].sort((a, b) => a.address - b.address), truncated };
}
