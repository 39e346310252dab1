/**
 * Symbols for a profile's stacks, on the unprivileged side: the helper
 * names each user frame by its file inside the container (a handle, a build
 * ID) and file offset; the file's bytes are fetched from the helper once
 * (./cache, by build ID), the offset becomes an address through the file's
 * loaded segments, and llvm-symbolizer (./llvm) gives function, file, line
 * and inlined frames. Kernel frames come named (kallsyms, read by the
 * helper). Frames without a symbol keep their module and offset.
 */
import * as fs from 'node:fs';
import type { ProfileDebugResult, ProfileEvent, ProfileFrame, ProfileFileResult, StackMapping } from '../../protocol';
import { MAX_PROFILE_CHUNK_BYTES, MAX_PROFILE_FILE_BYTES } from '../../protocol';
import { fdReader, offsetToAddress, readDebugSections, readElfLayout, type LoadSegment } from '../../kinds/profile/elf';
import { FileCache } from './cache';
import { PerfMap } from './perfmap';
import { debuginfodClient, type Debuginfod } from './debuginfod';
import { findSymbolizer, LlvmSymbolizer, type SymbolizedFrame } from './llvm';
import { mergeUserFrames, unwindCopy, type UnwindFile } from './unwind';
import { EhFrame } from '../../kinds/profile/ehframe';
import { readGoFunctions, type GoFunctions } from '../../kinds/profile/gopclntab';
import { UNWIND, type UnwindInput } from '../../kinds/shared/stack';

/** Reads bytes of a file a profile named, by its handle (the helper's profile/file). */
export type FetchFile = (fileId: string, offset: number, length: number) => Promise<ProfileFileResult>;
/** A file's separate debug info in its container, as a new handle (the helper's profile/debug). */
export type FetchDebug = (fileId: string, debuglink: string | undefined) => Promise<ProfileDebugResult>;

/** A handle's bytes, chunk by chunk, bounded (MAX_PROFILE_FILE_BYTES). */
export async function fetchWhole(fetch: FetchFile, fileId: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = Infinity;
  for (let offset = 0; offset < size && offset < MAX_PROFILE_FILE_BYTES; ) {
    const r = await fetch(fileId, offset, MAX_PROFILE_CHUNK_BYTES);
    size = r.size;
    const data = Buffer.from(r.data, 'base64');
    if (!data.length) break;
    chunks.push(data);
    offset += data.length;
  }
  return Buffer.concat(chunks);
}

/** The index of a stack's innermost user frame (kernel frames come first). */
const leafOf = (stack: ProfileFrame[]) => stack.findIndex((f) => !f.kernel);

/** What carries frames: a profile's stacks, an event's --stack. */
type Stacked = Pick<ProfileEvent, 'pid'> & { stack?: ProfileFrame[] };

/** Answers kept per (file, address) at most; then forgotten and asked again. */
const MAX_REMEMBERED = 200_000;

interface LocalFile {
  path: string;
  loads: LoadSegment[];
  /** Where its .eh_frame lies (--stack unwinds by it), and the table once read. */
  ehAt?: { offset: number; addr: number; size: number };
  eh?: EhFrame | null;
  /** A Go program's .gopclntab: where it lies, and its function table once read (null: unreadable). */
  goAt?: { offset: number; size: number; textAddr: number };
  go?: GoFunctions | null;
}

