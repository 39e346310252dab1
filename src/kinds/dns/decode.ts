/** dns kind: the layout of `struct dns_event` (bpf/dns.h) and its records read (the messages are parsed and paired by ./exchanges). */
import type { Layout } from '../shared/decode';
import { ipString } from '../shared/net';

export const DNS_LAYOUT = {
  struct: 'dns_event',
  fields: { hdr: 0, sock_ino: 48, ret: 56, fd: 60, family: 64, port: 66, addr: 68, dir: 84, proto: 85, flags: 86, part: 87, len: 88, nr: 90, pad: 92, data: 96 },
  sizes: { addr: 16, data: 512 },
} satisfies Layout;

const F = DNS_LAYOUT.fields;
export const DNS_SEND = 1;
export const DNS_RECV = 2;
/** flags (bpf/dns.h) */
export const DNS_CUT = 1;
export const DNS_MORE = 2;
export const DNS_MSG = 4;

/** One record: a part of what one socket call moved. */
export interface DnsRecord {
  /** CLOCK_MONOTONIC ns (a send's entry, a receive's exit), as a double (exact for 104 days of uptime). */
  ts: number;
  sockIno: number;
  /** Bytes the part moved, or -errno. */
  ret: number;
  fd: number;
  v6: boolean;
  server: string;
  send: boolean;
  tcp: boolean;
  flags: number;
  part: number;
  /** Where its payload starts in the batch, and how many bytes were kept. */
  data: number;
  len: number;
}

export function readDnsRecord(dv: DataView, bytes: Buffer, at: number, len: number): DnsRecord | undefined {
  if (len < F.data) return undefined;
  const kept = Math.min(dv.getUint16(at + F.len, true), len - F.data, DNS_LAYOUT.sizes.data);
  const v6 = dv.getUint16(at + F.family, true) === 10;
  const addr = ipString(bytes, at + F.addr, v6);
  const port = dv.getUint16(at + F.port, true);
  return {
    // Bits 63 and 62 of ts_ns are flags (runtime, stack), not time.
    ts: (dv.getUint32(at + 4, true) & 0x3fffffff) * 2 ** 32 + dv.getUint32(at, true),
    sockIno: Number(dv.getBigUint64(at + F.sock_ino, true)),
    ret: dv.getInt32(at + F.ret, true),
    fd: dv.getInt32(at + F.fd, true),
    v6,
    server: v6 ? `[${addr}]:${port}` : `${addr}:${port}`,
    send: bytes[at + F.dir] === DNS_SEND,
    tcp: bytes[at + F.proto] === 6,
    flags: bytes[at + F.flags],
    part: bytes[at + F.part],
    data: at + F.data,
    len: kept,
  };
}
