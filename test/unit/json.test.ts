/**
 * JSON lines written by the kinds' own writers (jsonTail) are exactly what
 * JSON.stringify writes: over records decoded by the real decoders, with
 * strings a container controls (quotes, backslashes, control characters,
 * bidi overrides, invalid UTF-8, emoji), both results of an open, and
 * arguments beyond 2^53.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CLIENT_KIND_LIST, eventJson } from '../../src/kinds/client-registry';
import { WallClock, type DecodeContext } from '../../src/kinds/shared/decode';
import { decodeOpen, OPEN_LAYOUT } from '../../src/kinds/open/decode';
import { openRecordBytes } from '../../src/kinds/open/json';
import { JsonBytes } from '../../src/kinds/shared/json-bytes';

/** The record writer's line, or undefined when it refused the record (a small buffer: it must grow). */
function openRecordJson(dv: DataView, rec: Buffer, at: number, len: number, c: DecodeContext): string | undefined {
  const w = new JsonBytes(Buffer.alloc(7));
  return openRecordBytes(dv, rec, at, len, c, w) ? w.buf.toString('latin1', 0, w.at) : undefined;
}
import { RecordDecoder } from '../../src/kinds/record-decoder';
import { decodeUprobe, UPROBE_LAYOUT } from '../../src/kinds/uprobe/decode';
import type { TraceEvent } from '../../src/protocol';

const HOSTILE: (string | Buffer)[] = [
  '/etc/passwd',
  'a"b\\c',
  'tab\there\nnewline\r\u0001\u001f\u007f',
  '\u202eevil\u202c',
  'emoji 🙂 and é',
  Buffer.from([0x2f, 0xff, 0xfe, 0xc3, 0x28, 0x41]), // invalid UTF-8
  '',
  'x'.repeat(255),
];

const ctx = (): DecodeContext => ({
  container: { id: 'c'.repeat(64), name: 'web "1"', runtime: 'podman', namespace: 'default', pod: 'p\u0007' },
  clock: new WallClock(),
  uprobe: { path: '/usr/lib/libc.so.6', function: 'malloc' },
});

function header(rec: Buffer, comm: string | Buffer) {
  rec.writeBigUInt64LE(123_456_789_000n, 0);
  [7, 8, 3107, 3108, 4026532000].forEach((v, i) => rec.writeUInt32LE(v, 8 + 4 * i));
  Buffer.from(comm).copy(rec, 32, 0, 15);
}

