/**
 * One loaded BPF object: open, set `.rodata` knobs and map sizes, load,
 * attach, read counters, destroy. Every native resource it creates is
 * released by destroy(), which is idempotent.
 */
import { lib, isNull, view, lastErrno, errnoMessage, type Ptr } from './native';
import { sectionVariables } from './btf';
import { coreBtfFailed, coreBtfFor } from './core-btf';

export type Knob = number | bigint | boolean;

export interface LoadOptions {
  /** `const volatile` globals, by name. */
  rodata?: Record<string, Knob>;
  /** max_entries overrides, by map name (ring buffer size, ...). */
  maxEntries?: Record<string, number>;
  /** Programs not to load (attach-type fallbacks, optional features). */
  skip?: string[];
}

export class BpfError extends Error {
  constructor(
    message: string,
    readonly errno?: number,
  ) {
    super(message);
  }
}

export class BpfObject {
  private obj: Ptr;
  private links: Ptr[] = [];
  private readonly maps = new Map<string, Ptr>();
  private readonly programs = new Map<string, Ptr>();

  private constructor(
    obj: Ptr,
    readonly path: string,
  ) {
    this.obj = obj;
    const n = lib();
    for (let m = n.nextMap(obj as never, null); !isNull(m); m = n.nextMap(obj as never, m as never)) {
      this.maps.set(n.mapName(m as never) as string, m);
    }
    for (let p = n.nextProg(obj as never, null); !isNull(p); p = n.nextProg(obj as never, p as never)) {
      this.programs.set(n.progName(p as never) as string, p);
    }
  }

  /** Open and load `path` with the given knobs; throws BpfError with the reason. */
  static load(path: string, options: LoadOptions = {}): BpfObject {
    // CO-RE from the few kernel types our objects name, once made for this kernel (./core-btf).
    const btf = coreBtfFor(dirname(path));
    if (btf) {
      try {
        return BpfObject.loadWith(path, options, btf);
      } catch (err) {
        coreBtfFailed(dirname(path), btf, (err as Error).message);
      }
    }
    return BpfObject.loadWith(path, options, undefined);
  }

  private static loadWith(path: string, options: LoadOptions, btfCustomPath: string | undefined): BpfObject {
    const n = lib();
    const obj = btfCustomPath ? n.openWithOpts(path, { sz: n.openOptsSize, btf_custom_path: btfCustomPath }) : n.open(path, null);
    if (isNull(obj)) {
      throw new BpfError(`cannot open BPF object ${path}: ${errnoMessage(lastErrno())}`, lastErrno());
    }
    const self = new BpfObject(obj, path);
    try {
      self.configure(options);
      const err = n.load(obj as never);
      if (err < 0) throw new BpfError(`the kernel refused to load ${basename(path)}: ${errnoMessage(err)}`, -err);
      return self;
    } catch (e) {
      self.destroy();
      throw e;
    }
  }

  private configure(options: LoadOptions): void {
    const n = lib();
    for (const [name, entries] of Object.entries(options.maxEntries ?? {})) {
      const err = n.mapSetMaxEntries(this.mapPtr(name) as never, entries);
      if (err < 0) throw new BpfError(`cannot size map ${name}: ${errnoMessage(err)}`, -err);
    }
    for (const name of options.skip ?? []) {
      const prog = this.programs.get(name);
      if (!prog) throw new BpfError(`no program ${name} in ${this.path}`);
      n.progSetAutoload(prog as never, false);
    }
    const knobs = Object.entries(options.rodata ?? {});
    if (knobs.length === 0) return;
    const rodata = [...this.maps.entries()].find(([name]) => name.endsWith('.rodata'))?.[1];
    if (!rodata) throw new BpfError(`${this.path} has no .rodata section for its knobs`);
    const size = [0];
    const mem = n.mapInitialValue(rodata as never, size as never);
    const vars = sectionVariables(n.objBtf(this.obj as never), '.rodata');
    const dv = new DataView(view(mem, size[0]));
    for (const [name, value] of knobs) {
      const v = vars.get(name);
      if (!v) throw new BpfError(`${this.path} has no knob ${name}`);
      if (v.size === 8) dv.setBigUint64(v.offset, BigInt(value), true);
      else if (v.size === 4) dv.setUint32(v.offset, Number(value), true);
      else if (v.size === 2) dv.setUint16(v.offset, Number(value), true);
      else if (v.size === 1) dv.setUint8(v.offset, Number(value));
      else throw new BpfError(`knob ${name} has an unsupported size ${v.size}`);
    }
  }

