/**
 * --stack: the stacks a record ends with (bpf/types.h struct ct_stack_footer,
 * bpf/common.h ct_submit_with), read on both sides: the helper finds the
 * files the frames name (src/engine/stacks.ts), the client makes them frames
 * (RecordDecoder) and symbolizes them. User frames come as the kernel's
 * struct bpf_stack_build_id: a build ID and file offset resolved while the
 * process lived, or (status 2) only the address; kernel frames as addresses.
 */
import type { ProfileFrame, RecordStacks, StackMapping } from '../../protocol';
import { HDR_LAYOUT, type Layout } from './decode';

/** Bit 62 of ts_ns (bit 30 of its high word): the record carries stacks. */
export const STACK_TS_BIT = 0x40000000;
/** struct ct_stack_footer (bpf/types.h): a test checks it against the objects' BTF. */
export const STACK_FOOTER_LAYOUT = {
  struct: 'ct_stack_footer',
  fields: { ip: 0, sp: 8, bp: 16, user: 24, kernel: 26, copy: 28, pad: 30, magic: 32, maps_pid: 36 },
  size: 40,
} satisfies Layout;
const F = STACK_FOOTER_LAYOUT.fields;
const FOOTER = STACK_FOOTER_LAYOUT.size;
/** struct bpf_stack_build_id: status (s32), build_id[20], then offset or ip (u64). */
export const BUILD_ID_FRAME_LAYOUT = { struct: 'bpf_stack_build_id', fields: { status: 0, build_id: 4 }, size: 32 } satisfies Layout;
/** Bytes of user stack a record carries at most (CT_STACK_COPY). */
export const STACK_COPY = 8192;
const MAGIC = 0x6b735443;
const BUILD_ID_FRAME = BUILD_ID_FRAME_LAYOUT.size;
const BUILD_ID_BYTES = 20;
/** Frames of each kind a record carries at most (CT_STACK_DEPTH). */
export const STACK_DEPTH = 32;
const STATUS_VALID = 1;
const STATUS_IP = 2;

/** Where a record's stacks lie, and how long the record is before them. */
export interface StackTrailer {
  /** The record's own bytes (what its kind's decoder reads). */
  bodyLen: number;
  userAt: number;
  user: number;
  kernelAt: number;
  kernel: number;
  /** The user stack's bytes from `sp`, and the registers where the task entered the kernel (0 when not taken). */
  copyAt: number;
  copy: number;
  ip: bigint;
  sp: bigint;
  bp: bigint;
  /** Whose memory the stack is of, when not the record's process (an exec's: its parent's), else 0. */
  mapsPid: number;
}

/** Whether the record at `at` carries stacks. */
export function hasStack(dv: DataView, at: number): boolean {
  return (dv.getUint32(at + HDR_LAYOUT.ts_ns + 4, true) & STACK_TS_BIT) !== 0;
}

/** The stacks of a record that says it has them, or undefined when its footer is not right (never trusted). */
export function stackTrailer(dv: DataView, at: number, len: number): StackTrailer | undefined {
  if (!hasStack(dv, at) || len < FOOTER + 48) return undefined;
  const f = at + len - FOOTER;
  if (dv.getUint32(f + F.magic, true) !== MAGIC) return undefined;
  const user = dv.getUint16(f + F.user, true);
  const kernel = dv.getUint16(f + F.kernel, true);
  const copy = dv.getUint16(f + F.copy, true);
  if (user > STACK_DEPTH || kernel > STACK_DEPTH || copy > STACK_COPY) return undefined;
  const copyAt = f - copy;
  const kernelAt = copyAt - kernel * 8;
  const userAt = kernelAt - user * BUILD_ID_FRAME;
  if (userAt - at < 48) return undefined;
  return { bodyLen: userAt - at, userAt, user, kernelAt, kernel, copyAt, copy, ip: dv.getBigUint64(f + F.ip, true), sp: dv.getBigUint64(f + F.sp, true), bp: dv.getBigUint64(f + F.bp, true), mapsPid: dv.getUint32(f + F.maps_pid, true) };
}

/** A build ID as the kernel gives it in a frame: 20 bytes, a shorter one padded with zeros (hex). */
export const paddedBuildId = (hex: string) => hex.padEnd(BUILD_ID_BYTES * 2, '0').slice(0, BUILD_ID_BYTES * 2);

/** One user frame as the kernel left it (`buildId`: padded, as paddedBuildId). */
export type RawUserFrame = { buildId: string; offset: number } | { address: bigint };