test('open events: the kind writer equals JSON.stringify (paths, comm, flags, mode, fd or errno)', () => {
  const F = OPEN_LAYOUT.fields;
  const c = ctx();
  c.container = { id: 'c'.repeat(64), name: 'web-1', runtime: 'podman' }; // an ASCII label: the record writer applies
  let n = 0;
  let fast = 0;
  for (const s of HOSTILE) {
    for (const [ret, flags, dirfd] of [[3, 0o101, -100], [-2, 0o2000000, 5], [-13, 0o20200002, 7]] as const) {
      const path = Buffer.from(s);
      const rec = Buffer.alloc(F.path + Math.min(256, path.length + 1));
      header(rec, s);
      rec.writeBigInt64LE(BigInt(ret), F.ret);
      rec.writeBigUInt64LE(BigInt(flags), F.flags);
      rec.writeUInt32LE(0o644, F.mode);
      rec.writeInt32LE(dirfd, F.dirfd);
      rec.writeUInt32LE(1, F.syscall);
      path.copy(rec, F.path, 0, Math.min(255, path.length));
      const dv = new DataView(rec.buffer, rec.byteOffset, rec.length);
      const e = decodeOpen(dv, rec, 0, rec.length, c);
      assert.equal(eventJson(e), JSON.stringify(e), `open ${JSON.stringify(s.toString())} ret ${ret}`);
      // Straight from the record: the same line, or undefined (decoded instead) when anything needs escaping.
      const direct = openRecordJson(dv, rec, 0, rec.length, c);
      if (direct !== undefined) assert.equal(direct, JSON.stringify(e), `record writer, ${JSON.stringify(s.toString())}`);
      if (typeof s === 'string' && /^[ -~]*$/.test(s) && !/["\\]/.test(s)) assert.notEqual(direct, undefined, `plain ASCII takes the record writer: ${s}`);
      if (direct !== undefined) fast++;
      n++;
    }
  }
  assert.equal(n, HOSTILE.length * 3);
  assert.ok(fast >= 9, `the record writer took ${fast} of ${n}`);
});

test('open records in any order through the writer\'s caches (the last task\'s segment, the last call\'s tail, the second\'s prefix): each line is its own event\'s', () => {
  const F = OPEN_LAYOUT.fields;
  const labels = [
    { id: 'a'.repeat(64), name: 'web-1', runtime: 'docker' as const },
    { id: 'b'.repeat(64), name: 'web-2', runtime: 'podman' as const },
  ];
  const c = ctx();
  c.byPidns = new Map([[4026532000, labels[0]], [4026532001, labels[1]]]);
  c.container = labels[0];
  const pick = <T,>(xs: readonly T[]) => fc.constantFrom(...xs);
  const record = fc.record({
    ns: pick([4026532000, 4026532001]),
    pid: pick([7, 8]),
    comm: pick(['ct-target', 'sh']),
    runtime: fc.boolean(),
    sec: pick([0n, 1n, 86_400n]),
    ns_in: pick([0n, 999_999_999n, 5n]),
    ret: pick([3, -2, -13]),
    flags: pick([0o101, 0o2000000, 0o20200002, 0]),
    mode: pick([0o644, 0o600]),
    dirfd: pick([-100, 5]),
    syscall: pick([0, 1]),
    path: pick(['/etc/passwd', '/nonexistent-ct-bench', 'x'.repeat(255)]),
  });
  fc.assert(
    fc.property(fc.array(record, { minLength: 1, maxLength: 40 }), (recs) => {
      for (const r of recs) {
        const path = Buffer.from(r.path);
        const rec = Buffer.alloc(F.path + Math.min(256, path.length + 1));
        rec.writeBigUInt64LE(123_000_000_000n + r.sec * 1_000_000_000n + r.ns_in + (r.runtime ? 1n << 63n : 0n), 0);
        [r.pid, r.pid, 3000 + r.pid, 3000 + r.pid, r.ns].forEach((v, i) => rec.writeUInt32LE(v, 8 + 4 * i));
        Buffer.from(r.comm).copy(rec, 32);
        rec.writeBigInt64LE(BigInt(r.ret), F.ret);
        rec.writeBigUInt64LE(BigInt(r.flags), F.flags);
        rec.writeUInt32LE(r.mode, F.mode);
        rec.writeInt32LE(r.dirfd, F.dirfd);
        rec.writeUInt32LE(r.syscall, F.syscall);
        path.copy(rec, F.path, 0, Math.min(255, path.length));
        const dv = new DataView(rec.buffer, rec.byteOffset, rec.length);
        const direct = openRecordJson(dv, rec, 0, rec.length, c);
        assert.equal(direct, JSON.stringify(decodeOpen(dv, rec, 0, rec.length, c)));
      }
    }),
    { numRuns: 300 },
  );
});

test('a batch as JSON lines (the CLI\'s --json) equals its decoded events written one per line, through a reused buffer', () => {
  const F = OPEN_LAYOUT.fields;
  const parts: Buffer[] = [];
  for (const s of HOSTILE) {
    const path = Buffer.from(s);
    const len = F.path + Math.min(256, path.length + 1);
    const rec = Buffer.alloc(8 + ((len + 7) & ~7));
    rec.writeUInt32LE(len, 0);
    header(rec.subarray(8), s);
    rec.writeBigInt64LE(-2n, 8 + F.ret);
    path.copy(rec, 8 + F.path, 0, Math.min(255, path.length));
    parts.push(rec);
  }
  const batch = Buffer.concat(parts);
  const d = new RecordDecoder({ kind: 'open', container: { id: 'x', name: 'web' } });
  const expected = d.events(batch).map((e) => JSON.stringify(e) + '\n').join('');
  const first = d.jsonLines(batch);
  assert.equal(first.count, HOSTILE.length);
  assert.equal(first.lines.toString('utf8'), expected);
  const again = d.jsonLines(batch, first.buffer);
  assert.equal(again.buffer, first.buffer, 'the spare buffer is used again');
  assert.equal(again.lines.toString('utf8'), expected);
});

test('uprobe events: the kind writer equals JSON.stringify (arguments and results beyond 2^53 are strings)', () => {
  const F = UPROBE_LAYOUT.fields;
  for (const comm of HOSTILE) {
    for (const big of [0n, 42n, 2n ** 60n, 2n ** 64n - 1n]) {
      const rec = Buffer.alloc(F.ret + 8);
      header(rec, comm);
      rec.writeBigUInt64LE(12345n, F.latency_ns);
      rec.writeBigUInt64LE(99n, F.calls);
      for (let i = 0; i < 6; i++) rec.writeBigUInt64LE(BigInt.asUintN(64, big + BigInt(i)), F.args + 8 * i);
      rec.writeBigUInt64LE(big, F.ret);
      const c = ctx();
      c.uprobe = { path: typeof comm === 'string' ? comm : '/lib', function: 'f"' };
      const e = decodeUprobe(new DataView(rec.buffer, rec.byteOffset, rec.length), rec, 0, rec.length, c);
      assert.equal(eventJson(e), JSON.stringify(e));
    }
  }
});

test('kinds without a writer of their own fall back to JSON.stringify; every writer that exists is covered above', () => {
  const withWriter = CLIENT_KIND_LIST.filter((k) => k.jsonTail).map((k) => k.name);
  assert.deepEqual(withWriter.sort(), ['open', 'syscall', 'uprobe']); // syscall's: test/unit/syscall.test.ts
  const e = { gadget: 'exit', time: 't', container: { id: 'a', name: 'b' }, pid: 1, tid: 1, hostPid: 2, hostTid: 2, comm: 'x', code: 0 } as unknown as TraceEvent;
  assert.equal(eventJson(e), JSON.stringify(e));
});

test('the byte writer writes numbers as String() does, grows as it goes, and refuses strings JSON would escape', () => {
  const w = new JsonBytes(Buffer.alloc(1));
  const nums = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 4194304, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
  for (const n of nums) {
    w.uint(n);
    w.byte(0x20);
    w.int(-n);
    w.byte(0x20);
  }
  w.padded(0, 9);
  w.byte(0x20);
  w.padded(7, 9);
  w.byte(0x20);
  w.padded(123456789, 9);
  assert.equal(w.buf.toString('latin1', 0, w.at), nums.map((n) => `${n} ${-n} `).join('') + '000000000 000000007 123456789');
  const plain = (s: string | Buffer) => {
    const x = new JsonBytes(Buffer.alloc(2));
    const b = Buffer.concat([Buffer.from(s), Buffer.from([0, 0x41])]);
    return x.plain(b, 0, b.length) ? x.buf.toString('latin1', 0, x.at) : undefined;
  };
  assert.equal(plain('/etc/passwd'), '/etc/passwd', 'up to its NUL');
  assert.equal(plain('del\x7f'), 'del\x7f', 'DEL needs no escaping');
  for (const bad of ['a"b', 'a\\b', 'tab\t', '\u0001', 'é', Buffer.from([0xff])]) assert.equal(plain(bad), undefined, JSON.stringify(bad.toString()));
});
