/** Every trace kind the helper can run: its BPF object, decoder and options. */
import type { GadgetName, TraceEvent } from '../protocol';
import type { DecodeContext, Layout } from './decode';
import { decodeExec, EXEC_LAYOUT } from './exec';
import { decodeExit, EXIT_LAYOUT } from './exit';
import { decodeOpen, OPEN_LAYOUT } from './open';
import { decodeSignal, SIGNAL_LAYOUT } from './signal';
import { decodeTcp, TCP_LAYOUT } from './tcp';

export type Decoder = (dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext) => TraceEvent;

export interface Gadget {
  name: GadgetName;
  /** File name under dist/bpf/. */
  object: string;
  layout: Layout;
  decode: Decoder;
  /** Programs attached only where their tracepoint exists (e.g. open(2) on x86 only). */
  optional?: { program: string; tracepoint: string }[];
}

export const gadgets: Record<GadgetName, Gadget> = {
  exec: {
    name: 'exec',
    object: 'exec.bpf.o',
    layout: EXEC_LAYOUT,
    decode: decodeExec,
  },
  exit: {
    name: 'exit',
    object: 'exit.bpf.o',
    layout: EXIT_LAYOUT,
    decode: decodeExit,
  },
  open: {
    name: 'open',
    object: 'open.bpf.o',
    layout: OPEN_LAYOUT,
    decode: decodeOpen,
    optional: [
      { program: 'open_enter_open', tracepoint: 'syscalls/sys_enter_open' },
      { program: 'open_exit_open', tracepoint: 'syscalls/sys_exit_open' },
      { program: 'open_enter_openat2', tracepoint: 'syscalls/sys_enter_openat2' },
      { program: 'open_exit_openat2', tracepoint: 'syscalls/sys_exit_openat2' },
    ],
  },
  signal: {
    name: 'signal',
    object: 'signal.bpf.o',
    layout: SIGNAL_LAYOUT,
    decode: decodeSignal,
  },
  tcp: {
    name: 'tcp',
    object: 'tcp.bpf.o',
    layout: TCP_LAYOUT,
    decode: decodeTcp,
  },
};

export { WallClock, type DecodeContext } from './decode';
