/** proctree: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/proctree.bpf.c, bpf/proctree.h. */
import { defineRootKind } from '../root-part';
import { PROCTREE_LAYOUT } from './decode';

export default defineRootKind({ name: 'proctree', object: 'proctree.bpf.o', layout: PROCTREE_LAYOUT, needs: ['raw_tp', 'tracepoint'] });
