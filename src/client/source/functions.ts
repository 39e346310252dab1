/**
 * Which functions a container's binary has, and where each is declared:
 * the helper hands over its files by handle (container/binaries); only
 * those with DWARF of their own are read whole (their section headers are
 * read first, a few hundred bytes), their function symbols listed
 * (bounded), and llvm-symbolizer names each one's declaration file and
 * line (DW_AT_decl_file/decl_line) — all unprivileged, on bytes, as
 * symbols are (../symbolize). Kept by build ID.
 */
import * as fs from 'node:fs';
import type { ProfileFileResult } from '../../protocol';
import { FileCache } from '../symbolize/cache';
import { fetchWhole, type FetchFile } from '../symbolize';
import { findSymbolizer, LlvmSymbolizer } from '../symbolize/llvm';
import { fdReader, readFunctionSymbols } from '../../kinds/profile/elf';

/** Functions listed per binary at most. */
export const MAX_FUNCTIONS = 20_000;
const SHDR = 64;
const MAX_SECTIONS = 4096;
const MAX_SHSTRTAB = 1 << 20;

export interface SourceFunction {
  /** The ELF symbol (what a uprobe attaches to; mangled for C++ and Rust). */
  symbol: string;
  /** As people read it (demangled). */
  name: string;
  /** DWARF's file and line of its declaration. */
  file: string;
  line: number;
}

export interface BinaryFunctions {
  buildId?: string;
  functions: SourceFunction[];
  truncated: boolean;
  /** A Go program (its .gopclntab): return probes would break its moving goroutine stacks. */
  go?: boolean;
  /** Why it has none (no DWARF of its own, unreadable). */
  why?: string;
}

/** Whether the file's section headers name DWARF (.debug_info and .debug_line, or compressed), read from a few hundred bytes of it. */
export async function hasDwarf(fetch: FetchFile, fileId: string): Promise<boolean> {
  return (await sectionNames(fetch, fileId)).has('.debug_info');
}

/** The names of the file's sections that hold bytes (compressed debug sections as their plain names); none when it is not an ELF file or its headers lie. */
export async function sectionNames(fetch: FetchFile, fileId: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const head = Buffer.from((await fetch(fileId, 0, 64)).data, 'base64');
  if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return seen;
  const shoff = Number(head.readBigUInt64LE(0x28));
  const shnum = head.readUInt16LE(0x3c);
  const shstrndx = head.readUInt16LE(0x3e);
  if (head.readUInt16LE(0x3a) !== SHDR || !shnum || shnum > MAX_SECTIONS || shstrndx >= shnum) return seen;
  const want = async (offset: number, length: number) => {
    const r: ProfileFileResult = await fetch(fileId, offset, length);
    const b = Buffer.from(r.data, 'base64');
    return b.length === length ? b : undefined;
  };
  const sh = await want(shoff, shnum * SHDR);
  if (!sh) return seen;
  const strOff = Number(sh.readBigUInt64LE(shstrndx * SHDR + 24));
  const strSize = Number(sh.readBigUInt64LE(shstrndx * SHDR + 32));
  if (!strSize || strSize > MAX_SHSTRTAB) return seen;
  const names = await want(strOff, strSize);
  if (!names) return seen;
  for (let i = 0; i < shnum; i++) {
    const at = i * SHDR;
    const type = sh.readUInt32LE(at + 4);
    const size = sh.readBigUInt64LE(at + 32);
    const name = sh.readUInt32LE(at);
    if (type === 8 /* NOBITS */ || size === 0n || name >= names.length) continue;
    const end = names.indexOf(0, name);
    seen.add(names.toString('latin1', name, end < 0 ? names.length : end).replace(/^\.zdebug_/, '.debug_'));
  }
  // DWARF is only of use with its line table.
  if (!seen.has('.debug_line')) seen.delete('.debug_info');
  return seen;
}

export class FunctionReader {
  private readonly byBuildId = new Map<string, Promise<BinaryFunctions>>();
  private llvm: LlvmSymbolizer | undefined;

  constructor(
    private readonly fetch: FetchFile,
    private readonly cache = new FileCache(),
    private readonly program = findSymbolizer(),
  ) {}

  /** A binary's functions with their declarations (kept by build ID; a file without one is read each time). */
  functions(fileId: string, buildId: string | undefined): Promise<BinaryFunctions> {
    const known = buildId ? this.byBuildId.get(buildId) : undefined;
    if (known) return known;
    const p = this.read(fileId, buildId).catch((err: Error): BinaryFunctions => ({ buildId, functions: [], truncated: false, why: err.message }));
    if (buildId) {
      if (this.byBuildId.size >= 512) this.byBuildId.clear();
      this.byBuildId.set(buildId, p);
    }
    return p;
  }

  private async read(fileId: string, buildId: string | undefined): Promise<BinaryFunctions> {
    if (!this.program) return { buildId, functions: [], truncated: false, why: 'llvm-symbolizer is not installed (apt-get install llvm)' };
    const cached = buildId ? this.cache.lookup(buildId) : undefined;
    const names = await sectionNames(this.fetch, fileId);
    if (!cached && !names.has('.debug_info')) return { buildId, functions: [], truncated: false, why: 'no DWARF of its own (built without -g, or stripped)' };
    const go = names.has('.gopclntab');
    const file = cached ?? this.cache.put(await fetchWhole(this.fetch, fileId), buildId, fileId);
    const fd = fs.openSync(file, 'r');
    let listed: ReturnType<typeof readFunctionSymbols>;
    try {
      const size = fs.fstatSync(fd).size;
      listed = readFunctionSymbols(fdReader(fd), size, MAX_FUNCTIONS);
    } finally {
      fs.closeSync(fd);
    }
    this.llvm ??= new LlvmSymbolizer(this.program);
    const answers = await this.llvm.symbolize(listed.functions.map((f) => ({ path: file, address: f.address })));
    const functions: SourceFunction[] = [];
    listed.functions.forEach((f, i) => {
      // The function itself is the last entry (inlined ones come first); its declaration, not its first line's.
      const own = answers[i]?.[answers[i].length - 1];
      if (!own?.file || !(own.startLine ?? own.line)) return;
      functions.push({ symbol: f.name, name: own.function ?? f.name, file: own.file, line: own.startLine ?? own.line! });
    });
    return { buildId, functions, truncated: listed.truncated, ...(go ? { go } : {}) };
  }

  close(): void {
    this.llvm?.close();
  }
}
