/**
 * The ring-buffer consumer over records laid out as the kernel lays them
 * (8-byte headers, busy and discard bits, 8-byte alignment, wrap through the
 * end of the data area), and every ring kind's decoder over a record built from
 * its object's BTF: the common header (time, PIDs at both levels, the
 * container's namespace, comm) decodes the same for all of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { RingView, RING_RECORD, type RingBufferReader } from '../../src/bpf/ringbuf';
import { RingPoller } from '../../src/engine/ring-poller';
import { DEFAULT_LIMITS } from '../../src/engine/delivery';
import { filterRecords, forEachRecord } from '../../src/protocol/records';
import { structMembers, withObjectBtf } from '../../src/bpf/btf';
import { CLIENT_KIND_LIST } from '../../src/kinds/client-registry';
import { ROOT_KINDS } from '../../src/kinds/root-registry';
import { WallClock, type DecodeContext } from '../../src/kinds/shared/decode';
import { BPF_DIR } from '../support/paths';
import { bpfObjectsSkip } from '../support/bpf-objects';

const PAGE = 4096;

/** A ring of `size` bytes with a producer writing records as the kernel does. */
function ring(size: number) {
  const consumer = new ArrayBuffer(PAGE);
  const producer = new ArrayBuffer(PAGE + size); // the data area once: what the reader maps
  const prodPos = new BigUint64Array(producer, 0, 1);
  const bytes = new Uint8Array(producer);
  const words = new Uint32Array(producer);
  let prod = 0;
  return {
    view: new RingView(consumer, producer, PAGE, size),
    consumed: () => Number(new BigUint64Array(consumer, 0, 1)[0]),
    /** Append a record; `flags` BUSY/DISCARD. A record may run past the end of the data area and go on at its start. */
    put(record: Uint8Array, flags = 0) {
      const at = PAGE + (prod % size);
      words[at >>> 2] = record.length | flags;
      for (let i = 0; i < record.length; i++) {
        const off = (prod + RING_RECORD.HEADER + i) % size;
        bytes[PAGE + off] = record[i];
      }
      prod += (record.length + RING_RECORD.HEADER + 7) & ~7;
      prodPos[0] = BigInt(prod);
      return at;
    },
    setFlags(at: number, len: number, flags: number) {
      words[at >>> 2] = len | flags;
    },
  };
}

/** The records of a taken span, as a client sees them: first byte and length of each. */
function records(taken: { data: Buffer; count: number } | undefined): number[] {
  const seen: number[] = [];
  if (taken) assert.equal(forEachRecord(taken.data, (_dv, bytes, at, len) => seen.push(bytes[at], len)), taken.count, 'count = records a client finds');
  return seen;
}

test('a taken span holds the committed records in order (a client skips discarded ones), stops at a busy one and releases what it took', () => {
  const r = ring(4096);
  const rec = (n: number) => Uint8Array.from({ length: 13 }, (_, i) => (n + i) & 0xff);
  r.put(rec(1));
  r.put(rec(2), RING_RECORD.DISCARD_BIT);
  const busy = r.put(rec(3), RING_RECORD.BUSY_BIT);
  r.put(rec(4));
  const first = r.view.take(100, 1 << 20);
  assert.equal(first?.count, 1);
  assert.equal(first?.data.length, 2 * 24, 'both records before the busy one, in the ring framing (13 bytes + header, 8-aligned)');
  assert.deepEqual(records(first), [1, 13]);
  assert.equal(r.consumed(), 2 * 24, 'two records released');
  r.setFlags(busy, 13, 0); // the producer commits it
  assert.deepEqual(records(r.view.take(100, 1 << 20)), [3, 13, 4, 13]);
  assert.equal(r.view.take(100, 1 << 20), undefined, 'nothing left');
});

test('spans that run past the end of the data area are copied whole (in two parts, from one mapping); maxRecords and maxBytes bound a take', () => {
  const r = ring(256);
  const got: number[] = [];
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 3; i++) r.put(Uint8Array.from({ length: 40 }, () => round * 3 + i));
    for (let taken = r.view.take(2, 1 << 20); taken; taken = r.view.take(2, 1 << 20)) {
      assert.ok(taken.count <= 2);
      forEachRecord(taken.data, (_dv, bytes, at, len) => got.push(bytes[at], bytes[at + len - 1]));
    }
  }
  assert.equal(got.length, 120);
  for (let k = 0; k < 60; k++) assert.deepEqual([got[2 * k], got[2 * k + 1]], [k, k], `record ${k} whole`);
  for (let i = 0; i < 3; i++) r.put(Uint8Array.from({ length: 40 }, () => 9));
  assert.equal(r.view.take(100, 60)?.count, 1, 'a byte bound stops after the record that reaches it');
  assert.equal(r.view.take(100, 1)?.count, 1, 'at least one record, whatever the byte bound');
});

