/**
 * dns's client part: the message parser on good and hostile bytes
 * (compression loops, pointers forward, cut messages), and the pairing of
 * records built as bpf/dns.h lays them out — UDP, a TCP stream split across
 * reads and cut at the record's 512 bytes, re-sends, timeouts, a failed
 * receive, the trace's end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDns, ipv6 } from '../../src/kinds/dns/message';
import { DnsExchanges } from '../../src/kinds/dns/exchanges';
import { DNS_LAYOUT } from '../../src/kinds/dns/decode';
import { WallClock, type DecodeContext } from '../../src/kinds/shared/decode';
import type { DnsEvent } from '../../src/protocol';

const name = (n: string) => Buffer.concat([...n.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
const u16 = (...v: number[]) => Buffer.concat(v.map((x) => Buffer.from([x >> 8, x & 0xff])));

function message(id: number, flags: number, qname: string, qtype: number, answers: Buffer[] = []): Buffer {
  return Buffer.concat([u16(id, flags, 1, answers.length, 0, 0), name(qname), u16(qtype, 1), ...answers]);
}
/** An answer whose owner is a pointer to the question's name (offset 12). */
const rr = (type: number, data: Buffer) => Buffer.concat([u16(0xc00c, type, 1, 0, 60, data.length), data]);

test('parser: answers as text (A, AAAA, CNAME by pointer, MX, TXT), rcode, TC', () => {
  const m = parseDns(
    message(7, 0x8180, 'www.example.test', 1, [
      rr(5, Buffer.from([0xc0, 0x10])), // CNAME → example.test (offset 16: after "www")
      rr(1, Buffer.from([10, 0, 0, 1])),
      rr(28, Buffer.from('fd000000000000000000000000000001', 'hex')),
      rr(15, Buffer.concat([u16(10), Buffer.from([0xc0, 0x10])])),
      rr(16, Buffer.concat([Buffer.from([5]), Buffer.from('v=one'), Buffer.from([3]), Buffer.from('a"b')])),
    ]),
    0,
    1 << 16,
  )!;
  assert.equal(m.id, 7);
  assert.equal(m.qr, true);
  assert.equal(m.rcode, 0);
  assert.equal(m.qname, 'www.example.test');
  assert.deepEqual(m.answers, ['example.test', '10.0.0.1', 'fd00::1', '10 example.test', '"v=one" "a\\"b"']);
  assert.equal(m.complete, true);
  assert.equal(parseDns(message(1, 0x8383, 'x.test', 1), 0, 100)!.rcode, 3);
  assert.equal(parseDns(message(1, 0x8380, 'x.test', 1), 0, 100)!.tc, true);
  assert.equal(ipv6(Buffer.from('20010db8000000000001000000000001', 'hex'), 0), '2001:db8::1:0:0:1');
});

test('parser: hostile bytes end the parse, never loop or throw', () => {
  // A pointer to itself, a pointer forward, a label past the end, an extended label type.
  const self = Buffer.concat([u16(1, 0x8180, 1, 1, 0, 0), name('a.test'), u16(1, 1), u16(0xc000 | 24, 1, 1, 0, 60, 4), Buffer.from([1, 2, 3, 4])]);
  assert.deepEqual(parseDns(self, 0, self.length)!.answers, []);
  assert.equal(parseDns(self, 0, self.length)!.complete, false);
  const fwd = Buffer.concat([u16(1, 0, 1, 0, 0, 0), Buffer.from([0xc0, 40]), u16(1, 1)]);
  assert.equal(parseDns(fwd, 0, fwd.length), undefined);
  const long = Buffer.concat([u16(1, 0, 1, 0, 0, 0), Buffer.from([63, 1, 2])]);
  assert.equal(parseDns(long, 0, long.length), undefined);
  assert.equal(parseDns(Buffer.concat([u16(1, 0, 1, 0, 0, 0), Buffer.from([0x40, 0])]), 0, 14), undefined);
  assert.equal(parseDns(Buffer.alloc(5), 0, 5), undefined);
  // A cut message: what is there, incomplete.
  const full = message(2, 0x8180, 'b.test', 1, [rr(1, Buffer.from([1, 1, 1, 1])), rr(1, Buffer.from([2, 2, 2, 2]))]);
  const cut = parseDns(full, 0, full.length - 3)!;
  assert.deepEqual([cut.answers, cut.complete], [['1.1.1.1'], false]);
  // Random bytes: no throw, whatever they hold.
  let seed = 1;
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(64 + (i % 200));
    for (let j = 0; j < b.length; j++) b[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    parseDns(b, 0, b.length);
  }
});

const F = DNS_LAYOUT.fields;
const ctx: DecodeContext = { container: { id: 'c', name: 'c' }, clock: new WallClock() };