export class StackSymbolizer {
  private readonly files = new Map<string, Promise<LocalFile | undefined>>();
  private readonly answers = new Map<string, SymbolizedFrame[]>();
  /** JITs' perf maps by the helper's handle, read as they grow. */
  private readonly perfMaps = new Map<string, PerfMap>();
  private readonly llvm: LlvmSymbolizer | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fetch: FetchFile,
    private readonly cache = new FileCache(),
    private readonly warn: (message: string) => void = () => undefined,
    program = findSymbolizer(),
    /** Separate debug info (.build-id, .gnu_debuglink) from the container, for files without DWARF of their own. */
    private readonly fetchDebug?: FetchDebug,
    /** $DEBUGINFOD_URLS' servers, asked by build ID when the container has no debug info (none when it is unset). */
    private readonly debuginfod: Debuginfod | undefined = debuginfodClient(),
  ) {
    this.llvm = program ? new LlvmSymbolizer(program) : undefined;
    if (!program) warn('llvm-symbolizer is not installed: frames show their module and offset only; install it: apt-get install llvm');
  }

  /** The events with their frames symbolized (one batch at a time, in order); events without a stack as they are. */
  symbolize<E extends Stacked>(events: E[]): Promise<E[]> {
    const run = this.queue.then(() => this.run(events));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run<E extends Stacked>(all: E[]): Promise<E[]> {
    // --stack: copied user stacks unwound by their files' .eh_frame first (./unwind).
    for (const e of all) {
      const u = UNWIND.get(e);
      if (!u || !e.stack) continue;
      UNWIND.delete(e);
      try {
        if (!u.maps.length) u.maps = await this.leafMappings(u, e.stack[u.kernel]);
        const unwound = await unwindCopy(u, (m) => this.unwindFile(m));
        e.stack = [...e.stack.slice(0, u.kernel), ...mergeUserFrames(unwound, e.stack.slice(u.kernel))];
      } catch (err) {
        this.warn(`a stack could not be unwound: ${(err as Error).message}`);
      }
    }
    const events = all.filter((e) => e.stack?.length) as (E & { stack: ProfileFrame[] })[];
    if (!events.length) return all;
    // Each file a frame names, once: its local copy and segments.
    const local = new Map<string, LocalFile | undefined>();
    for (const e of events) for (const f of e.stack) if (f.fileId && !local.has(f.fileId)) local.set(f.fileId, await this.file(f));
    // Each perf map a frame names: what was appended to it since the last batch.
    const maps = new Set<string>();
    for (const e of events) for (const f of e.stack) if (f.perfMap) maps.add(f.perfMap);
    for (const id of maps) await this.updatePerfMap(id);
    // The addresses not answered before, asked in one batch.
    const asks = new Map<string, { path: string; address: number }>();
    const keyOf = (e: Stacked & { stack: ProfileFrame[] }, i: number): { key: string; path: string; address: number } | undefined => {
      const f = e.stack[i];
      const file = f.fileId ? local.get(f.fileId) : undefined;
      if (!file || f.kernel) return undefined;
      const address = offsetToAddress(file.loads, f.offset);
      if (address === undefined) return undefined;
      // A return address is looked up one byte back: in the call, not after it. The innermost user
      // frame is where the task was (a fault's own instruction, the one after a syscall): as it is.
      const a = i === leafOf(e.stack) ? address : address - 1;
      return { key: `${file.path}\0${a}`, path: file.path, address: a };
    };
    for (const e of events) {
      for (let i = 0; i < e.stack.length; i++) {
        const k = keyOf(e, i);
        if (k && !this.answers.has(k.key)) asks.set(k.key, k);
      }
    }
    if (asks.size && this.llvm) {
      if (this.answers.size + asks.size > MAX_REMEMBERED) this.answers.clear();
      const keys = [...asks.keys()];
      const got = await this.llvm.symbolize([...asks.values()]);
      keys.forEach((k, i) => this.answers.set(k, got[i]));
    }
    return all.map((e) => {
      if (!e.stack?.length) return e;
      const stacked = e as E & { stack: ProfileFrame[] };
      const stack: ProfileFrame[] = [];
      stacked.stack.forEach((f, i) => {
        const { fileId: _, perfMap: mapId, ...bare } = f;
        if (mapId) {
          // JIT code: its symbol from the process's perf map (a return address looked up one byte back).
          const name = this.perfMaps.get(mapId)?.lookup(i === leafOf(stacked.stack) ? f.offset : f.offset - 1);
          return void stack.push(name ? { ...bare, function: name, module: `/tmp/perf-${e.pid}.map` } : bare);
        }
        const k = keyOf(stacked, i);
        const syms = k ? this.answers.get(k.key) : undefined;
        if (!syms?.length) {
          // No symbol: a stripped Go program still names its functions in .gopclntab.
          const file = k && f.fileId ? local.get(f.fileId) : undefined;
          const name = file?.goAt ? this.goTable(file)?.lookup(k!.address) : undefined;
          return void stack.push(name ? { ...bare, function: name } : bare);
        }
        syms.forEach((s, j) => {
          const frame: ProfileFrame = { function: s.function, file: s.file, line: s.line, module: f.module, offset: f.offset };
          if (s.startLine) frame.startLine = s.startLine;
          if (f.buildId) frame.buildId = f.buildId;
          if (j < syms.length - 1) frame.inlined = true;
          stack.push(frame);
        });
      });
      return { ...e, stack };
    });
  }

  /**
   * A process gone before its maps were read: its leaf's file placed where
   * the kernel found the leaf (its build ID and file offset at the address
   * in ip), every loaded segment of it; frames in other files stop there.
   */
  private async leafMappings(u: UnwindInput, leaf: ProfileFrame | undefined): Promise<StackMapping[]> {
    if (!leaf?.fileId || leaf.kernel) return [];
    const local = await this.file(leaf);
    const vaddr = local && offsetToAddress(local.loads, leaf.offset);
    if (!local || vaddr === undefined) return [];
    const base = u.ip - vaddr;
    return local.loads.map((l) => ({ start: base + l.vaddr, end: base + l.vaddr + l.filesz, offset: l.offset, module: leaf.module, fileId: leaf.fileId, ...(leaf.buildId ? { buildId: leaf.buildId } : {}) }));
  }

  /** A mapping's file with its call frame information (read once), for unwinding. */
  private async unwindFile(m: StackMapping): Promise<UnwindFile | undefined> {
    if (!m.fileId) return undefined;
    const local = await this.file({ function: null, file: null, line: null, module: m.module, offset: 0, fileId: m.fileId, ...(m.buildId ? { buildId: m.buildId } : {}) });
    if (!local) return undefined;
    if (local.eh === undefined) {
      local.eh = null;
      const at = local.ehAt;
      if (at) {
        const fd = fs.openSync(local.path, 'r');
        try {
          const bytes = Buffer.alloc(at.size);
          fs.readSync(fd, bytes, 0, at.size, at.offset);
          local.eh = new EhFrame(bytes, at.addr);
        } catch {
          local.eh = null;
        } finally {
          fs.closeSync(fd);
        }
      }
    }
    return { loads: local.loads, eh: local.eh ?? undefined };
  }

  /** A frame's file: from the cache by its build ID, else fetched from the helper (and kept); undefined when it cannot be had. */
  private file(f: ProfileFrame): Promise<LocalFile | undefined> {
    const id = f.fileId!;
    let p = this.files.get(id);
    if (!p) {
      p = this.load(id, f.buildId).catch((err: Error) => {
        this.warn(`no symbols from ${f.module}: ${err.message}`);
        return undefined;
      });
      this.files.set(id, p);
    }
    return p;
  }

  /** A perf map brought up to date: what was appended since it was last read (bounded). */
  private async updatePerfMap(id: string): Promise<void> {
    let map = this.perfMaps.get(id);
    if (!map) {
      if (this.perfMaps.size >= 256) this.perfMaps.clear();
      this.perfMaps.set(id, (map = new PerfMap()));
    }
    try {
      for (let i = 0; i < 64 && map.fetched < MAX_PROFILE_FILE_BYTES; i++) {
        const r = await this.fetch(id, map.fetched, MAX_PROFILE_CHUNK_BYTES);
        const data = Buffer.from(r.data, 'base64');
        if (!data.length) break;
        map.append(data);
        if (map.fetched >= r.size) break;
      }
    } catch (err) {
      this.warn(`a perf map could not be read: ${(err as Error).message}`);
    }
  }

  private fetchAll(fileId: string): Promise<Buffer> {
    return fetchWhole(this.fetch, fileId);
  }

  private async load(fileId: string, buildId: string | undefined): Promise<LocalFile | undefined> {
    const file = (buildId ? this.cache.lookup(buildId) : undefined) ?? this.cache.put(await this.fetchAll(fileId), buildId, fileId);
    const fd = fs.openSync(file, 'r');
    let loads: LoadSegment[];
    let sections: ReturnType<typeof readDebugSections> | undefined;
    try {
      const size = fs.fstatSync(fd).size;
      const read = fdReader(fd);
      loads = readElfLayout(read, size).loads;
      try {
        sections = readDebugSections(read, size);
      } catch {
        sections = undefined; // its sections unreadable: symbols from what the symbolizer finds
      }
    } finally {
      fs.closeSync(fd);
    }
    // No DWARF of its own: its separate debug info, when the container has it (kept by build ID).
    if (sections && !sections.dwarf && buildId && this.llvm) {
      const debug = this.cache.lookupDebug(buildId) ?? (await this.loadDebug(fileId, buildId, sections.debuglink));
      if (debug) this.llvm.setDebug(file, buildId, debug);
    }
    return { path: file, loads, ...(sections?.ehFrame ? { ehAt: sections.ehFrame } : {}), ...(sections?.gopclntab ? { goAt: sections.gopclntab } : {}) };
  }

  /** A Go program's function table, read from its local copy once (null when it cannot be read). */
  private goTable(file: LocalFile): GoFunctions | null {
    if (file.go !== undefined || !file.goAt) return file.go ?? null;
    try {
      const fd = fs.openSync(file.path, 'r');
      try {
        const buf = Buffer.alloc(file.goAt.size);
        const n = fs.readSync(fd, buf, 0, buf.length, file.goAt.offset);
        file.go = readGoFunctions(buf.subarray(0, n), file.goAt.textAddr);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      this.warn(`${file.path}: its Go function table could not be read: ${(err as Error).message}`);
      file.go = null;
    }
    return file.go;
  }

  /** Separate debug info fetched from the container and kept when it is the file's (same build ID, or the debuglink's CRC). */
  private async loadDebug(fileId: string, buildId: string, link: { name: string; crc: number } | undefined): Promise<string | undefined> {
    const found = this.fetchDebug ? await this.fetchDebug(fileId, link?.name).catch(() => undefined) : undefined;
    if (found?.fileId) {
      const kept = this.cache.putDebug(await this.fetchAll(found.fileId), buildId, link?.crc);
      if (!('why' in kept)) return kept.path;
      this.warn(`${found.path ?? 'debug info'} in the container is not for this file: ${kept.why}`);
    }
    // None in the container: the user's debuginfod servers, when $DEBUGINFOD_URLS names some.
    if (!this.debuginfod) return undefined;
    const got = await this.debuginfod(buildId);
    if ('why' in got) return undefined;
    const kept = this.cache.putDebug(got.bytes, buildId, undefined);
    if ('why' in kept) {
      this.warn(`debuginfod ${got.server} answered for build ID ${buildId} with a file that is not its: ${kept.why}`);
      return undefined;
    }
    return kept.path;
  }

  close(): void {
    this.llvm?.close();
    this.cache.close();
  }
}
