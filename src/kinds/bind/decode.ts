/** bind kind: decoder for `struct bind_event` (bpf/bind.h). */
import type { BindEvent } from '../../protocol';
import { readHeader, errnoName, type DecodeContext, type Layout } from '../shared/decode';
import { ipString } from '../shared/net';

export const BIND_LAYOUT = {
  struct: 'bind_event',
  fields: { hdr: 0, ret: 48, family: 52, port: 54, addr: 56, type: 72, protocol: 74, fd: 76 },
  sizes: { addr: 16 },
} satisfies Layout;

const F = BIND_LAYOUT.fields;
const FAMILIES: Record<number, string> = { 1: 'unix', 2: 'IPv4', 10: 'IPv6', 16: 'netlink', 17: 'packet' };
const TYPES: Record<number, string> = { 1: 'stream', 2: 'dgram', 3: 'raw', 5: 'seqpacket' };
const PROTOCOLS: Record<number, string> = { 0: 'default', 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp', 136: 'udplite', 262: 'mptcp' };

export function decodeBind(dv: DataView, bytes: Buffer, at: number, _len: number, ctx: DecodeContext): BindEvent {
  const ret = dv.getInt32(at + F.ret, true);
  const family = dv.getUint16(at + F.family, true);
  const inet = family === 2 || family === 10;
  const type = dv.getUint16(at + F.type, true);
  const protocol = dv.getUint16(at + F.protocol, true);
  const h = readHeader(dv, bytes, at, ctx);
  return {
    gadget: 'bind', time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime,
    fd: dv.getInt32(at + F.fd, true),
    family: FAMILIES[family] ?? `family ${family}`,
    address: inet ? ipString(bytes, at + F.addr, family === 10) : '',
    port: inet ? dv.getUint16(at + F.port, true) : 0,
    socketType: TYPES[type] ?? (type ? `type ${type}` : ''),
    // Protocol 0 picks the family's default for the type: TCP for streams, UDP for datagrams.
    protocol: protocol ? PROTOCOLS[protocol] ?? `protocol ${protocol}` : inet ? (type === 1 ? 'tcp' : type === 2 ? 'udp' : '') : '',
    ret,
    ...(ret < 0 ? { error: errnoName(ret) } : {}),
  };
}