  /**
   * Attach every loaded program by its section name (but `except`), all or
   * nothing. Programs on one tracepoint run in attach order, so the follow
   * set's bookkeeping (ct_follow_*) goes last: a kind's own exit program
   * must see a process as followed before it is forgotten.
   */
  attachAll(except: string[] = []): void {
    const n = lib();
    const order = [...this.programs].sort(([a], [b]) => Number(a.startsWith('ct_follow_')) - Number(b.startsWith('ct_follow_')));
    for (const [name, prog] of order) {
      if (except.includes(name)) continue;
      if (n.progFd(prog as never) < 0) continue; // not loaded (skipped)
      try {
        this.attachBySection(name, prog);
      } catch (e) {
        this.detach();
        throw e;
      }
    }
  }

  /** Attach one program by its section name; a failure says why (and what to do, where known). */
  private attachBySection(name: string, prog: unknown): void {
    const n = lib();
    const link = n.progAttach(prog as never);
    if (isNull(link)) {
      const err = lastErrno();
      const section = n.progSection(prog as never) as string;
      throw new BpfError(`cannot attach ${name} (${section}): ${errnoMessage(err)}${attachHint(section, err)}`, err);
    }
    this.links.push(link);
  }

  /** Attach one program by its section name (a kind that picks its programs by option). */
  attachProgram(progName: string): void {
    const prog = this.programs.get(progName);
    if (!prog) throw new BpfError(`no program ${progName} in ${this.path}`);
    this.attachBySection(progName, prog);
  }

  /** Attach one program as a uprobe (or uretprobe) at a file offset; pid -1: every process. */
  attachUprobe(progName: string, retprobe: boolean, pid: number, file: string, offset: number): void {
    const prog = this.programs.get(progName);
    if (!prog) throw new BpfError(`no program ${progName} in ${this.path}`);
    const link = lib().attachUprobe(prog as never, retprobe, pid, file, offset);
    if (isNull(link)) {
      const err = lastErrno();
      throw new BpfError(`cannot attach a ${retprobe ? 'uretprobe' : 'uprobe'} to ${file} at offset 0x${offset.toString(16)}: ${errnoMessage(err)}`, err);
    }
    this.links.push(link);
  }

  /**
   * Attach one program to a perf event descriptor (which the link then owns:
   * destroying the link closes it; on failure it is closed here).
   */
  attachPerfEvent(progName: string, pfd: number): void {
    const prog = this.programs.get(progName);
    if (!prog) {
      closeFd(pfd);
      throw new BpfError(`no program ${progName} in ${this.path}`);
    }
    const link = lib().attachPerfEvent(prog as never, pfd);
    if (isNull(link)) {
      const err = lastErrno();
      closeFd(pfd);
      throw new BpfError(`cannot attach ${progName} to a perf event: ${errnoMessage(err)}`, err);
    }
    this.links.push(link);
  }

