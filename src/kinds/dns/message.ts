/**
 * dns: a DNS message (RFC 1035) read from bytes a process sent or received:
 * its header, first question and answer section as text. Container-controlled
 * input, parsed unprivileged: every read is bounds-checked, compression
 * pointers may only point backwards and are followed a bounded number of
 * times, names are bounded (255 bytes), at most MAX_ANSWERS answers are read.
 * A message cut short (the bytes kept of a call) yields what it holds, with
 * `complete` false. Never throws.
 */

const MAX_ANSWERS = 64;
const MAX_POINTERS = 32;
const MAX_NAME = 255;

export interface DnsMessage {
  id: number;
  /** A response (the QR bit). */
  qr: boolean;
  opcode: number;
  /** The TC bit: cut to fit (UDP). */
  tc: boolean;
  rcode: number;
  /** The first question: name (no final dot; `.` for the root), type, class. */
  qname: string;
  qtype: number;
  qclass: number;
  /** Questions in the message (0: none to match by). */
  qdcount: number;
  answers: string[];
  /** Every answer was read (false: the bytes end before the section does, or one was malformed). */
  complete: boolean;
}

const TYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 35: 'NAPTR',
  39: 'DNAME', 41: 'OPT', 43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 64: 'SVCB', 65: 'HTTPS', 255: 'ANY', 257: 'CAA',
};
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

/** A, AAAA, …; TYPE<n> for the others (RFC 3597). */
export function typeName(t: number): string {
  return TYPES[t] ?? `TYPE${t}`;
}

/** NOERROR, NXDOMAIN, …; RCODE<n> for the others. */
export function rcodeName(r: number): string {
  return RCODES[r] ?? `RCODE${r}`;
}

/** A name at `at` within b[0, end): its text and where the bytes after it start; undefined when malformed or cut. */
function readName(b: Buffer, at: number, end: number, start: number): { name: string; next: number } | undefined {
  const labels: string[] = [];
  let next = -1;
  let length = 0;
  let pointers = 0;
  for (;;) {
    if (at >= end) return undefined;
    const len = b[at];
    if (len === 0) {
      at++;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (at + 1 >= end || ++pointers > MAX_POINTERS) return undefined;
      const to = start + (((len & 0x3f) << 8) | b[at + 1]);
      if (next < 0) next = at + 2;
      // Only backwards (what a compressor writes): no loop can form.
      if (to >= at) return undefined;
      at = to;
      continue;
    }
    if (len & 0xc0) return undefined; // extended label types
    if (at + 1 + len > end) return undefined;
    length += len + 1;
    if (length > MAX_NAME) return undefined;
    labels.push(labelText(b, at + 1, at + 1 + len));
    at += 1 + len;
  }
  return { name: labels.length ? labels.join('.') : '.', next: next < 0 ? at : next };
}

/** A label as people write it: letters, digits, `-`, `_` as they are; dots and backslashes escaped; other bytes as \DDD. */
function labelText(b: Buffer, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c === 0x2e || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\' + String(c).padStart(3, '0');
  }
  return s;
}

/** TXT's character strings, each as text (bytes outside printable ASCII as \DDD). */
function characterStrings(b: Buffer, at: number, end: number): string[] | undefined {
  const out: string[] = [];
  while (at < end) {
    const len = b[at];
    if (at + 1 + len > end) return undefined;
    let s = '';
    for (let i = at + 1; i < at + 1 + len; i++) {
      const c = b[i];
      s += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : '\\' + String(c).padStart(3, '0');
    }
    out.push(s);
    at += 1 + len;
  }
  return out;
}

function ipv4(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** IPv6 compressed as RFC 5952 writes it. */
export function ipv6(b: Buffer, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(at + i * 2));
  // The longest run of zero groups (two or more) becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** One answer's data as text; undefined when malformed. */
function rdataText(b: Buffer, type: number, at: number, len: number, start: number): string | undefined {
  const end = at + len;
  switch (type) {
    case 1:
      return len === 4 ? ipv4(b, at) : undefined;
    case 28:
      return len === 16 ? ipv6(b, at) : undefined;
    case 2:
    case 5:
    case 12:
    case 39:
      return readName(b, at, end, start)?.name;
    case 15: {
      if (len < 3) return undefined;
      const n = readName(b, at + 2, end, start);
      return n ? `${b.readUInt16BE(at)} ${n.name}` : undefined;
    }
    case 33: {
      if (len < 7) return undefined;
      const n = readName(b, at + 6, end, start);
      return n ? `${b.readUInt16BE(at)} ${b.readUInt16BE(at + 2)} ${b.readUInt16BE(at + 4)} ${n.name}` : undefined;
    }
    case 16:
      return characterStrings(b, at, end)?.map((s) => `"${s.replace(/"/g, '\\"')}"`).join(' ');
    case 6: {
      const m = readName(b, at, end, start);
      const r = m && readName(b, m.next, end, start);
      if (!m || !r || r.next + 20 > end) return undefined;
      return `${m.name} ${r.name} ${b.readUInt32BE(r.next)}`;
    }
    default:
      return `${typeName(type)} (${len} bytes)`;
  }
}

/** The message in b[at, end); undefined when not even its header and question are there. */
export function parseDns(b: Buffer, at: number, end: number): DnsMessage | undefined {
  if (end > b.length) end = b.length;
  if (end - at < 12) return undefined;
  const flags = b.readUInt16BE(at + 2);
  const qdcount = b.readUInt16BE(at + 4);
  const ancount = b.readUInt16BE(at + 6);
  const m: DnsMessage = {
    id: b.readUInt16BE(at),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    tc: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    qname: '',
    qtype: 0,
    qclass: 0,
    qdcount,
    answers: [],
    complete: false,
  };
  let p = at + 12;
  if (qdcount > 0) {
    const q = readName(b, p, end, at);
    if (!q || q.next + 4 > end) return qdcount ? undefined : m;
    m.qname = q.name;
    m.qtype = b.readUInt16BE(q.next);
    m.qclass = b.readUInt16BE(q.next + 2);
    p = q.next + 4;
    // Further questions (rare) are skipped.
    for (let i = 1; i < qdcount; i++) {
      const more = readName(b, p, end, at);
      if (!more || more.next + 4 > end) return m;
      p = more.next + 4;
    }
  }
  for (let i = 0; i < ancount; i++) {
    if (i >= MAX_ANSWERS) return m;
    const n = readName(b, p, end, at);
    if (!n || n.next + 10 > end) return m;
    const type = b.readUInt16BE(n.next);
    const rdlen = b.readUInt16BE(n.next + 8);
    const rdata = n.next + 10;
    if (rdata + rdlen > end) return m;
    const text = rdataText(b, type, rdata, rdlen, at);
    if (text === undefined) return m;
    m.answers.push(text);
    p = rdata + rdlen;
  }
  m.complete = true;
  return m;
}
