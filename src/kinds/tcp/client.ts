/** tcp: connections through their states. The client part (the root part: ./root). BPF: bpf/tcp.bpf.c, bpf/tcp.h. */
import type { TcpEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { STACK_PRESET, stackOption } from '../shared/options';
import { Connections } from './summary';
import { decodeTcp } from './decode';

export default defineClientKind<TcpEvent>({
  name: 'tcp',
  decode: decodeTcp,
  what: 'TCP connects, accepts, closes: addresses, ports, states, lifetime, bytes',
  icon: 'plug',
  options: [stackOption],
  presets: [STACK_PRESET],
  summary: () => new Connections(),
  text: (e) => {
    const addr = (a: string, p: number) => (e.family === 'IPv6' ? `[${a}]:${p}` : `${a}:${p}`);
    const extra = [
      e.durationMs !== null ? `${e.durationMs} ms` : '',
      e.bytesSent !== null ? `sent ${e.bytesSent} B, received ${e.bytesReceived} B` : '',
      e.attributed === 'none' ? 'no process (softirq)' : '',
    ].filter(Boolean);
    return `${addr(e.saddr, e.sport)} → ${addr(e.daddr, e.dport)}  ${e.oldState} → ${e.state}${extra.length ? `  (${extra.join(', ')})` : ''}`;
  },
});
