/**
 * The syscall kind's client side on records made as bpf/syscall.bpf.c
 * writes them: arguments decoded by the table, strace's quoting, fds named
 * from the stream (open, write, close, fork, exec), cut and unread
 * arguments, the JSON writer equal to JSON.stringify with strings a
 * container controls, the filters' parsing and mask.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventJson } from '../../src/kinds/client-registry';
import { WallClock, type DecodeContext } from '../../src/kinds/shared/decode';
import { decodeSyscall, SYSCALL_LAYOUT } from '../../src/kinds/syscall/decode';
import { callText, resultText, straceQuote } from '../../src/kinds/syscall/text';
import { parseSyscallClasses, parseSyscallNames, syscallMask, syscallNumbers } from '../../src/kinds/syscall/filter';
import type { SyscallEvent } from '../../src/protocol';
import { CLIENT_KIND_BY_NAME } from '../../src/kinds/client-registry';
import { eventTest, filterPanels, parseFilter, rowText } from '../../src/webview/filter';
import type { Row } from '../../src/webview/messages';
import type { TablePanel } from '../../src/webview/panels';
import { SyscallTable } from '../../src/kinds/syscall/summary';

const F = SYSCALL_LAYOUT.fields;
const ctx = (): DecodeContext => ({ container: { id: 'c'.repeat(64), name: 'web' }, clock: new WallClock() });

/** A record: number, arguments, result, and up to two slots (argument index, bytes, flags). */
function record(nr: number, args: bigint[], ret: bigint, slots: [number, Buffer][] = [], flags = 0, pid = 7, comm = 'app'): Buffer {
  const size = F.buf + slots.reduce((n, [, b]) => n + b.length, 0);
  const rec = Buffer.alloc(size);
  rec.writeBigUInt64LE(1_000_000n, 0);
  [pid, pid, 3000 + pid, 3000 + pid, 4026532000].forEach((v, i) => rec.writeUInt32LE(v, 8 + 4 * i));
  Buffer.from(comm).copy(rec, 32, 0, 15);
  args.forEach((a, i) => rec.writeBigUInt64LE(BigInt.asUintN(64, a), F.args + 8 * i));
  rec.writeBigInt64LE(ret, F.ret);
  rec.writeBigUInt64LE(12_000n, F.duration_ns);
  rec.writeUInt32LE(nr, F.nr);
  rec.writeUInt8(255, F.arg);
  rec.writeUInt8(255, F.arg + 1);
  let at = 0;
  slots.forEach(([arg, b], i) => {
    rec.writeUInt16LE(at, F.off + 2 * i);
    rec.writeUInt16LE(b.length, F.len + 2 * i);
    rec.writeUInt8(arg, F.arg + i);
    rec.writeUInt32LE(b.length, F.src + 4 * i);
    b.copy(rec, F.buf + at);
    at += b.length;
  });
  rec.writeUInt8(flags, F.flags);
  return rec;
}

const decode = (rec: Buffer, c: DecodeContext): SyscallEvent => decodeSyscall(new DataView(rec.buffer, rec.byteOffset, rec.length), rec, 0, rec.length, c);
const line = (e: SyscallEvent) => callText(e) + resultText(e);

test('calls read as strace writes them, fds named from the stream', () => {
  const c = ctx();
  const open = decode(record(257, [-100n, 0x7000n, 0o2000101n, 0o644n], 3n, [[1, Buffer.from('/etc/app.conf')]]), c);
  assert.equal(line(open), 'openat(AT_FDCWD, "/etc/app.conf", O_WRONLY|O_CREAT|O_CLOEXEC, 0644) = 3</etc/app.conf>');
  const write = decode(record(1, [3n, 0x7100n, 5n], 5n, [[1, Buffer.from('a"b\n\x01')]]), c);
  assert.equal(line(write), 'write(3</etc/app.conf>, "a\\"b\\n\\1", 5) = 5');
  assert.deepEqual(write.args.fd, { fd: 3, path: '/etc/app.conf' });
  // Forked: the child has its parent's fds, its own table; after exec the close-on-exec one is gone.
  decode(record(57, [], 9n), c);
  assert.equal(line(decode(record(1, [3n, 0n, 0n], 0n, [[1, Buffer.alloc(0)]], 0, 9), c)), 'write(3</etc/app.conf>, "", 0) = 0');
  assert.equal(line(decode(record(3, [3n], 0n, [], 0, 9), c)), 'close(3</etc/app.conf>) = 0');
  assert.equal(line(decode(record(3, [3n], -9n, [], 0, 9), c)), 'close(3) = -1 EBADF (Bad file descriptor)');
  assert.equal(line(decode(record(1, [3n, 0n, 0n], 0n, [[1, Buffer.alloc(0)]], 0, 7), c)), 'write(3</etc/app.conf>, "", 0) = 0');
  decode(record(59, [0x400n, 0x500n, 0x600n], 0n, [[0, Buffer.from('/bin/x')], [1, Buffer.from('x\0-v\0')]], 0, 7), c);
  assert.equal(line(decode(record(3, [3n], 0n), c)), 'close(3) = 0');
  const missing = decode(record(257, [-100n, 0x7000n, 0n, 0n], -2n, [[1, Buffer.from('/nope')]]), c);
  assert.equal(line(missing), 'openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)');
  assert.equal(missing.error, 'ENOENT');
  const exit = decode(record(231, [0n], 0n, [], 4), c);
  assert.equal(line(exit), 'exit_group(0) = ?');
  assert.equal(exit.ret, null);
});

