/** exit: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/exit.bpf.c, bpf/exit.h. */
import { defineRootKind, stackKnob } from '../root-part';
import { EXIT_LAYOUT } from './decode';

export default defineRootKind({ name: 'exit', object: 'exit.bpf.o', layout: EXIT_LAYOUT, needs: ['tracepoint'], knobs: stackKnob });
