/**
 * What a trace kind is, in one place (src/gadgets/<kind>/index.ts): the spec
 * both sides share — name, words, options, how an event reads — and the
 * helper part — its BPF object, record layout, decoder or map collector,
 * kernel settings and attach needs. The registry (./kinds) lists them.
 */
import type { Summary } from '../webview/panels';
import type { BpfObject } from '../bpf/object';
import type { AttachType } from '../bpf/probe';
import type { EventBase, TraceOptions, TraceStartParams } from '../protocol';
import type { DecodeContext, Layout } from './decode';
import type { OptionSpec } from './options';
import type { UprobeTarget } from '../uprobe/target';

export type Decoder<E extends EventBase = EventBase> = (dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext) => E;
export type Collector<E extends EventBase = EventBase> = (obj: BpfObject, ctx: DecodeContext, options: { intervalMs: number; top: number }) => E[];

/** Where a kind's events come from: records in the ring buffer, or reports read from its maps. */
export type EventSource<E extends EventBase> = { ring: Decoder<E>; maps?: never } | { maps: Collector<E>; ring?: never };

/** What a uprobe attaches to. */
export interface AttachSpec {
  /** Host PID to attach to, or -1 for every process (the scope filter in BPF). */
  pid: number;
  uprobe?: { hostPath: string; offset: number };
}

export type Knob = number | bigint | boolean;

export interface KindSpec<E extends EventBase = EventBase> {
  name: E['gadget'];
  /** In a few words (CLI help, pickers). */
  what: string;
  /** A codicon. */
  icon: string;
  options?: OptionSpec[];
  /** Options it cannot run without, and the error that says so. */
  required?: { keys: (keyof TraceOptions)[]; why: string };
  /** Extra entries the kind picker offers (e.g. open, failed only). */
  presets?: { label: string; options: TraceOptions }[];
  /** Runs on one container only (no selectors). */
  oneContainer?: boolean;
  /** The kind-specific part of an event, one line. */
  text(e: E): string;
  /**
   * The kind's own fields as JSON, after the common ones (comma first), exactly
   * as JSON.stringify writes them: JSON lines for floods (src/gadgets/json.ts).
   */
  jsonTail?(e: E): string;
  /** The live view's Summary tab: tables, a tree, charts built from every event (raw events are in its Events tab). */
  summary?(): Summary<E>;
  /** Whether the event reports a failure (shown in red). */
  failed?(e: E): boolean;
  /** The CLI's columns after TIME, when not PID TID HOSTPID COMM + DETAILS (text). */
  columns?: { head: [string, number][]; values(e: E): (string | number)[]; rest: string; restValue(e: E): string };
}

export interface KindHelper<E extends EventBase = EventBase> {
  /** File name under dist/bpf/. */
  object: string;
  layout: Layout;
  source: EventSource<E>;
  /** Attach types it cannot do without. */
  needs: AttachType[];
  /** Alternatives: the first whose attach type the kernel offers is used, the others' programs are not loaded. */
  variants?: { type: AttachType; programs: string[] }[];
  /** Programs attached only where their tracepoint exists (e.g. open(2) on x86 only). */
  optional?: { program: string; tracepoint: string }[];
  /** Attaches these programs itself (the others attach by their section name). */
  attach?: { programs: string[]; run: (obj: BpfObject, spec: AttachSpec) => void };
  /**
   * A file the kind attaches to (uprobe), found and opened before the load:
   * from the traced process (or the container's init), its options, and
   * whether one process is traced (the kernel then filters by its PID).
   */
  file?(hostPid: number, options: TraceOptions, onePid: boolean): UprobeTarget;
  /** `.rodata` settings of its own, from the request and the container's init. */
  knobs?(params: TraceStartParams, containerHostPid: number): Record<string, Knob>;
  /**
   * A record straight to its JSON line (as eventJson writes the decoded
   * event), ASCII only, when it can; undefined and the caller decodes. For
   * floods written as JSON lines (src/gadgets/record-decoder.ts).
   */
  jsonRecord?(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext): string | undefined;
  /**
   * Whether a raw record reports a failure, read from its bytes without
   * decoding: when the client falls behind, the helper sends these first and
   * drops the others (as the kernel does when the ring buffer fills).
   */
  failedRecord?(dv: DataView, at: number, len: number): boolean;
}

export interface Kind<E extends EventBase = EventBase> {
  spec: KindSpec<E>;
  helper: KindHelper<E>;
}

/** A kind, typed by its event (keeps each kind's text() and decoder honest). */
export function defineKind<E extends EventBase>(kind: Kind<E>): Kind<E> {
  return kind;
}