/** A record as bpf/dns.h lays it out: `data` kept of `moved` bytes. */
function record(o: { ts: number; ino?: number; send: boolean; tcp?: boolean; data?: Buffer; moved?: number; ret?: number; more?: boolean; pid?: number }): Buffer {
  const data = o.data ?? Buffer.alloc(0);
  const kept = data.subarray(0, 512);
  const b = Buffer.alloc(F.data + kept.length);
  b.writeBigUInt64LE(BigInt(o.ts), 0);
  b.writeUInt32LE(o.pid ?? 7, 8);
  b.writeUInt32LE(o.pid ?? 7, 12);
  b.writeUInt32LE(1007, 16);
  b.writeUInt32LE(1007, 20);
  b.write('resolver', 32);
  b.writeBigUInt64LE(BigInt(o.ino ?? 42), F.sock_ino);
  b.writeInt32LE(o.ret ?? o.moved ?? data.length, F.ret);
  b.writeUInt16LE(2, F.family);
  b.writeUInt16LE(53, F.port);
  Buffer.from([127, 0, 0, 1]).copy(b, F.addr);
  b[F.dir] = o.send ? 1 : 2;
  b[F.proto] = o.tcp ? 6 : 17;
  b[F.flags] = (o.more ? 2 : 0) | ((o.moved ?? data.length) > kept.length ? 1 : 0);
  b.writeUInt16LE(kept.length, F.len);
  kept.copy(b, F.data);
  return b;
}

function feed(x: DnsExchanges, ...records: Buffer[]): DnsEvent[] {
  const out: DnsEvent[] = [];
  for (const r of records) x.add(new DataView(r.buffer, r.byteOffset, r.length), r, 0, r.length, ctx, out);
  return out;
}

const MS = 1e6;

test('pairing: a UDP query and its answer, one event with latency; a re-send times the first out; an answer never asked for', () => {
  const x = new DnsExchanges(5000);
  const q = message(9, 0x0100, 'a.test', 1);
  assert.deepEqual(feed(x, record({ ts: 1000 * MS, send: true, data: q })), []);
  assert.equal(x.holding, true);
  const [e] = feed(x, record({ ts: 1003 * MS, send: false, data: message(9, 0x8180, 'a.test', 1, [rr(1, Buffer.from([10, 0, 0, 1]))]) }));
  assert.deepEqual([e.name, e.qtype, e.rcode, e.answers, e.latencyNs, e.server, e.protocol, e.txid, e.pid, e.comm], ['a.test', 'A', 'NOERROR', ['10.0.0.1'], 3 * MS, '127.0.0.1:53', 'udp', 9, 7, 'resolver']);
  assert.equal(x.holding, false);
  // The same query twice: the first had no answer.
  feed(x, record({ ts: 2000 * MS, send: true, data: q }));
  const [resent] = feed(x, record({ ts: 2500 * MS, send: true, data: q }));
  assert.deepEqual([resent.rcode, resent.unanswered, resent.latencyNs], ['TIMEOUT', 'resent', 500 * MS]);
  // Case may differ in the answer's question (0x20).
  assert.equal(feed(x, record({ ts: 2501 * MS, send: false, data: message(9, 0x8183, 'A.Test', 1) }))[0].rcode, 'NXDOMAIN');
  const [orphan] = feed(x, record({ ts: 3000 * MS, send: false, data: message(77, 0x8180, 'b.test', 28) }));
  assert.deepEqual([orphan.name, orphan.qtype, orphan.latencyNs], ['b.test', 'AAAA', null]);
  // A different question under the same ID is not its answer.
  feed(x, record({ ts: 4000 * MS, send: true, data: message(5, 0x0100, 'c.test', 1) }));
  assert.equal(feed(x, record({ ts: 4001 * MS, send: false, data: message(5, 0x8180, 'd.test', 1) }))[0].latencyNs, null);
  assert.equal(x.holding, true);
});

test('pairing: timeouts once the wait (and a delivery grace) passed; the trace ending first says so; a failed receive', () => {
  const x = new DnsExchanges(2000);
  feed(x, record({ ts: 1000 * MS, send: true, data: message(1, 0x0100, 'silent.test', 1) }));
  feed(x, record({ ts: 4000 * MS, send: true, data: message(2, 0x0100, 'late.test', 1) }));
  const out: DnsEvent[] = [];
  x.expire(3500 * MS, out);
  assert.equal(out.length, 0); // 2 s + the grace not over yet
  x.expire(4100 * MS, out);
  assert.deepEqual(out.map((e) => [e.name, e.rcode, e.unanswered, e.latencyNs]), [['silent.test', 'TIMEOUT', 'timeout', 2000 * MS]]);
  const end: DnsEvent[] = [];
  x.flush(4500 * MS, end);
  assert.deepEqual(end.map((e) => [e.name, e.rcode, e.unanswered, e.latencyNs]), [['late.test', 'TIMEOUT', 'trace ended', 500 * MS]]);
  assert.equal(x.holding, false);
  feed(x, record({ ts: 5000 * MS, send: true, ino: 3, data: message(3, 0x0100, 'refused.test', 1) }));
  const [err] = feed(x, record({ ts: 5001 * MS, send: false, ino: 3, ret: -111 }));
  assert.deepEqual([err.name, err.rcode, err.error], ['refused.test', 'ERROR', 'ECONNREFUSED']);
});

