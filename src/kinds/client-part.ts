/**
 * A kind's client part (src/kinds/<kind>/client.ts): everything about it
 * that runs unprivileged — its words and options, the decoder of its ring
 * records and their JSON writer, how an event reads (text, failure,
 * columns) and its live summary. The extension, the CLI and the helper's
 * request checks read it; it imports nothing of the root side.
 */
import type { JsonBytes } from './shared/json-bytes';
import type { Summary } from '../webview/panels';
import type { KindEvent, KindName, TraceEvent, TraceOptions } from '../protocol';
import type { DecodeContext } from './shared/decode';

/** One ring record (`len` bytes at `at`, indexed from the batch's start) into its event. */
export type Decoder<E extends TraceEvent = TraceEvent> = (dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext) => E;

/**
 * A record straight to its JSON line as bytes (as eventJson writes the
 * decoded event), ASCII only, when it can: true once written; false (what
 * it wrote is rolled back) and the caller decodes.
 */
export type RecordJsonWriter = (dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext, w: JsonBytes) => boolean;

/**
 * Kinds whose events pair records (a DNS query and its answer): one per
 * trace, holding records (bounded) until their event is whole or its time
 * has run out. The record decoder calls it instead of a Decoder.
 */
export interface Pairer<E extends TraceEvent = TraceEvent> {
  /** One record; the events it completes go into `out` (none while it waits for its pair). */
  add(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext, out: E[]): void;
  /** Events whose wait ran out by `nowNs` (CLOCK_MONOTONIC, the records' clock) into `out`. */
  expire(nowNs: number, out: E[]): void;
  /** The trace ended: every event still held into `out`, and nothing held any more. */
  flush(nowNs: number, out: E[]): void;
  /** Whether anything is held (a receiver looks at it between batches only then). */
  readonly holding: boolean;
}

export interface OptionSpec {
  /** Field of TraceOptions. */
  key: keyof TraceOptions;
  /** CLI flag, without the dashes. */
  flag: string;
  /** CLI value placeholder; absent for a boolean flag. */
  arg?: string;
  help: string;
  /** Why a request's value is wrong, or undefined. */
  check(v: unknown): string | undefined;
  /** A CLI flag's text to the request value (booleans: true); throws a message on bad input. */
  fromFlag(text: string | true): unknown;
  /** The request value as the flag's text, where it is not the value itself (e.g. milliseconds given in seconds). */
  toFlag?(v: unknown): string;
  /** How the extension asks for it when a kind needs it: a file the process maps (or typed), or typed text. */
  ask?: 'mapped-file' | 'text';
}

export interface ClientKind<E extends TraceEvent = TraceEvent> {
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
  /** One container, which may be waited for (traced from its first exec; a restart's run reported as its own). */
  waits?: boolean;
  /** Ring-buffer kinds: their records decoded (kinds read from maps get decoded reports from the helper). */
  decode?: Decoder<E>;
  /** Ring-buffer kinds that pair records into events (instead of `decode`): a new one per trace, with the trace's options. */
  pairer?(options: TraceOptions): Pairer<E>;
  /** Floods written as JSON lines: a record to its line without the decoded object (src/kinds/record-decoder.ts). */
  recordJson?: RecordJsonWriter;
  /** The kind-specific part of an event, one line. */
  text(e: E): string;
  /**
   * The kind's own fields as JSON, after the common ones (comma first), exactly
   * as JSON.stringify writes them: JSON lines for floods (./client-registry).
   */
  jsonTail?(e: E): string;
  /** The live view's Summary tab: tables, a tree, charts built from every event (raw events are in its Events tab). */
  summary?(): Summary<E>;
  /** Whether the event reports a failure (shown in red). */
  failed?(e: E): boolean;
  /**
   * Kinds whose events carry stacks: the client symbolizes their frames
   * (src/client/symbolize) before it shows or writes them.
   */
  stacks?: true;
  /** Kinds that report a batch per interval: the CLI's text for one report, instead of a line per event (`top`: rows at most). */
  report?(events: E[], top: number): string;
  /** The path inside the container an event names (an open's file, an exec's program): shown as a link to its workspace file when it maps to one. */
  path?(e: E): string | undefined;
  /** Lower-case words the live view's filter matches with `%word` and `syscall:` terms (the syscall kind: its name and strace classes, `openat %desc %file`). */
  tags?(e: E): string;
  /** The errno name of a failed event (ENOENT), for the live view's `errno:` filter. */
  errno?(e: E): string | undefined;
  /** The CLI's columns after TIME, when not PID TID HOSTPID COMM + DETAILS (text). */
  columns?: { head: [string, number][]; values(e: E): (string | number)[]; rest: string; restValue(e: E): string };
}

/** A client part, typed by its event (keeps its text() and decoder honest). */
export function defineClientKind<E extends TraceEvent>(kind: ClientKind<E>): ClientKind<E> {
  return kind;
}

/** Every kind's client part, by name: the compiler checks each name is there with its own event. */
export type ClientKinds = { [K in KindName]: ClientKind<KindEvent<K>> };
