/** bind: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/bind.bpf.c, bpf/bind.h. */
import { defineRootKind, stackKnob } from '../root-part';
import { BIND_LAYOUT } from './decode';

export default defineRootKind({ name: 'bind', object: 'bind.bpf.o', layout: BIND_LAYOUT, needs: ['tracepoint'], knobs: stackKnob });