export function userFrames(dv: DataView, bytes: Buffer, t: StackTrailer): RawUserFrame[] {
  const out: RawUserFrame[] = [];
  for (let i = 0; i < t.user; i++) {
    const p = t.userAt + i * BUILD_ID_FRAME;
    const status = dv.getInt32(p, true);
    const value = dv.getBigUint64(p + 24, true);
    if (status === STATUS_VALID) out.push({ buildId: bytes.toString('hex', p + 4, p + 4 + BUILD_ID_BYTES), offset: Number(value) });
    else if (status === STATUS_IP) out.push({ address: value });
  }
  return out;
}

export function kernelAddresses(dv: DataView, t: StackTrailer): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < t.kernel; i++) out.push(dv.getBigUint64(t.kernelAt + i * 8, true));
  return out;
}

/** User addresses (and file offsets) lie below this (47 bits on x86-64, 48 on arm64). */
const USER_LIMIT = 2 ** 48;
/** Kernel functions of the tracing itself, at the start of a kernel stack. */
const TRACER_FRAME = /^(bpf_prog_|bpf_trace_run|__traceiter_|__bpf_trace_|trace_call_bpf$|perf_trace_|trace_event_raw_event_)/;

/** A kernel function of the tracing itself (the BPF program, the tracepoint's call of it): said nothing of the traced, dropped at a stack's start. */
export const isTracerFrame = (name: string | null): boolean => !!name && TRACER_FRAME.test(name);

/** A user frame's key among a batch's stacks: `hostPid:address` (hex). */
export const userKey = (hostPid: number, address: bigint) => `${hostPid}:${address.toString(16)}`;

/**
 * A record's frames (leaf first: kernel, then user), from its trailer and
 * what the helper found for the batch. Frames it could not place keep what
 * is known: the build ID and offset, or the address.
 */
export function recordFrames(dv: DataView, bytes: Buffer, t: StackTrailer, hostPid: number, found: RecordStacks | undefined): ProfileFrame[] {
  const frames: ProfileFrame[] = [];
  for (const a of kernelAddresses(dv, t)) {
    const k = found?.kernel[a.toString(16)];
    // The tracer's own frames (the BPF program and the tracepoint's call of it) say nothing of the event.
    if (!frames.length && isTracerFrame(k?.function ?? null)) continue;
    frames.push(k ? { ...k } : { function: null, file: null, line: null, module: '[kernel]', offset: 0, kernel: true });
  }
  for (const f of userFrames(dv, bytes, t)) {
    // A frame-pointer walk ends on whatever the last frame held: not a user address, no frame.
    if ('buildId' in f ? f.offset >= USER_LIMIT : f.address >= BigInt(USER_LIMIT)) break;
    if ('buildId' in f) {
      const file = found?.files[f.buildId];
      const frame: ProfileFrame = { function: null, file: null, line: null, module: file?.module ?? `[build ID ${f.buildId.replace(/(00)+$/, '')}]`, offset: f.offset, buildId: file?.buildId ?? f.buildId };
      if (file?.fileId) frame.fileId = file.fileId;
      frames.push(frame);
    } else {
      const u = found?.user[userKey(hostPid, f.address)];
      frames.push(u ? { ...u } : { function: null, file: null, line: null, module: '[unknown]', offset: Number(f.address) });
    }
  }
  return frames;
}

/** One frame, one line: `function file:line (module+0xoffset)`; what is not known is left out. */
export function frameText(f: ProfileFrame): string {
  const where = f.file ? ` ${f.file}${f.line ? ':' + f.line : ''}` : '';
  const module = f.kernel ? ' [kernel]' : ` (${f.module.slice(f.module.lastIndexOf('/') + 1)}+0x${f.offset.toString(16)})`;
  return `${f.function ?? '??'}${f.inlined ? ' [inlined]' : ''}${where}${module}`;
}

/** What unwinding a record's copied stack needs: the registers, the bytes from sp, its process's code. */
export interface UnwindInput {
  ip: number;
  sp: number;
  bp: number;
  copy: Buffer;
  maps: StackMapping[];
  /** Kernel frames at the start of the event's stack (the user frames follow them). */
  kernel: number;
}

/**
 * Events whose stacks can still be unwound from their copy (the decoder
 * sets it, the symbolizer takes it and deletes it): kept beside the event,
 * never in it, so that no copy is written out or kept with the event.
 */
export const UNWIND = new WeakMap<object, UnwindInput>();

/** An event's frames under its line (the CLI's text and the output channel), leaf first, each indented. */
export function stackLines(stack: ProfileFrame[], clean: (s: string) => string): string {
  return stack.length ? stack.map((f) => '\n    ' + clean(frameText(f))).join('') : '\n    (no stack: a kernel thread, or taken where none could be)';
}