test('pairing: TCP streams put back together across reads, and a message longer than a record kept as far as it goes', () => {
  const x = new DnsExchanges(5000);
  const q = message(4, 0x0100, 'big.test', 1);
  // glibc: writev of the length and the query; reads of the length, then the body.
  assert.deepEqual(feed(x, record({ ts: 1 * MS, send: true, tcp: true, data: u16(q.length), more: true }), record({ ts: 1 * MS, send: true, tcp: true, data: q })), []);
  const answers = Array.from({ length: 60 }, (_, i) => rr(1, Buffer.from([10, 0, i >> 8, i & 0xff])));
  const a = message(4, 0x8180, 'big.test', 1, answers);
  assert.ok(a.length > 512);
  const head = a.subarray(0, 600);
  const events = feed(
    x,
    record({ ts: 2 * MS, send: false, tcp: true, data: u16(a.length) }),
    // One read of the whole body: 512 bytes of it kept.
    record({ ts: 3 * MS, send: false, tcp: true, data: head, moved: a.length }),
  );
  assert.equal(events.length, 1);
  const e = events[0];
  assert.deepEqual([e.name, e.protocol, e.rcode, e.cut, e.latencyNs], ['big.test', 'tcp', 'NOERROR', true, 2 * MS]);
  assert.ok(e.answers.length > 10 && e.answers.length < 60, String(e.answers.length));
  assert.equal(e.answers[0], '10.0.0.0');
  // The stream is still in step: the next query and answer (split mid-length) pair.
  const q2 = message(5, 0x0100, 'next.test', 28);
  const a2 = Buffer.concat([u16(0), message(5, 0x8180, 'next.test', 28, [rr(28, Buffer.alloc(16))])]);
  a2.writeUInt16BE(a2.length - 2, 0);
  feed(x, record({ ts: 4 * MS, send: true, tcp: true, data: Buffer.concat([u16(q2.length), q2]) }));
  const [n] = feed(x, record({ ts: 5 * MS, send: false, tcp: true, data: a2.subarray(0, 1) }), record({ ts: 6 * MS, send: false, tcp: true, data: a2.subarray(1) }));
  assert.deepEqual([n.name, n.qtype, n.answers, n.latencyNs], ['next.test', 'AAAA', ['::'], 2 * MS]);
});

test('summary: one row per name and type, failures first, rcodes counted, latency of the answered ones', async () => {
  const { DnsNames } = await import('../../src/kinds/dns/summary');
  const base = { gadget: 'dns', time: '', container: { id: 'c', name: 'c' }, pid: 5, tid: 5, hostPid: 50, hostTid: 50, comm: 'app', server: '127.0.0.1:53', protocol: 'udp', txid: 1 } as const;
  const s = new DnsNames();
  s.add([
    { ...base, name: 'ok.test', qtype: 'A', rcode: 'NOERROR', answers: ['10.0.0.1'], latencyNs: 1000 },
    { ...base, name: 'ok.test', qtype: 'A', rcode: 'NOERROR', answers: ['10.0.0.1'], latencyNs: 3000 },
    { ...base, name: 'gone.test', qtype: 'A', rcode: 'NXDOMAIN', answers: [], latencyNs: 2000 },
    { ...base, name: 'gone.test', qtype: 'A', rcode: 'TIMEOUT', answers: [], latencyNs: 5e9, unanswered: 'timeout' },
  ]);
  const [table] = s.panels();
  assert.equal(table.type, 'table');
  if (table.type !== 'table') return;
  assert.deepEqual(table.rows.map((r) => [r.cells[0], r.cells[2], r.cells[3], r.cells[4], r.failed]), [
    ['gone.test', 2, 2, 'NXDOMAIN ×1, TIMEOUT ×1', true],
    ['ok.test', 2, 0, 'NOERROR ×2', false],
  ]);
  // The timeout's 5 s is not a latency: p99 of gone.test is its NXDOMAIN's.
  assert.equal(table.rows[0].cells[6], 2000);
  assert.equal(table.rows[1].cells[10], '10.0.0.1');
});