test('a span says whether it caught up with the producer (the end, or a record still being written) or was cut by its bounds', () => {
  const r = ring(4096);
  const rec = Uint8Array.from({ length: 13 }, () => 1);
  for (let i = 0; i < 4; i++) r.put(rec);
  assert.equal(r.view.take(2, 1 << 20)?.caughtUp, false, 'cut by maxRecords: more is committed');
  assert.equal(r.view.take(100, 24)?.caughtUp, false, 'cut by maxBytes: more is committed');
  assert.equal(r.view.take(100, 1 << 20)?.caughtUp, true, 'the last committed record');
  r.put(rec);
  const busy = r.put(rec, RING_RECORD.BUSY_BIT);
  r.put(rec);
  const t = r.view.take(100, 1 << 20);
  assert.equal(t?.count, 1);
  assert.equal(t?.caughtUp, true, 'stopped at a record still being written');
  r.setFlags(busy, 13, 0);
  assert.equal(r.view.take(100, 1 << 20)?.count, 2);
});

test('a poll tick ends when it has caught up: a producer that keeps writing a few records at a time gives one batch a tick, not thousands of short ones', async () => {
  let takes = 0;
  // A flood seen from the consumer: every take finds a few new records, just written, and nothing behind them.
  const reader = { size: 1 << 20, take: () => (takes++, { data: Buffer.alloc(24), count: 3, caughtUp: true }), close: () => undefined };
  const batches: number[] = [];
  const poller = new RingPoller(reader as unknown as RingBufferReader, { records: (t) => void batches.push(t.count) }, { ...DEFAULT_LIMITS, pollIntervalMs: 5 });
  await new Promise((r) => setTimeout(r, 60));
  poller.stop();
  assert.ok(batches.length >= 2 && batches.length <= 20, `${batches.length} batches in 60 ms at a 5 ms poll`);
  assert.equal(takes, batches.length);
});

test('a client stops at a record that does not fit its batch: a batch is never trusted', () => {
  const b = Buffer.alloc(48);
  b.writeUInt32LE(8, 0); // 8 bytes: fits
  b.writeUInt32LE(1000, 16); // claims 1000 bytes in a 48-byte batch
  assert.equal(forEachRecord(b, () => undefined), 1);
  assert.equal(forEachRecord(Buffer.alloc(5), () => assert.fail('no header fits')), 0);
});

for (const kind of CLIENT_KIND_LIST.filter((k) => k.decode)) {
  const { object, layout } = ROOT_KINDS[kind.name];
  test(`${kind.name}: a record laid out by ${object}'s BTF decodes its common header`, { skip: bpfObjectsSkip(object) }, () => {
    withObjectBtf(path.join(BPF_DIR, object), (btf) => {
      const members = structMembers(btf, layout.struct);
      const at = Object.fromEntries(members.map((m) => [m.name, m.offset]));
      const size = members.reduce((end, m) => Math.max(end, m.offset + m.size), 0);
      const hdr = 'hdr' in at ? at.hdr : 0;
      const ids = Object.fromEntries(structMembers(btf, 'ct_ids').map((m) => [m.name, m.offset]));
      const h = 'hdr' in at ? Object.fromEntries(structMembers(btf, 'ct_hdr').map((m) => [m.name, m.offset])) : { ts_ns: at.ts_ns, ids: at.ids - hdr, comm: at.comm - hdr };
      const rec = Buffer.alloc(size + 16);
      const base = 8;
      rec.writeBigUInt64LE(5_000_000_000n, base + hdr + h.ts_ns);
      const idsAt = base + hdr + h.ids;
      rec.writeUInt32LE(7, idsAt + ids.pid);
      rec.writeUInt32LE(8, idsAt + ids.tid);
      rec.writeUInt32LE(3107, idsAt + ids.host_pid);
      rec.writeUInt32LE(3108, idsAt + ids.host_tid);
      rec.writeUInt32LE(4026532000, idsAt + ids.pidns);
      rec.write('worker\0', base + hdr + h.comm, 'latin1');
      const ctx: DecodeContext = { container: { id: 'c1', name: 'web' }, clock: new WallClock(), uprobe: { path: '/lib/libc.so.6', function: 'malloc' } };
      const e = kind.decode!(new DataView(rec.buffer, rec.byteOffset, rec.length), rec, base, size, ctx) as unknown as Record<string, unknown>;
      assert.equal(e.gadget, kind.name);
      assert.deepEqual([e.pid, e.tid, e.hostPid, e.hostTid, e.comm], [7, 8, 3107, 3108, 'worker']);
      assert.deepEqual(e.container, { id: 'c1', name: 'web' });
      assert.match(String(e.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      assert.equal(typeof kind.text(e as never), 'string', 'its text renders');
    });
  });
}

test('a client that falls behind gets failures first: filterRecords keeps the records a kind calls failed, in order, in the same framing', () => {
  const r = ring(4096);
  for (let i = 0; i < 10; i++) r.put(Uint8Array.from({ length: 12 }, (_, k) => (k === 0 ? i : i % 3 === 0 ? 0xff : 0)));
  const taken = r.view.take(100, 1 << 20)!;
  const kept = filterRecords(taken.data, (dv, at) => dv.getUint8(at + 1) === 0xff);
  assert.equal(kept?.count, 4);
  assert.deepEqual(records(kept), [0, 12, 3, 12, 6, 12, 9, 12]);
  assert.equal(filterRecords(taken.data, () => false), undefined, 'nothing kept: no batch');
});
