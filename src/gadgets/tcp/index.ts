/** tcp: connections through their states. BPF: bpf/tcp.bpf.c, bpf/tcp.h. */
import type { TcpEvent } from '../../protocol';
import { defineKind } from '../kind';
import { Connections } from './summary';
import { decodeTcp, TCP_LAYOUT } from './decode';
import { namespaceInode } from '../../proc/ns';


export default defineKind<TcpEvent>({
  spec: {
    summary: () => new Connections(),
    name: 'tcp',
    what: 'TCP connects, accepts, closes: addresses, ports, states, lifetime, bytes',
    icon: 'plug',
    text: (e) => {
      const addr = (a: string, p: number) => (e.family === 'IPv6' ? `[${a}]:${p}` : `${a}:${p}`);
      const extra = [
        e.durationMs !== null ? `${e.durationMs} ms` : '',
        e.bytesSent !== null ? `sent ${e.bytesSent} B, received ${e.bytesReceived} B` : '',
        e.attributed === 'none' ? 'no process (softirq)' : '',
      ].filter(Boolean);
      return `${addr(e.saddr, e.sport)} → ${addr(e.daddr, e.dport)}  ${e.oldState} → ${e.state}${extra.length ? `  (${extra.join(', ')})` : ''}`;
    },
  },
  helper: {
    object: 'tcp.bpf.o',
    needs: ['tracepoint'],
    layout: TCP_LAYOUT,
    source: { ring: decodeTcp },
    // The container's own network namespace scopes its sockets, also in
    // softirq context; a container on the host's network (or a selector) has none.
    knobs: (params, hostPid) => {
      if (params.selector) return { targ_netns_ino: 0 };
      const theirs = namespaceInode(hostPid, 'net');
      return { targ_netns_ino: theirs !== undefined && theirs !== namespaceInode('self', 'net') ? theirs : 0 };
    },
  },
});
