/** Every trace kind the helper can run: its BPF object and its decoder. */
import type { GadgetName, TraceEvent } from '../protocol';
import type { DecodeContext } from './decode';
import { decodeExec } from './exec';

export interface Gadget {
  name: GadgetName;
  /** File name under dist/bpf/. */
  object: string;
  description: string;
  decode(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext): TraceEvent;
}

export const gadgets: Record<GadgetName, Gadget> = {
  exec: {
    name: 'exec',
    object: 'exec.bpf.o',
    description: 'programs started (execve/execveat), failed ones too',
    decode: decodeExec,
  },
};

export { WallClock, type DecodeContext } from './decode';
