/**
 * dns: queries paired with their answers, one event an exchange, per trace.
 * A query waits (bounded) for the answer on its socket with its transaction
 * ID and question; no answer within the timeout, the same query sent again,
 * or the trace's end first → rcode TIMEOUT. TCP streams are put back
 * together per socket and direction (the 2-byte length before each
 * message, bounded); UDP datagrams given as several iovecs are joined.
 */
import type { DnsEvent } from '../../protocol';
import type { Pairer } from '../client-part';
import { errnoName, readHeader, type DecodeContext, type Header } from '../shared/decode';
import { DNS_CUT, DNS_MORE, readDnsRecord, type DnsRecord } from './decode';
import { parseDns, rcodeName, typeName, type DnsMessage } from './message';

/** Queries waiting for their answers at once (past it the oldest is reported as TIMEOUT early). */
const MAX_WAITING = 4096;
/** Sockets with a stream or datagram being put together (each at most a 64 KiB message). */
const MAX_ASSEMBLING = 256;
/** A DNS message is at most 65535 bytes (TCP's length prefix). */
const MAX_MESSAGE = 65535 + 2;
/** Records arrive a poll or two after the kernel wrote them: a query times out only once this much more has passed. */
const DELIVERY_GRACE_NS = 1e9;

interface Waiting {
  ts: number;
  who: Pick<Header, 'time' | 'container' | 'pid' | 'tid' | 'hostPid' | 'hostTid' | 'comm' | 'runtime'>;
  sockIno: number;
  name: string;
  qtype: string;
  txid: number;
  server: string;
  tcp: boolean;
  cut: boolean;
}

/** A TCP direction's bytes not yet a whole message; or a datagram's iovecs so far. */
interface Assembly {
  buf: Buffer;
  used: number;
  /** Bytes still to come of a message whose kept part was already parsed (cut). */
  skip: number;
  /** Lost track of message boundaries (bytes of a length prefix were not kept): ignored from then on. */
  lost: boolean;
  cut: boolean;
}

const who = (h: Readonly<Header>): Waiting['who'] => ({ time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime });

export class DnsExchanges implements Pairer<DnsEvent> {
  private readonly waiting = new Map<string, Waiting>();
  private readonly assembling = new Map<string, Assembly>();
  private readonly timeoutNs: number;

  constructor(timeoutMs = 5000) {
    this.timeoutNs = timeoutMs * 1e6;
  }

  get holding(): boolean {
    return this.waiting.size > 0;
  }

  add(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext, out: DnsEvent[]): void {
    const r = readDnsRecord(dv, bytes, at, len);
    if (!r) return;
    const h = readHeader(dv, bytes, at, ctx);
    if (r.ret < 0) return this.failed(r, h, bytes, out);
    if (r.tcp) return this.stream(r, h, bytes, out);
    // UDP: a datagram, perhaps in several iovecs of one call.
    const key = `${r.sockIno} ${r.send ? 's' : 'r'} ${h.hostTid}`;
    const more = (r.flags & DNS_MORE) !== 0;
    const a = this.assembling.get(key);
    if (!a && !more) return this.message(r, h, bytes, r.data, r.data + r.len, (r.flags & DNS_CUT) !== 0 || r.ret > r.len, out);
    const asm = a ?? this.assembly(key);
    if (!asm) return;
    this.append(asm, bytes, r.data, r.len);
    asm.cut ||= (r.flags & DNS_CUT) !== 0 || r.ret > r.len;
    if (more) return;
    this.assembling.delete(key);
    this.message(r, h, asm.buf, 0, asm.used, asm.cut, out);
  }

  /** TCP: each message after its 2-byte length, across however many calls moved it. */
  private stream(r: DnsRecord, h: Readonly<Header>, bytes: Buffer, out: DnsEvent[]): void {
    const key = `${r.sockIno} ${r.send ? 's' : 'r'}`;
    const a = this.assembling.get(key) ?? this.assembly(key);
    if (!a || a.lost) return;
    let from = r.data;
    let kept = r.len;
    let missing = Math.max(0, r.ret - r.len); // moved but not kept (cut)
    // The rest of a message already parsed from its kept part.
    if (a.skip) {
      const k = Math.min(a.skip, kept);
      from += k;
      kept -= k;
      a.skip -= k;
      const m = Math.min(a.skip, missing);
      missing -= m;
      a.skip -= m;
      if (a.skip) return;
    }
    this.append(a, bytes, from, kept);
    // Every whole message in the bytes so far.
    let at = 0;
    while (a.used - at >= 2) {
      const n = a.buf.readUInt16BE(at);
      if (a.used - at - 2 < n) break;
      this.message(r, h, a.buf, at + 2, at + 2 + n, false, out);
      at += 2 + n;
    }
    a.buf.copy(a.buf, 0, at, a.used);
    a.used -= at;
    if (!missing) return;
    // Bytes were not kept: what is there of the message is parsed now, its rest skipped as it comes.
    if (a.used < 2) {
      a.lost = true;
      return;
    }
    const n = a.buf.readUInt16BE(0);
    const rest = n - (a.used - 2);
    this.message(r, h, a.buf, 2, a.used, true, out);
    a.used = 0;
    if (missing > rest) a.lost = true; // the next length prefix went too
    else a.skip = rest - missing;
  }

  private assembly(key: string): Assembly | undefined {
    if (this.assembling.size >= MAX_ASSEMBLING) this.assembling.delete(this.assembling.keys().next().value as string);
    const a: Assembly = { buf: Buffer.alloc(1024), used: 0, skip: 0, lost: false, cut: false };
    this.assembling.set(key, a);
    return a;
  }

