/** tcp kind: decoder for `struct tcp_event` (bpf/tcp.h). */
import type { TcpEvent } from '../../protocol';
import { readHeader, type DecodeContext, type Layout } from '../shared/decode';
import { ipString } from '../shared/net';

export const TCP_LAYOUT = {
  struct: 'tcp_event',
  fields: { hdr: 0, duration_ns: 48, bytes_sent: 56, bytes_received: 64, saddr: 72, daddr: 88, family: 104, sport: 106, dport: 108, attributed: 110, oldstate: 112, newstate: 116 },
  sizes: { saddr: 16, daddr: 16 },
} satisfies Layout;

const F = TCP_LAYOUT.fields;
const STATES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV'];
const AF_INET6 = 10;
const CLOSE = 7;

export function tcpState(n: number): string {
  return STATES[n] ?? `state ${n}`;
}

export function decodeTcp(dv: DataView, bytes: Buffer, at: number, _len: number, ctx: DecodeContext): TcpEvent {
  const v6 = dv.getUint16(at + F.family, true) === AF_INET6;
  const newstate = dv.getInt32(at + F.newstate, true);
  const closed = newstate === CLOSE;
  const duration = Number(dv.getBigUint64(at + F.duration_ns, true));
  const attributed = dv.getUint16(at + F.attributed, true);
  const h = readHeader(dv, bytes, at, ctx);
  return {
    gadget: 'tcp', time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime,
    family: v6 ? 'IPv6' : 'IPv4',
    saddr: ipString(bytes, at + F.saddr, v6),
    sport: dv.getUint16(at + F.sport, true),
    daddr: ipString(bytes, at + F.daddr, v6),
    dport: dv.getUint16(at + F.dport, true),
    state: tcpState(newstate),
    oldState: tcpState(dv.getInt32(at + F.oldstate, true)),
    durationMs: duration ? Math.round(duration / 1e4) / 100 : null,
    bytesSent: closed ? Number(dv.getBigUint64(at + F.bytes_sent, true)) : null,
    bytesReceived: closed ? Number(dv.getBigUint64(at + F.bytes_received, true)) : null,
    attributed: attributed === 1 ? 'task' : attributed === 2 ? 'owner' : 'none',
  };
}
