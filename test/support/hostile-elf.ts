/**
 * ELF64 files made byte by byte: small valid ones with known functions, and
 * hostile ones (an entry size of 1 over 48 MiB, millions of symbols, names
 * that never end, names that all but match) for the ELF reader's tests, the
 * fuzzer's seeds and the helper's integration tests.
 */

const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const STT_FUNC = 2;

export interface SectionSpec {
  type: number;
  data: Buffer;
  link?: number;
  entsize?: number;
  /** Place the section over another's bytes (by index) instead of its own data. */
  over?: number;
  /** Size to claim, when it is not the data's. */
  size?: number;
}

export interface LoadSegment {
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
}

/** An ELF64 LE file: header, program headers, section data, section headers (section 0 is the null section). */
export function buildElf(sections: SectionSpec[], segments: LoadSegment[] = []): Buffer {
  const phoff = 64;
  let at = phoff + segments.length * 56;
  const placed: { offset: number; size: number }[] = [];
  for (const s of sections) {
    if (s.over !== undefined) {
      placed.push({ offset: placed[s.over - 1].offset, size: s.size ?? placed[s.over - 1].size });
      continue;
    }
    at = (at + 7) & ~7;
    placed.push({ offset: at, size: s.size ?? s.data.length });
    at += s.data.length;
  }
  const shoff = (at + 7) & ~7;
  const shnum = sections.length + 1;
  const b = Buffer.alloc(shoff + shnum * 64);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // little-endian
  b[6] = 1; // EV_CURRENT
  b.writeUInt16LE(3, 0x10); // ET_DYN
  b.writeUInt16LE(62, 0x12); // x86-64
  b.writeUInt32LE(1, 0x14);
  b.writeBigUInt64LE(BigInt(segments.length ? phoff : 0), 0x20);
  b.writeBigUInt64LE(BigInt(shoff), 0x28);
  b.writeUInt16LE(64, 0x34);
  b.writeUInt16LE(56, 0x36);
  b.writeUInt16LE(segments.length, 0x38);
  b.writeUInt16LE(64, 0x3a);
  b.writeUInt16LE(shnum, 0x3c);
  segments.forEach((seg, i) => {
    const p = phoff + i * 56;
    b.writeUInt32LE(1, p); // PT_LOAD
    b.writeUInt32LE(5, p + 4); // R+X
    b.writeBigUInt64LE(seg.offset, p + 8);
    b.writeBigUInt64LE(seg.vaddr, p + 16);
    b.writeBigUInt64LE(seg.vaddr, p + 24);
    b.writeBigUInt64LE(seg.filesz, p + 32);
    b.writeBigUInt64LE(seg.filesz, p + 40);
  });
  sections.forEach((s, i) => {
    if (s.over === undefined) s.data.copy(b, placed[i].offset);
    const h = shoff + (i + 1) * 64;
    b.writeUInt32LE(s.type, h + 4);
    b.writeBigUInt64LE(BigInt(placed[i].offset), h + 24);
    b.writeBigUInt64LE(BigInt(placed[i].size), h + 32);
    b.writeUInt32LE(s.link ?? 0, h + 40);
    b.writeBigUInt64LE(BigInt(s.entsize ?? 0), h + 56);
  });
  return b;
}

/** Symbol entries: each a defined function (section 1) at `address`, its name at `name` in the string table. */
export function symbols(entries: { name: number; address: bigint; size?: bigint; info?: number; shndx?: number }[]): Buffer {
  const b = Buffer.alloc(24 * (entries.length + 1)); // entry 0 is the null symbol
  entries.forEach((e, i) => {
    const at = 24 * (i + 1);
    b.writeUInt32LE(e.name, at);
    b[at + 4] = e.info ?? (1 << 4) | STT_FUNC; // GLOBAL FUNC
    b.writeUInt16LE(e.shndx ?? 1, at + 6);
    b.writeBigUInt64LE(e.address, at + 8);
    b.writeBigUInt64LE(e.size ?? 16n, at + 16);
  });
  return b;
}

/** A small valid ELF (8 KiB of .text): a .symtab of `functions` at their addresses, one PT_LOAD mapping vaddr 0x400000 to file offset 0. */
export function tinyElf(functions: { name: string; address: bigint }[]): Buffer {
  const names: number[] = [];
  const parts = [Buffer.from([0])];
  let at = 1;
  for (const f of functions) {
    names.push(at);
    const n = Buffer.from(`${f.name}\0`);
    parts.push(n);
    at += n.length;
  }
  const strtab = Buffer.concat(parts);
  const symtab = symbols(functions.map((f, i) => ({ name: names[i], address: f.address })));
  return buildElf(
    [
      { type: SHT_PROGBITS, data: Buffer.alloc(0x2000) }, // .text: the functions' bytes
      { type: SHT_SYMTAB, data: symtab, link: 3, entsize: 24 },
      { type: SHT_STRTAB, data: strtab },
    ],
    [{ offset: 0n, vaddr: 0x400000n, filesz: 0x100000n }],
  );
}

/**
 * The file: `size` bytes whose .symtab claims entries of 1 byte and
 * whose .strtab lies over the same bytes, every byte 0x02 (FUNC, section
 * 0x0202, names at 0x02020202 that never end). A reader that believes it
 * makes ~size iterations, each scanning megabytes for a NUL.
 */
export function entsizeOneElf(size = 48 << 20): Buffer {
  const body = Buffer.alloc(size - 64 * 4, 0x02);
  return buildElf([
    { type: SHT_SYMTAB, data: body, link: 2, entsize: 1 },
    { type: SHT_STRTAB, data: Buffer.alloc(0), over: 1 },
  ]);
}

/** `count` well-formed function symbols whose names all start at `name` in one string table (`strings`). */
export function manySymbolsElf(count: number, strings: Buffer, name = 1): Buffer {
  const one = symbols([{ name, address: 0x401000n }]).subarray(24);
  const symtab = Buffer.alloc(24 * (count + 1));
  for (let i = 1; i <= count; i++) one.copy(symtab, 24 * i);
  return buildElf([
    { type: SHT_SYMTAB, data: symtab, link: 2, entsize: 24 },
    { type: SHT_STRTAB, data: strings },
  ]);
}

/** 2M symbols whose one name never ends within its first megabytes (no NUL but the first byte). */
export function endlessNamesElf(count = 2 << 20, stringBytes = 4 << 20): Buffer {
  const strings = Buffer.alloc(stringBytes, 0x61);
  strings[0] = 0;
  return manySymbolsElf(count, strings);
}

/** 2M symbols all named `wanted` but its last character: every comparison runs to the end. */
export function almostNamedElf(wanted: string, count = 2 << 20): Buffer {
  return manySymbolsElf(count, Buffer.from(`\0${wanted.slice(0, -1)}\0${'\0'.repeat(wanted.length)}`));
}