test('sockets, stat results, argv, cut and unread arguments', () => {
  const c = ctx();
  assert.equal(line(decode(record(41, [2n, 0o2000001n, 0n], 4n), c)), 'socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 4<TCP>');
  const sa = Buffer.alloc(16);
  sa.writeUInt16LE(2, 0);
  sa.writeUInt16BE(80, 2);
  Buffer.from([127, 0, 0, 1]).copy(sa, 4);
  const conn = decode(record(42, [4n, 0x7000n, 16n], -111n, [[1, sa]]), c);
  assert.equal(line(conn), 'connect(4<TCP>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)');
  decode(record(42, [4n, 0x7000n, 16n], 0n, [[1, sa]]), c);
  assert.equal(line(decode(record(3, [4n], 0n), c)), 'close(4<TCP:[->127.0.0.1:80]>) = 0');
  const st = Buffer.alloc(56);
  st.writeUInt32LE(0o100644, 24);
  st.writeBigInt64LE(1234n, 48);
  assert.equal(line(decode(record(262, [-100n, 0x7000n, 0x7100n, 0n], 0n, [[1, Buffer.from('/f')], [2, st]]), c)), 'newfstatat(AT_FDCWD, "/f", {st_mode=S_IFREG|0644, st_size=1234, ...}, 0) = 0');
  // A path longer than the slot: cut, flagged; a read that failed: its address (unread).
  const cut = decode(record(2, [0x7000n, 0n, 0n], -2n, [[0, Buffer.from('x'.repeat(255))]], 1), c);
  assert.deepEqual(cut.truncated, { filename: null });
  assert.match(line(cut), /^open\("x{255}"\.\.\., O_RDONLY\) = -1 ENOENT/);
  const failedRead = decode(record(0, [5n, 0x7ffd0000n, 64n], -11n), c);
  assert.equal(line(failedRead), 'read(5, 0x7ffd0000, 64) = -1 EAGAIN (Resource temporarily unavailable)');
  assert.deepEqual(failedRead.unread, ['buf']);
  const exec = decode(record(59, [0x400n, 0x500n, 0x600n], 0n, [[0, Buffer.from('/bin/ls')], [1, Buffer.from('ls\0-l\0')]]), c);
  assert.equal(line(exec), 'execve("/bin/ls", ["ls", "-l"], 0x600) = 0');
  assert.equal(line(decode(record(9, [0n, 8192n, 3n, 0x22n, BigInt(-1), 0n], 0x7f0000000000n), c)), 'mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000');
  assert.equal(line(decode(record(62, [12n, 15n], 0n), c)), 'kill(12, SIGTERM) = 0');
});

test('strings quoted as strace quotes them: C escapes, other bytes in octal (three digits before a digit)', () => {
  assert.equal(straceQuote('plain text'), '"plain text"');
  assert.equal(straceQuote('tab\there\r\n'), '"tab\\there\\r\\n"');
  assert.equal(straceQuote('\u00011'), '"\\0011"');
  assert.equal(straceQuote('é'), '"\\303\\251"');
  assert.equal(straceQuote('back\\slash "q"'), '"back\\\\slash \\"q\\""');
});

test('JSON lines: the kind writer equals JSON.stringify, with strings a container controls', () => {
  const c = ctx();
  for (const s of ['/etc/passwd', 'a"b\\c', 'tab\there\n\u0001', '\u202eevil', 'emoji 🙂 é', '']) {
    for (const ret of [3n, -2n]) {
      const e = decode(record(257, [-100n, 0x7000n, 0n, 0n], ret, [[1, Buffer.from(s)]], 0, 7, s || 'x'), c);
      assert.equal(eventJson(e), JSON.stringify(e), s);
      const w = decode(record(1, [3n, 0x7000n, 300n], 300n, [[1, Buffer.from(s)]], 1), c);
      assert.equal(eventJson(w), JSON.stringify(w), s);
    }
  }
  const exit = decode(record(231, [1n], 0n, [], 4), c);
  assert.equal(eventJson(exit), JSON.stringify(exit));
});

