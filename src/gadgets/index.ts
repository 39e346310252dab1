/** Every trace kind the helper can run: its BPF object, decoder and options. */
import type { GadgetName, TraceEvent } from '../protocol';
import type { DecodeContext, Layout } from './decode';
import { decodeExec, EXEC_LAYOUT } from './exec';
import { decodeExit, EXIT_LAYOUT } from './exit';
import { decodeOpen, OPEN_LAYOUT } from './open';
import { decodeSignal, SIGNAL_LAYOUT } from './signal';
import { decodeTcp, TCP_LAYOUT } from './tcp';
import { decodeProctree, PROCTREE_LAYOUT } from './proctree';
import { decodeUprobe, UPROBE_LAYOUT } from './uprobe';
import { decodeSyscallsEntry, syscallsReport, SYSCALLS_KEY_SIZE, SYSCALLS_LAYOUT, SYSCALLS_VALUE_SIZE } from './syscalls';
import type { BpfObject } from '../bpf/object';
import type { AttachType } from '../engine/check';

export type Decoder = (dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext) => TraceEvent;

export interface Gadget {
  name: GadgetName;
  /** File name under dist/bpf/. */
  object: string;
  layout: Layout;
  decode: Decoder;
  /** Programs attached only where their tracepoint exists (e.g. open(2) on x86 only). */
  optional?: { program: string; tracepoint: string }[];
  /** Attach types it cannot do without. */
  needs: AttachType[];
  /** Alternatives: the first whose attach type the kernel offers is used, the others' programs are not loaded. */
  variants?: { type: AttachType; programs: string[] }[];
  /** Attaches these programs itself (the others attach by their section name). */
  attach?: { programs: string[]; run: (obj: BpfObject, spec: AttachSpec) => void };
  /** Periodic reports read from maps (default: none; events come from the ring buffer). */
  collect?: (obj: BpfObject, ctx: DecodeContext, options: { intervalMs: number; top: number }) => TraceEvent[];
}

/** What a uprobe attaches to. */
export interface AttachSpec {
  /** Host PID to attach to, or -1 for every process (the scope filter in BPF). */
  pid: number;
  uprobe?: { hostPath: string; offset: number };
}

export const gadgets: Record<GadgetName, Gadget> = {
  exec: {
    name: 'exec',
    object: 'exec.bpf.o',
    needs: ['tracepoint'],
    layout: EXEC_LAYOUT,
    decode: decodeExec,
  },
  exit: {
    name: 'exit',
    object: 'exit.bpf.o',
    needs: ['tracepoint'],
    layout: EXIT_LAYOUT,
    decode: decodeExit,
  },
  open: {
    name: 'open',
    object: 'open.bpf.o',
    needs: ['tracepoint'],
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
    needs: ['raw_tp'],
    layout: SIGNAL_LAYOUT,
    decode: decodeSignal,
  },
  tcp: {
    name: 'tcp',
    object: 'tcp.bpf.o',
    needs: ['tracepoint'],
    layout: TCP_LAYOUT,
    decode: decodeTcp,
  },
  syscalls: {
    name: 'syscalls',
    object: 'syscalls.bpf.o',
    needs: [],
    layout: SYSCALLS_LAYOUT,
    variants: [
      { type: 'raw_tp', programs: ['syscalls_enter', 'syscalls_exit'] },
      { type: 'tracepoint', programs: ['syscalls_enter_tp', 'syscalls_exit_tp'] },
    ],
    decode: () => {
      throw new Error('syscalls sends no ring buffer events');
    },
    collect: (obj, ctx, { intervalMs, top }) => {
      const entries = obj.drainHash('syscalls', SYSCALLS_KEY_SIZE, SYSCALLS_VALUE_SIZE).map(({ key, value }) => decodeSyscallsEntry(key, value));
      return [syscallsReport(entries, intervalMs, top, ctx)];
    },
  },
  uprobe: {
    name: 'uprobe',
    object: 'uprobe.bpf.o',
    needs: ['uprobe', 'tracepoint'],
    layout: UPROBE_LAYOUT,
    decode: decodeUprobe,
    attach: {
      programs: ['uprobe_entry', 'uprobe_return'],
      run: (obj, spec) => {
        if (!spec.uprobe) throw new Error('uprobe needs a target and a function');
        obj.attachUprobe('uprobe_entry', false, spec.pid, spec.uprobe.hostPath, spec.uprobe.offset);
        obj.attachUprobe('uprobe_return', true, spec.pid, spec.uprobe.hostPath, spec.uprobe.offset);
      },
    },
  },
  proctree: {
    name: 'proctree',
    object: 'proctree.bpf.o',
    needs: ['raw_tp', 'tracepoint'],
    layout: PROCTREE_LAYOUT,
    decode: decodeProctree,
  },
};

export { WallClock, type DecodeContext } from './decode';
