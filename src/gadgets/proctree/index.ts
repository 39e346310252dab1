/** proctree: fork, exec and exit — who started whom. BPF: bpf/proctree.bpf.c, bpf/proctree.h. */
import type { ProctreeEvent } from '../../protocol';
import { defineKind } from '../kind';
import { ProcessTree } from './summary';
import { decodeProctree, PROCTREE_LAYOUT } from './decode';

export default defineKind<ProctreeEvent>({
  spec: {
    summary: () => new ProcessTree(),
    name: 'proctree',
    what: 'fork, exec and exit: who started whom',
    icon: 'type-hierarchy',
    text: (e) => {
      if (e.kind === 'fork') return `fork → child ${e.childPid || 'host ' + e.childHostPid}`;
      if (e.kind === 'exec') return `exec ${e.filename}`;
      return `exit ${e.signal ? `by ${e.signal}` : e.exitCode}`;
    },
    failed: (e) => e.kind === 'exit' && (e.signal !== null || (e.exitCode ?? 0) !== 0),
  },
  helper: { object: 'proctree.bpf.o', needs: ['raw_tp', 'tracepoint'], layout: PROCTREE_LAYOUT, source: { ring: decodeProctree } },
});
