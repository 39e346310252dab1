/**
 * A kind's root part (src/kinds/<kind>/root.ts): what the helper does for
 * it as root — the BPF object it loads and the struct its records carry,
 * the attach types it needs and the variants it chooses from, programs the
 * kernel may lack, its `.rodata` knobs, the file it attaches to, the report
 * it reads from maps, and the failure test on raw records. Its program,
 * tracepoint, knob and map names are checked by the compiler against the
 * object's generated description (src/bpf/objects.ts). Never imported by
 * the extension.
 */
import type { AttachType } from '../bpf/probe';
import type { Knobs, MapName, OptionalProgram, ProgramName, TraceObjectName } from '../bpf/skeleton';
import type { KindEvent, KindName, TraceEvent, TraceOptions, TraceStartParams } from '../protocol';
import type { UprobeTarget } from '../uprobe/target';
import type { DecodeContext, Layout } from './shared/decode';
import type { FileRegistry } from '../engine/files';

/** The maps of a loaded object a collector drains, by the names the object has (BpfObject). */
export interface MapReader<M extends string = string> {
  drainHash(name: M, keySize: number, valueSize: number): { key: Buffer; value: Buffer }[];
  drainPercpuHash(name: M, keySize: number, valueSize: number): { key: Buffer; values: Buffer[] }[];
  /** Every entry, left in place. */
  readPercpuHash(name: M, keySize: number, valueSize: number): { key: Buffer; values: Buffer[] }[];
  deleteKey(name: M, key: Buffer): void;
  /** Every entry, left in place. */
  readHash(name: M, keySize: number, valueSize: number): { key: Buffer; value: Buffer }[];
  /** A u32 key's value (a stack by its id), or undefined. */
  lookupU32Key(name: M, key: number, size: number): Buffer | undefined;
  /** Set a u32 key's value (an array's slot). */
  putU32Key(name: M, key: number, value: Buffer): boolean;
}

/** The programs of a loaded object a kind attaches itself, by the names the object has (BpfObject). */
export interface ProgramAttacher<P extends string = string> {
  attachUprobe(program: P, retprobe: boolean, pid: number, file: string, offset: number): void;
  /** Attach to a perf event descriptor, which the link then owns. */
  attachPerfEvent(program: P, pfd: number): void;
  /** Attach by its section name. */
  attachProgram(program: P): void;
}

/** A report read from the kind's maps each interval (kinds that aggregate in the kernel). */
export type Collector<E extends TraceEvent = TraceEvent, M extends string = string> = (maps: MapReader<M>, ctx: DecodeContext, options: CollectOptions) => E[];

export interface CollectOptions {
  /** Milliseconds the report covers. */
  intervalMs: number;
  top: number;
  /** The last read, the programs detached (nothing is written any more). */
  final: boolean;
  /** The files of the engine's profiles, whose bytes the client may ask for (./../engine/files). */
  files: FileRegistry;
  /** The trace's options (checked by the client part). */
  options: TraceOptions;
  /** One container: the inode of its PID namespace (0 for a selector, whose members are in the context's byPidns). */
  pidns?: number;
}

/** What a uprobe attaches to. */
export interface AttachSpec {
  /** Host PID to attach to, or -1 for every process (the scope filter in BPF). */
  pid: number;
  uprobe?: { hostPath: string; offset: number };
  /** profile: samples a second on each CPU. */
  hz: number;
  /** The trace's options (checked by the client part). */
  options: TraceOptions;
}

export interface RootKind<K extends KindName, O extends TraceObjectName> {
  name: K;
  /** File name under dist/bpf/. */
  object: O;
  /** The struct its records (or map values) carry: a test checks it against the object's BTF. */
  layout: Layout;
  /** Attach types it cannot do without. */
  needs: AttachType[];
  /** Alternatives: the first whose attach type the kernel offers is used, the others' programs are not loaded. */
  variants?: { type: AttachType; programs: ProgramName<O>[] }[];
  /** Programs attached only where their tracepoint exists (e.g. open(2) on x86 only). */
  optional?: OptionalProgram<O>[];
  /** Programs these options leave out, not loaded (profile's on-CPU or off-CPU program). */
  unused?(options: TraceOptions): ProgramName<O>[];
  /** Attaches these programs itself (the others attach by their section name). */
  attach?: { programs: ProgramName<O>[]; run: (obj: ProgramAttacher<ProgramName<O>>, spec: AttachSpec) => void };
  /**
   * A file the kind attaches to (uprobe), found and opened before the load:
   * from the traced process (or the container's init), its options, and
   * whether one process is traced (the kernel then filters by its PID).
   */
  file?(hostPid: number, options: TraceOptions, onePid: boolean): UprobeTarget;
  /** `.rodata` settings of its own, from the request and the container's init. */
  knobs?(params: TraceStartParams, containerHostPid: number): Knobs<O>;
  /** Kinds that aggregate in the kernel: the report period when the request names none (default 1000 ms). */
  intervalMs?: number;
  /** Kernel memory its maps take beyond the ring buffer (accounted with the ring buffers). */
  mapBytes?: number;
  /** Kinds that aggregate in the kernel: their reports, read from maps (the others' records go out raw). */
  collect?: Collector<KindEvent<K>, MapName<O>>;
  /**
   * Whether a raw record reports a failure, read from its bytes without
   * decoding: when the client falls behind, the helper sends these first and
   * drops the others (as the kernel does when the ring buffer fills).
   */
  failedRecord?(dv: DataView, at: number, len: number): boolean;
}

/** A root part, typed by its name (its event) and its object (program and knob names). */
export function defineRootKind<K extends KindName, O extends TraceObjectName>(kind: RootKind<K, O>): RootKind<K, O> {
  return kind;
}

/** The root part of kind K, whichever object it loads. */
export type AnyRootKind<K extends KindName = KindName> = { [O in TraceObjectName]: RootKind<K, O> }[TraceObjectName];

/** Every kind's root part, by name: the compiler checks each name is there with its own event. */
export type RootKinds = { [K in KindName]: AnyRootKind<K> };

/** --stack: the knob that has a kind's programs take stacks (bpf/common.h ct_stack_flags: user and kernel). */
export function stackKnob(params: TraceStartParams): { ct_stack_flags: number } {
  return { ct_stack_flags: params.options?.stack ? 3 : 0 };
}
