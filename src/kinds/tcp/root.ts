/** tcp: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/tcp.bpf.c, bpf/tcp.h. */
import { namespaceInode } from '../../proc/ns';
import { defineRootKind, stackKnob } from '../root-part';
import { TCP_LAYOUT } from './decode';

export default defineRootKind({
  name: 'tcp',
  object: 'tcp.bpf.o',
  layout: TCP_LAYOUT,
  needs: ['tracepoint'],
  // The container's own network namespace scopes its sockets, also in
  // softirq context; a container on the host's network (or a selector) has none.
  knobs: (params, hostPid) => {
    if (params.selector) return { targ_netns_ino: 0, ...stackKnob(params) };
    const theirs = namespaceInode(hostPid, 'net');
    return { targ_netns_ino: theirs !== undefined && theirs !== namespaceInode('self', 'net') ? theirs : 0, ...stackKnob(params) };
  },
});
