/** exec: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/exec.bpf.c, bpf/exec.h. */
import { defineRootKind, stackKnob } from '../root-part';
import { EXEC_LAYOUT } from './decode';

export default defineRootKind({ name: 'exec', object: 'exec.bpf.o', layout: EXEC_LAYOUT, needs: ['tracepoint'], knobs: stackKnob });