  private append(a: Assembly, bytes: Buffer, from: number, n: number): void {
    n = Math.min(n, MAX_MESSAGE - a.used);
    if (n <= 0) return;
    if (a.used + n > a.buf.length) {
      const bigger = Buffer.alloc(Math.min(MAX_MESSAGE, Math.max(a.buf.length * 2, a.used + n)));
      a.buf.copy(bigger, 0, 0, a.used);
      a.buf = bigger;
    }
    bytes.copy(a.buf, a.used, from, from + n);
    a.used += n;
  }

  /** A whole message (or what was kept of it): a query waits, an answer ends its query's wait. */
  private message(r: DnsRecord, h: Readonly<Header>, b: Buffer, from: number, to: number, cut: boolean, out: DnsEvent[]): void {
    const m = parseDns(b, from, to);
    if (!m || m.opcode !== 0) return; // not a standard query (NOTIFY, UPDATE), or not DNS
    const key = `${r.sockIno} ${m.id}`;
    const w = this.waiting.get(key);
    if (!m.qr) {
      // The same query again (a resolver's retry): the first got no answer.
      if (w) {
        this.waiting.delete(key);
        out.push(this.event(w, 'TIMEOUT', [], r.ts - w.ts, { unanswered: 'resent' }));
      }
      if (this.waiting.size >= MAX_WAITING) {
        const [oldest, o] = this.waiting.entries().next().value as [string, Waiting];
        this.waiting.delete(oldest);
        out.push(this.event(o, 'TIMEOUT', [], r.ts - o.ts, { unanswered: 'timeout' }));
      }
      this.waiting.set(key, { ts: r.ts, who: who(h), sockIno: r.sockIno, name: m.qname, qtype: typeName(m.qtype), txid: m.id, server: r.server, tcp: r.tcp, cut });
      return;
    }
    const extra = { tc: m.tc || undefined, cut: cut || !m.complete || undefined };
    if (w && (m.qdcount === 0 || sameQuestion(w, m))) {
      this.waiting.delete(key);
      out.push(this.event(w, rcodeName(m.rcode), m.answers, r.ts - w.ts, extra));
      return;
    }
    // An answer to a query the trace did not see (sent before it began).
    const q: Waiting = { ts: r.ts, who: who(h), sockIno: r.sockIno, name: m.qname, qtype: typeName(m.qtype), txid: m.id, server: r.server, tcp: r.tcp, cut };
    out.push(this.event(q, rcodeName(m.rcode), m.answers, null, extra));
  }

  /** A send or receive that failed: its query (a send's own bytes), or every query waiting on that socket. */
  private failed(r: DnsRecord, h: Readonly<Header>, bytes: Buffer, out: DnsEvent[]): void {
    const error = errnoName(r.ret);
    if (r.send) {
      const m = r.len && !r.tcp ? parseDns(bytes, r.data, r.data + r.len) : undefined;
      if (!m || m.qr) return;
      const q: Waiting = { ts: r.ts, who: who(h), sockIno: r.sockIno, name: m.qname, qtype: typeName(m.qtype), txid: m.id, server: r.server, tcp: r.tcp, cut: false };
      out.push(this.event(q, 'ERROR', [], 0, { error }));
      return;
    }
    for (const [key, w] of this.waiting) {
      if (w.sockIno !== r.sockIno) continue;
      this.waiting.delete(key);
      out.push(this.event(w, 'ERROR', [], r.ts - w.ts, { error }));
    }
  }

  expire(nowNs: number, out: DnsEvent[]): void {
    const due = nowNs - this.timeoutNs - DELIVERY_GRACE_NS;
    for (const [key, w] of this.waiting) {
      if (w.ts > due) continue;
      this.waiting.delete(key);
      out.push(this.event(w, 'TIMEOUT', [], this.timeoutNs, { unanswered: 'timeout' }));
    }
  }

  flush(nowNs: number, out: DnsEvent[]): void {
    for (const w of this.waiting.values()) {
      const waited = nowNs - w.ts;
      out.push(this.event(w, 'TIMEOUT', [], waited >= this.timeoutNs ? this.timeoutNs : Math.max(0, waited), { unanswered: waited >= this.timeoutNs ? 'timeout' : 'trace ended' }));
    }
    this.waiting.clear();
    this.assembling.clear();
  }

  private event(w: Waiting, rcode: string, answers: string[], latencyNs: number | null, extra: { unanswered?: DnsEvent['unanswered']; tc?: true; cut?: true; error?: string }): DnsEvent {
    const c = w.who;
    return {
      gadget: 'dns', time: c.time, container: c.container, pid: c.pid, tid: c.tid, hostPid: c.hostPid, hostTid: c.hostTid, comm: c.comm, runtime: c.runtime,
      name: w.name,
      qtype: w.qtype,
      rcode,
      answers,
      latencyNs: latencyNs === null ? null : Math.round(latencyNs),
      server: w.server,
      protocol: w.tcp ? 'tcp' : 'udp',
      txid: w.txid,
      unanswered: extra.unanswered,
      tc: extra.tc,
      cut: w.cut || extra.cut || undefined,
      error: extra.error,
    };
  }
}

/** The answer's question is the query's (names compare without case: resolvers may vary it, 0x20). */
function sameQuestion(w: Waiting, m: DnsMessage): boolean {
  return w.qtype === typeName(m.qtype) && w.name.toLowerCase() === m.qname.toLowerCase();
}