  /**
   * Every entry of a hash map, each removed as it is read (entries added
   * meanwhile stay for the next read). At most the map's size.
   */
  drainHash(name: string, keySize: number, valueSize: number): { key: Buffer; value: Buffer }[] {
    const n = lib();
    const map = this.mapPtr(name);
    const keys: Buffer[] = [];
    const max = n.mapMaxEntries(map as never);
    let cur: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(keySize);
      if (n.mapNextKey(map as never, cur, next, keySize) < 0 || keys.length >= max) break;
      keys.push(next);
      cur = next;
    }
    const out: { key: Buffer; value: Buffer }[] = [];
    for (const key of keys) {
      const value = Buffer.alloc(valueSize);
      if (n.mapLookupAndDelete(map as never, key, keySize, value, valueSize, 0n) === 0) out.push({ key, value });
      else if (n.mapLookup(map as never, key, keySize, value, valueSize, 0n) === 0) {
        // Kernels before 5.14 cannot look up and delete hash entries at once.
        n.mapDelete(map as never, key, keySize, 0n);
        out.push({ key, value });
      }
    }
    return out;
  }

  /** Every entry of a hash, left in place (entries deleted meanwhile skipped). At most the map's size. */
  readHash(name: string, keySize: number, valueSize: number): { key: Buffer; value: Buffer }[] {
    const n = lib();
    const map = this.mapPtr(name);
    const max = n.mapMaxEntries(map as never);
    const out: { key: Buffer; value: Buffer }[] = [];
    let cur: Buffer | null = null;
    for (let i = 0; i < max; i++) {
      const next = Buffer.alloc(keySize);
      if (n.mapNextKey(map as never, cur, next, keySize) < 0) break;
      cur = next;
      const value = Buffer.alloc(valueSize);
      if (n.mapLookup(map as never, next, keySize, value, valueSize, 0n) !== 0) continue; // deleted meanwhile
      out.push({ key: next, value });
    }
    return out;
  }

  /** Every entry of a per-CPU hash, left in place: each entry's value on every possible CPU (padded to 8 bytes). */
  readPercpuHash(name: string, keySize: number, valueSize: number): { key: Buffer; values: Buffer[] }[] {
    const cpus = Math.max(1, lib().numPossibleCpus());
    const stride = (valueSize + 7) & ~7;
    return this.readHash(name, keySize, stride * cpus).map(({ key, value }) => ({
      key,
      values: Array.from({ length: cpus }, (_, cpu) => value.subarray(cpu * stride, cpu * stride + valueSize)),
    }));
  }

  /** Delete one entry of a hash (absent: nothing to do). */
  deleteKey(name: string, key: Buffer): void {
    lib().mapDelete(this.mapPtr(name) as never, key, key.length, 0n);
  }

  /**
   * drainHash for a per-CPU hash: each entry's value on every possible CPU
   * (the kernel pads each to 8 bytes).
   */
  drainPercpuHash(name: string, keySize: number, valueSize: number): { key: Buffer; values: Buffer[] }[] {
    const cpus = Math.max(1, lib().numPossibleCpus());
    const stride = (valueSize + 7) & ~7;
    return this.drainHash(name, keySize, stride * cpus).map(({ key, value }) => ({
      key,
      values: Array.from({ length: cpus }, (_, cpu) => value.subarray(cpu * stride, cpu * stride + valueSize)),
    }));
  }

  private mapPtr(name: string): Ptr {
    const m = this.maps.get(name);
    if (!m) throw new BpfError(`no map ${name} in ${this.path}`);
    return m;
  }

  mapFd(name: string): number {
    return lib().mapFd(this.mapPtr(name) as never);
  }

  mapMaxEntries(name: string): number {
    return lib().mapMaxEntries(this.mapPtr(name) as never);
  }

  /** Sum of a per-CPU u64 array slot over all CPUs. */
  percpuSum(name: string, index: number, cpus: number): bigint {
    const value = Buffer.alloc(8 * cpus);
    const key = Buffer.alloc(4);
    key.writeUInt32LE(index);
    const err = lib().mapLookup(this.mapPtr(name) as never, key, 4, value, value.length, 0n);
    if (err < 0) return 0n;
    let sum = 0n;
    for (let cpu = 0; cpu < cpus; cpu++) sum += value.readBigUInt64LE(cpu * 8);
    return sum;
  }

  /** Insert a u32 key with a u8 value (the `followed` set). */
  addU32Key(name: string, key: number): boolean {
    const k = Buffer.alloc(4);
    k.writeUInt32LE(key);
    return lib().mapUpdate(this.mapPtr(name) as never, k, 4, Buffer.from([1]), 1, 0n) === 0;
  }

  /** Set a u32 key's value (any size) in a hash map. */
  putU32Key(name: string, key: number, value: Buffer): boolean {
    const k = Buffer.alloc(4);
    k.writeUInt32LE(key);
    return lib().mapUpdate(this.mapPtr(name) as never, k, 4, value, value.length, 0n) === 0;
  }

  /** A u32 key's value of `size` bytes, or undefined when absent. */
  lookupU32Key(name: string, key: number, size: number): Buffer | undefined {
    const k = Buffer.alloc(4);
    k.writeUInt32LE(key);
    const value = Buffer.alloc(size);
    return lib().mapLookup(this.mapPtr(name) as never, k, 4, value, size, 0n) === 0 ? value : undefined;
  }

  /** The oldest element of a queue map, taken out; undefined when it is empty. */
  pop(name: string, size: number): Buffer | undefined {
    const value = Buffer.alloc(size);
    return lib().mapLookupAndDelete(this.mapPtr(name) as never, null, 0, value, size, 0n) === 0 ? value : undefined;
  }

  deleteU32Key(name: string, key: number): boolean {
    const k = Buffer.alloc(4);
    k.writeUInt32LE(key);
    return lib().mapDelete(this.mapPtr(name) as never, k, 4, 0n) === 0;
  }

  get attachedLinks(): number {
    return this.links.length;
  }

  /**
   * Nothing more is made: ct_stopped (bpf/common.h) set through the .bss
   * mapping, which the programs read at their scope check. Immediate, where
   * destroying links waits for the kernel; false when the object has no
   * such flag (the caller detaches).
   */
  stopEvents(): boolean {
    const n = lib();
    const bss = [...this.maps.entries()].find(([name]) => name.endsWith('.bss'))?.[1];
    if (!bss || !this.obj) return false;
    const v = sectionVariables(n.objBtf(this.obj as never), '.bss').get('ct_stopped');
    const size = [0];
    const mem = n.mapInitialValue(bss as never, size as never);
    if (!v || v.size !== 4 || isNull(mem) || v.offset + 4 > size[0]) return false;
    new DataView(view(mem, size[0])).setUint32(v.offset, 1, true);
    return true;
  }

  /**
   * Detach every program off the event loop: each link destroyed on a
   * worker thread, all at once (the kernel's wait for readers is taken once
   * for many); resolves when all are gone. Maps stay readable until destroy().
   */
  async detachInBackground(): Promise<void> {
    const n = lib();
    const links = this.links.splice(0);
    await Promise.all(links.map((link) => new Promise<void>((resolve) => n.linkDestroy.async(link as never, () => resolve()))));
  }

  /** Detach every program (links destroyed); maps stay readable until destroy(). */
  detach(): void {
    const n = lib();
    for (const link of this.links.splice(0)) n.linkDestroy(link as never);
  }

  /** Detach all programs and free the object (closing its map and program fds). */
  destroy(): void {
    this.detach();
    if (this.obj) {
      lib().close(this.obj as never);
      this.obj = null;
    }
  }
}

function closeFd(fd: number): void {
  try {
    require('node:fs').closeSync(fd);
  } catch {
    /* closed already */
  }
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function attachHint(section: string, errno: number): string {
  if (section.startsWith('tracepoint/') && errno === 2) {
    return ' — is tracefs mounted? (mount -t tracefs tracefs /sys/kernel/tracing)';
  }
  if (section.startsWith('kprobe/') || section.startsWith('kretprobe/')) {
    return ' — this kernel may lack kprobes (CONFIG_KPROBES)';
  }
  return '';
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i > 0 ? p.slice(0, i) : '.';
}
