/** proctree: fork, exec and exit — who started whom. The client part (the root part: ./root). BPF: bpf/proctree.bpf.c, bpf/proctree.h. */
import type { ProctreeEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { ProcessTree } from '../shared/process-tree';
import { decodeProctree } from './decode';

export default defineClientKind<ProctreeEvent>({
  name: 'proctree',
  decode: decodeProctree,
  what: 'fork, exec and exit: who started whom',
  icon: 'type-hierarchy',
  summary: () => new ProcessTree(true, true),
  text: (e) => {
    if (e.kind === 'fork') return `fork → child ${e.childPid || 'host ' + e.childHostPid}`;
    if (e.kind === 'exec') return e.argv0 ? `exec ${e.argv0} [${e.filename}]` : `exec ${e.filename}`;
    return `exit ${e.signal ? `by ${e.signal}${e.oomKilled ? ' (OOM killer)' : ''}` : e.exitCode}`;
  },
  failed: (e) => e.kind === 'exit' && (e.signal !== null || (e.exitCode ?? 0) !== 0),
});
