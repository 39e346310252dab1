/** signal: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/signal.bpf.c, bpf/signal.h. */
import { defineRootKind, stackKnob } from '../root-part';
import { SIGNAL_LAYOUT } from './decode';

export default defineRootKind({ name: 'signal', object: 'signal.bpf.o', layout: SIGNAL_LAYOUT, needs: ['raw_tp'], knobs: stackKnob });