test('--class and --syscall: checked with near matches, their union as the kernel\'s mask', () => {
  assert.deepEqual(parseSyscallClasses('%file,network'), ['%file', '%network']);
  assert.throws(() => parseSyscallClasses('%files'), /unknown syscall class "%files"; strace's classes are .*%file/);
  assert.throws(() => parseSyscallNames('opnat'), /did you mean openat/);
  assert.deepEqual(parseSyscallNames('openat, connect'), ['openat', 'connect']);
  const nrs = syscallNumbers(['%network'], ['openat'])!;
  assert.ok(nrs.has(257) && nrs.has(42) && nrs.has(41) && !nrs.has(0));
  const m = syscallMask(new Set([0, 63, 64, 257]));
  assert.equal(m[0], (1n << 63n) | 1n);
  assert.equal(m[1], 1n);
  assert.equal(m[4], 1n << 1n);
  assert.equal(syscallNumbers(undefined, []), undefined);
});

test('the live view\'s filter: %class and syscall: terms match the kind\'s tags, in Events and in the Summary', () => {
  const c = ctx();
  const kind = CLIENT_KIND_BY_NAME.syscall;
  const events = [
    decode(record(257, [-100n, 0x7000n, 0n, 0n], 3n, [[1, Buffer.from('/f')]]), c),
    decode(record(1, [3n, 0x7000n, 1n], 1n, [[1, Buffer.from('x')]]), c),
    decode(record(42, [4n, 0n, 16n], -111n), c),
  ];
  const rows = events.map((e) => ['t', 7, 7, 3007, 'app', 'syscall', kind.text(e), 0, 0, '', undefined, undefined, undefined, kind.tags!(e)] as Row);
  const shown = (f: string) => {
    const t = eventTest(parseFilter(f), true)!;
    return rows.filter((r) => t(r, rowText(r))).map((r) => /\d{6} (\w+)\(/.exec(r[6])![1]);
  };
  assert.deepEqual(shown('%file'), ['openat']);
  assert.deepEqual(shown('%desc'), ['openat', 'write']);
  assert.deepEqual(shown('%network'), ['connect']);
  assert.deepEqual(shown('syscall:write,connect'), ['write', 'connect']);
  assert.deepEqual(shown('-%desc'), ['connect']);
  assert.deepEqual(shown('syscall:open*'), ['openat']);
  const sum = new SyscallTable();
  sum.add(events);
  const { panels } = filterPanels(sum.panels(), parseFilter('%network'), true);
  assert.deepEqual((panels[0] as TablePanel).rows.map((r) => r.cells[0]), ['connect']);
  const byName = filterPanels(sum.panels(), parseFilter('syscall:openat'), true).panels[0] as TablePanel;
  assert.deepEqual(byName.rows.map((r) => r.cells[0]), ['openat']);
});

test('calls of a program\'s start read as strace writes them: arch_prctl, prlimit64, getrandom (hex), futex, prctl, clone', () => {
  const c = ctx();
  assert.equal(line(decode(record(158, [0x1002n, 0x1d32b380n], 0n), c)), 'arch_prctl(ARCH_SET_FS, 0x1d32b380) = 0');
  assert.equal(line(decode(record(302, [0n, 3n, 0n, 0x7ffe0000n], 0n), c)), 'prlimit64(0, RLIMIT_STACK, NULL, 0x7ffe0000) = 0');
  assert.equal(line(decode(record(318, [0x4ad1d0n, 8n, 1n], 8n, [[0, Buffer.from([0xa1, 0x5d, 0xf8, 0x81, 0x55, 0xb8, 0xcc, 0xd3])]]), c)), 'getrandom("\\xa1\\x5d\\xf8\\x81\\x55\\xb8\\xcc\\xd3", 8, GRND_NONBLOCK) = 8');
  assert.equal(line(decode(record(202, [0x7f00n, 129n, 1n, 0n, 0n, 0n], 0n), c)), 'futex(0x7f00, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) = 0');
  assert.equal(line(decode(record(157, [15n, 0x7ffen, 0n, 0n, 0n], 0n), c)), 'prctl(PR_SET_NAME, 0x7ffe, 0, 0, 0) = 0');
  assert.equal(line(decode(record(56, [0x1200011n, 0n, 0n, 0x7f8a7e2d4a10n, 0n], 16n), c)), 'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f8a7e2d4a10) = 16');
});

test('fd names stay bounded: past 4096 processes the oldest are forgotten, new ones are still named', () => {
  const c = ctx();
  for (let pid = 100; pid < 100 + 5000; pid++) decode(record(257, [-100n, 0x7000n, 0n, 0n], 3n, [[1, Buffer.from(`/p${pid}`)]], 0, pid), c);
  assert.equal(line(decode(record(3, [3n], 0n, [], 0, 100 + 4999), c)), 'close(3</p5099>) = 0');
  assert.equal(line(decode(record(3, [3n], 0n, [], 0, 100), c)), 'close(3) = 0');
});
