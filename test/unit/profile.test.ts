/**
 * profile on the unprivileged side and its root part's readers, without the
 * kernel: the aggregate's entries and stacks decoded, program headers and
 * build IDs (and malformed ones refused), maps and kallsyms lookups, the
 * table of functions by self and total share, llvm-symbolizer's answers
 * (inlined frames), a real binary symbolized from fetched bytes and then from
 * the cache by its build ID, the helper's file handles (regular files only,
 * bounded reads).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as http from 'node:http';
import { decodeProfileEntry, stackAddresses, stackMissing, PROFILE_KEY_LAYOUT, PROFILE_LAYOUT } from '../../src/kinds/profile/decode';
import { bufferReader, gnuBuildId, offsetToAddress, readDebugSections, readElfLayout, ElfLayoutError } from '../../src/kinds/profile/elf';
import { topFunctions } from '../../src/kinds/profile/top';
import { profileTable } from '../../src/kinds/profile/client';
import { parseMapRanges, rangeOf, mapRanges } from '../../src/proc/maps';
import { Kallsyms } from '../../src/proc/kallsyms';
import { parseSymbolizerLine, findSymbolizer, LlvmSymbolizer } from '../../src/client/symbolize/llvm';
import { StackSymbolizer } from '../../src/client/symbolize';
import { FileCache } from '../../src/client/symbolize/cache';
import { debuginfodClient } from '../../src/client/symbolize/debuginfod';
import { FileRegistry } from '../../src/engine/files';
import { validateDebugRead, validateFileRead } from '../../src/engine/validate';
import { onlineCpus } from '../../src/kinds/profile/root';
import type { ProfileEvent, ProfileFrame } from '../../src/protocol';
import { REPO } from '../support/paths';

const frame = (fn: string | null, extra: Partial<ProfileFrame> = {}): ProfileFrame => ({ function: fn, file: null, line: null, module: '/bin/app', offset: 0x10, ...extra });
const ev = (samples: number, stack: ProfileFrame[], hostPid = 100): ProfileEvent => ({
  gadget: 'profile', time: '', container: { id: 'c', name: 'c' }, pid: 7, tid: 0, hostPid, hostTid: 0, comm: 'app', interval: 5000, samples, totalSamples: 0, stack,
});

test('an aggregate entry: PIDs, stack ids (negative: none or lost), generation, count, time off the CPU and comm', () => {
  const key = Buffer.alloc(PROFILE_KEY_LAYOUT.size);
  key.writeUInt32LE(4242, 0);
  key.writeUInt32LE(7, 4);
  key.writeInt32LE(12, 8);
  key.writeInt32LE(-14, 12);
  key.writeUInt32LE(2, 16);
  const value = Buffer.alloc(PROFILE_LAYOUT.size);
  value.writeBigUInt64LE(99n, PROFILE_LAYOUT.fields.count);
  value.writeBigUInt64LE(123_456_789n, PROFILE_LAYOUT.fields.blocked_ns);
  value.write('spin\0garbage', PROFILE_LAYOUT.fields.comm, 'latin1');
  assert.deepEqual(decodeProfileEntry(key, value), { hostPid: 4242, pid: 7, ustack: 12, kstack: -14, gen: 2, pidns: 0, count: 99, blockedNs: 123_456_789, comm: 'spin' });
  assert.equal(stackMissing(12), undefined);
  assert.equal(stackMissing(-14), 'none', 'EFAULT: no stack in that mode');
  assert.equal(stackMissing(-17), 'lost', 'EEXIST: its bucket was taken');
  assert.equal(stackMissing(-12), 'lost', 'ENOMEM: the map was full');
  const stack = Buffer.alloc(127 * 8);
  stack.writeBigUInt64LE(0x401666n, 0);
  stack.writeBigUInt64LE(0x4017a0n, 8);
  stack.writeBigUInt64LE(0xffffffff81000000n, 16);
  assert.deepEqual(stackAddresses(stack), [0x401666n, 0x4017a0n, 0xffffffff81000000n], 'leaf first, up to the first zero');
});

test('functions by self (innermost frame, inlined ones too) and total (once a stack), with their where', () => {
  const spinLong = frame('spin_long', { file: '/src/w.c', line: 17 });
  const spinShort = frame('spin_short', { file: '/src/w.c', line: 23 });
  const inl = frame('add', { file: '/src/w.h', line: 3, inlined: true });
  const main = frame('main', { file: '/src/w.c', line: 40 });
  const { functions, samples } = topFunctions([
    ev(60, [spinLong, main]),
    ev(15, [spinLong, main, main]), // recursion: main counts once in total
    ev(20, [inl, spinShort, main]),
    ev(5, [frame(null, { module: '/lib/libc.so.6', offset: 0x9a0 }), main]),
  ]);
  assert.equal(samples, 100);
  const by = Object.fromEntries(functions.map((f) => [f.name, f]));
  assert.deepEqual(functions.map((f) => f.name), ['spin_long', 'add', '[libc.so.6]', 'main', 'spin_short']);
  assert.deepEqual([by.spin_long.self, by.spin_long.total, by.spin_long.where], [75, 75, 'w.c:17']);
  assert.deepEqual([by.add.self, by.add.total, by.add.where], [20, 20, 'w.h:3']);
  assert.deepEqual([by.spin_short.self, by.spin_short.total], [0, 20]);
  assert.deepEqual([by.main.self, by.main.total], [0, 100]);
  assert.deepEqual([by['[libc.so.6]'].self, by['[libc.so.6]'].where], [5, '/lib/libc.so.6+0x9a0']);
  const table = profileTable([ev(60, [spinLong, main]), ev(20, [spinShort, main])], 2).split('\n');
  assert.equal(table[0], 'profile: 80 samples in 5.0 s, 1 processes, 2 stacks');
  assert.match(table[2], /^\s+75\.0\s+75\.0\s+60\s+spin_long\s+w\.c:17$/);
  assert.match(table[3], /^\s+25\.0\s+25\.0\s+20\s+spin_short\s+w\.c:23$/);
  assert.equal(table.length, 4, 'top 2');
});

test('maps lines to ranges, found by address; file offsets from the mapping offset', () => {
  const ranges = parseMapRanges(
    [
      '00400000-00401000 r--p 00000000 00:2c 1234   /usr/local/bin/app',
      '00401000-00498000 r-xp 00001000 00:2c 1234   /usr/local/bin/app',
      '7ffd1000-7ffd3000 r-xp 00000000 00:00 0      [vdso]',
      '7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ',
      '01000000-01021000 rw-p 00000000 00:00 0      [heap]',
    ].join('\n'),
  );
  assert.equal(ranges.length, 5);
  const r = rangeOf(ranges, 0x401666)!;
  assert.deepEqual([r.path, r.exec, r.ino, 0x401666 - r.start + r.offset], ['/usr/local/bin/app', true, 1234, 0x1666]);
  assert.equal(rangeOf(ranges, 0x7ffd1010)!.path, '[vdso]');
  assert.equal(rangeOf(ranges, 0x7f0000000010)!.path, '');
  assert.equal(rangeOf(ranges, 0x500000), undefined);
  // This very process: its own executable is mapped, executable.
  assert.ok(mapRanges(process.pid)!.some((m) => m.exec && m.path === fs.realpathSync(process.execPath)));
  assert.equal(mapRanges(2 ** 22 + 1), undefined, 'no such process');
});

test('kallsyms: function and offset, modules, nothing below the first symbol or far past the last', () => {
  const k = Kallsyms.parse(['ffffffff81000000 T _stext', 'ffffffff81000100 t do_thing', 'ffffffff81000200 D some_data', 'ffffffffc0000000 t ext4_read\t[ext4]', '0000000000000000 T hidden'].join('\n'))!;
  assert.deepEqual(k.resolve(0xffffffff81000150n), { function: 'do_thing', offset: 0x50, module: '[kernel]' });
  assert.deepEqual(k.resolve(0xffffffff81000250n), { function: 'do_thing', offset: 0x150, module: '[kernel]' }, 'data symbols are not functions');
  assert.deepEqual(k.resolve(0xffffffffc0000010n), { function: 'ext4_read', offset: 0x10, module: '[ext4]' });
  assert.equal(k.resolve(0xffffffff80000000n), undefined);
  assert.equal(Kallsyms.parse('0000000000000000 T _stext\n'), undefined, 'addresses hidden (kptr_restrict): no symbols');
});

test('online CPUs from the kernel\'s list', () => {
  assert.deepEqual(onlineCpus('0-3,6,8-9\n'), [0, 1, 2, 3, 6, 8, 9]);
  assert.deepEqual(onlineCpus('0\n'), [0]);
  assert.equal(onlineCpus().length, os.cpus().length);
});

/** A minimal ELF64 header with `phnum` program headers of `phentsize` bytes at 64. */
function elfHeader(phnum: number, phentsize = 56, size = 4096): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2;
  b[5] = 1;
  b.writeBigUInt64LE(64n, 0x20);
  b.writeUInt16LE(phentsize, 0x36);
  b.writeUInt16LE(phnum, 0x38);
  return b;
}

test('ELF layout: build ID note, loaded segments; malformed headers refused, not guessed', () => {
  const b = elfHeader(2);
  // PT_LOAD at offset 0x1000 → 0x401000, 0x200 bytes; PT_NOTE at 0x200, 36 bytes.
  b.writeUInt32LE(1, 64);
  b.writeBigUInt64LE(0x1000n - 0x1000n + 0x800n, 64 + 8);
  b.writeBigUInt64LE(0x401800n, 64 + 16);
  b.writeBigUInt64LE(0x200n, 64 + 32);
  b.writeUInt32LE(4, 120);
  b.writeBigUInt64LE(0x200n, 120 + 8);
  b.writeBigUInt64LE(36n, 120 + 32);
  b.writeUInt32LE(4, 0x200);
  b.writeUInt32LE(20, 0x204);
  b.writeUInt32LE(3, 0x208);
  b.write('GNU\0', 0x20c, 'latin1');
  Buffer.from('00112233445566778899aabbccddeeff01234567', 'hex').copy(b, 0x210);
  const layout = readElfLayout(bufferReader(b), b.length);
  assert.equal(layout.buildId, '00112233445566778899aabbccddeeff01234567');
  assert.deepEqual(layout.loads, [{ offset: 0x800, vaddr: 0x401800, filesz: 0x200 }]);
  assert.equal(offsetToAddress(layout.loads, 0x866), 0x401866);
  assert.equal(offsetToAddress(layout.loads, 0xa00), undefined, 'past the segment');
  assert.throws(() => readElfLayout(bufferReader(elfHeader(2, 55)), 4096), ElfLayoutError);
  assert.throws(() => readElfLayout(bufferReader(elfHeader(60000)), 4096), /program headers/);
  assert.throws(() => readElfLayout(bufferReader(elfHeader(2)), 100), /beyond the end/);
  assert.throws(() => readElfLayout(bufferReader(Buffer.from('#!/bin/sh\n')), 10), /not an ELF/);
  const beyond = Buffer.from(b);
  beyond.writeBigUInt64LE(1n << 40n, 64 + 32);
  assert.throws(() => readElfLayout(bufferReader(beyond), beyond.length), /beyond the end of the file/);
  // A note whose sizes lie is no build ID.
  const lying = Buffer.alloc(16);
  lying.writeUInt32LE(4, 0);
  lying.writeUInt32LE(1 << 30, 4);
  lying.writeUInt32LE(3, 8);
  assert.equal(gnuBuildId(lying), undefined);
});

test('llvm-symbolizer\'s JSON: inlined frames first, empty answers none', () => {
  const line = JSON.stringify({
    Address: '0x401666',
    ModuleName: '/proc/self/fd/3',
    Symbol: [
      { FunctionName: 'add', FileName: '/src/w.h', Line: 3, Column: 5 },
      { FunctionName: 'spin_long', FileName: '/src/w.c', Line: 17, Column: 3 },
    ],
  });
  assert.deepEqual(parseSymbolizerLine(line), [
    { function: 'add', file: '/src/w.h', line: 3 },
    { function: 'spin_long', file: '/src/w.c', line: 17 },
  ]);
  assert.deepEqual(parseSymbolizerLine('{"Address":"0x1","Symbol":[{"FunctionName":"","FileName":"","Line":0}]}'), []);
  assert.deepEqual(parseSymbolizerLine('{"Address":"0x1","Error":{"Message":"No such file"}}'), []);
  assert.deepEqual(parseSymbolizerLine('not json'), []);
});

const gcc = spawnSync('sh', ['-c', 'command -v gcc && command -v nm'], { stdio: 'ignore' }).status === 0;
const symbolizerSkip = !gcc ? 'needs gcc and nm' : !findSymbolizer() ? 'needs llvm-symbolizer (apt-get install llvm)' : undefined;

test('a real binary symbolized from fetched bytes, then from the cache by its build ID; a build ID that lies is not kept under it', { skip: symbolizerSkip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-sym-'));
  try {
    const bin = path.join(dir, 'ct-profile');
    execFileSync('gcc', ['-static', '-O1', '-g', '-o', bin, path.join(REPO, 'test', 'fixtures', 'ct-profile.c')]);
    const bytes = fs.readFileSync(bin);
    const { buildId, loads } = readElfLayout(bufferReader(bytes), bytes.length);
    assert.ok(buildId);
    const addr = (sym: string) => parseInt(/^([0-9a-f]+) T (\S+)$/m.exec(execFileSync('nm', [bin], { encoding: 'utf8' }).split('\n').filter((l) => l.endsWith(` T ${sym}`))[0])![1], 16);
    // The offsets the helper reports: file offsets of an instruction inside ct_spin_long, and of a return address in main.
    const toOffset = (a: number) => {
      const l = loads.find((s) => a >= s.vaddr && a < s.vaddr + s.filesz)!;
      return a - l.vaddr + l.offset;
    };
    const leaf = toOffset(addr('ct_spin_long') + 10);
    const ret = toOffset(addr('main') + 0x40);
    let fetched = 0;
    const fetch = async (fileId: string, offset: number, length: number) => {
      assert.equal(fileId, 'a'.repeat(32));
      fetched++;
      return { data: bytes.subarray(offset, offset + length).toString('base64'), size: bytes.length };
    };
    const stack: ProfileFrame[] = [
      { function: 'do_syscall_64', file: null, line: null, module: '[kernel]', offset: 0x5a, kernel: true },
      frame(null, { module: '/usr/local/bin/app', offset: leaf, buildId, fileId: 'a'.repeat(32) }),
      frame(null, { module: '/usr/local/bin/app', offset: ret, buildId, fileId: 'a'.repeat(32) }),
      frame(null, { module: '[anon]', offset: 0x7f0000001234 }),
    ];
    const cacheDir = path.join(dir, 'cache');
    const s = new StackSymbolizer(fetch, new FileCache(cacheDir));
    const [out] = await s.symbolize([ev(3, stack)]);
    s.close();
    assert.ok(fetched >= 1);
    assert.deepEqual(out.stack[0], stack[0], 'kernel frames come named');
    const src = fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'ct-profile.c'), 'utf8').split('\n');
    const body = (fn: string) => [src.findIndex((l) => l.includes(` ${fn}(`)) + 1, src.findIndex((l, i) => i > src.findIndex((x) => x.includes(` ${fn}(`)) && l === '}') + 1];
    const [lf, lt] = body('ct_spin_long');
    assert.equal(out.stack[1].function, 'ct_spin_long');
    assert.equal(path.basename(out.stack[1].file!), 'ct-profile.c');
    assert.ok(out.stack[1].line! >= lf && out.stack[1].line! <= lt, `line ${out.stack[1].line} in ${lf}-${lt}`);
    assert.deepEqual([out.stack[1].module, out.stack[1].offset, out.stack[1].buildId, out.stack[1].fileId], ['/usr/local/bin/app', leaf, buildId, undefined]);
    assert.equal(out.stack[2].function, 'main');
    assert.deepEqual(out.stack[3], stack[3], 'no file: module and address kept');
    assert.deepEqual(fs.readFileSync(path.join(cacheDir, buildId!)), bytes, 'kept by its build ID');
    // Again, from the cache: nothing fetched.
    const again = new StackSymbolizer(async () => assert.fail('fetched again'), new FileCache(cacheDir));
    const [cached] = await again.symbolize([ev(3, stack)]);
    again.close();
    assert.equal(cached.stack[1].function, 'ct_spin_long');
    // Bytes that are not the build ID they were asked by: used for this run only, never cached under it.
    const other = new StackSymbolizer(fetch, new FileCache(path.join(dir, 'cache2')));
    await other.symbolize([ev(1, [frame(null, { offset: leaf, buildId: 'ff'.repeat(20), fileId: 'a'.repeat(32) })])]);
    other.close();
    assert.ok(!fs.existsSync(path.join(dir, 'cache2', 'ff'.repeat(20))));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('file handles: a file a process maps is shared with its build ID and read bounded; a FIFO is refused unopened', () => {
  const files = new FileRegistry();
  try {
    const exe = fs.realpathSync(process.execPath);
    const range = mapRanges(process.pid)!.find((m) => m.path === exe)!;
    const shared = files.share(process.pid, range);
    assert.match(shared.fileId ?? '', /^[0-9a-f]{32}$/, JSON.stringify(shared));
    assert.equal(files.share(process.pid, range), shared, 'once per file');
    const head = files.read({ fileId: shared.fileId!, offset: 0, length: 64 });
    assert.deepEqual(Buffer.from(head.data, 'base64'), fs.readFileSync(exe).subarray(0, 64));
    assert.equal(head.size, fs.statSync(exe).size);
    const end = files.read({ fileId: shared.fileId!, offset: head.size - 10, length: 1 << 20 });
    assert.equal(Buffer.from(end.data, 'base64').length, 10, 'not past the end');
    assert.throws(() => files.read({ fileId: 'b'.repeat(32), offset: 0, length: 1 }), /no file/);
    const fifo = path.join(os.tmpdir(), `ct-fifo-${process.pid}`);
    execFileSync('mkfifo', [fifo]);
    try {
      const st = fs.statSync(fifo);
      const r = files.share(process.pid, { ...range, path: fifo, dev: st.dev, ino: st.ino });
      assert.equal(r.fileId, undefined);
      assert.match(r.why ?? '', /FIFO/);
    } finally {
      fs.rmSync(fifo);
    }
  } finally {
    files.close();
  }
  assert.deepEqual(validateFileRead({ fileId: 'a'.repeat(32), offset: 0, length: 4096 }), { fileId: 'a'.repeat(32), offset: 0, length: 4096 });
  for (const bad of [{ fileId: '../etc/passwd', offset: 0, length: 1 }, { fileId: 'a'.repeat(32), offset: -1, length: 1 }, { fileId: 'a'.repeat(32), offset: 0, length: 2 << 20 }, { fileId: 'a'.repeat(32), offset: 0, length: 1, path: '/' }, null]) {
    assert.throws(() => validateFileRead(bad), /profile\/file/);
  }
});

test('separate debug info: a stripped binary gets functions and lines from the debug file its container has (by build ID or .gnu_debuglink, checked); another build\'s is refused', { skip: symbolizerSkip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-dbg-'));
  try {
    const full = path.join(dir, 'full');
    execFileSync('gcc', ['-static', '-O1', '-g', '-o', full, path.join(REPO, 'test', 'fixtures', 'ct-profile.c')]);
    const dbgPath = path.join(dir, 'app.debug');
    execFileSync('objcopy', ['--only-keep-debug', full, dbgPath]);
    const strippedPath = path.join(dir, 'app');
    execFileSync('objcopy', ['--strip-all', `--add-gnu-debuglink=${dbgPath}`, full, strippedPath]);
    const stripped = fs.readFileSync(strippedPath);
    const dbg = fs.readFileSync(dbgPath);
    const { buildId, loads } = readElfLayout(bufferReader(stripped), stripped.length);
    assert.ok(buildId);
    // What the client reads of the sections: no DWARF, no symbols, the link with its CRC, the call frame information (kept by strip); the full build has DWARF.
    const { ehFrame, ...secs } = readDebugSections(bufferReader(stripped), stripped.length);
    assert.deepEqual(secs, { dwarf: false, symtab: false, debuglink: { name: 'app.debug', crc: zlib.crc32(dbg) } });
    assert.ok(ehFrame && ehFrame.size > 0 && ehFrame.offset + ehFrame.size <= stripped.length, JSON.stringify(ehFrame));
    assert.equal(readDebugSections(bufferReader(fs.readFileSync(full)), fs.statSync(full).size).dwarf, true);
    assert.throws(() => readDebugSections(bufferReader(Buffer.concat([stripped.subarray(0, 0x3c), Buffer.from([0xff, 0xff]), stripped.subarray(0x3e)])), stripped.length), ElfLayoutError, 'a section count past the bound');

    const addr = parseInt(/^([0-9a-f]+) T ct_spin_long$/m.exec(execFileSync('nm', [full], { encoding: 'utf8' }))![1], 16);
    const l = loads.find((s) => addr >= s.vaddr && addr < s.vaddr + s.filesz)!;
    const leaf = addr + 10 - l.vaddr + l.offset;
    const serve = (bytes: Buffer) => ({ data: '', size: bytes.length, bytes });
    const files: Record<string, ReturnType<typeof serve>> = { ['a'.repeat(32)]: serve(stripped), ['b'.repeat(32)]: serve(dbg) };
    const fetch = async (fileId: string, offset: number, length: number) => ({ data: files[fileId].bytes.subarray(offset, offset + length).toString('base64'), size: files[fileId].size });
    const stack = [frame(null, { module: '/usr/local/bin/app', offset: leaf, buildId, fileId: 'a'.repeat(32) })];
    const asked: [string, string | undefined][] = [];
    const run = async (cache: string, fetchDebug?: (id: string, link: string | undefined) => Promise<{ fileId?: string; path?: string; why?: string }>, debuginfod?: ReturnType<typeof debuginfodClient>) => {
      const warnings: string[] = [];
      // Never the servers the environment may name ($DEBUGINFOD_URLS): only the one a step gives.
      const s = new StackSymbolizer(fetch, new FileCache(path.join(dir, cache)), (m) => warnings.push(m), undefined, fetchDebug, debuginfod ?? (async () => ({ why: 'not asked in this step' })));
      const [out] = await s.symbolize([ev(1, stack)]);
      s.close();
      return { frame: out.stack[0], warnings };
    };
    // Without the container's debug info: the module and offset only.
    assert.equal((await run('c0')).frame.function, null);
    // By the debuglink the client read: found in the container, checked by its build ID, kept.
    const found = await run('c1', async (id, link) => {
      asked.push([id, link]);
      return { fileId: 'b'.repeat(32), path: '/usr/local/bin/app.debug' };
    });
    assert.deepEqual(asked, [['a'.repeat(32), 'app.debug']]);
    assert.equal(found.frame.function, 'ct_spin_long');
    assert.equal(path.basename(found.frame.file ?? ''), 'ct-profile.c');
    assert.ok((found.frame.line ?? 0) > 0);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'c1', 'debug', `${buildId}.debug`)), dbg, 'kept by the build ID');
    // Kept: a second run finds it in the cache and asks nothing.
    const cached = await run('c1', async () => assert.fail('asked again'));
    assert.equal(cached.frame.function, 'ct_spin_long');
    // Debug info of another build (its build ID differs, its CRC too): refused, said, not used.
    const otherFull = path.join(dir, 'other');
    execFileSync('gcc', ['-static', '-O0', '-g', '-o', otherFull, path.join(REPO, 'test', 'fixtures', 'ct-profile.c')]);
    execFileSync('objcopy', ['--only-keep-debug', otherFull, path.join(dir, 'other.debug')]);
    files['c'.repeat(32)] = serve(fs.readFileSync(path.join(dir, 'other.debug')));
    const wrong = await run('c2', async () => ({ fileId: 'c'.repeat(32), path: '/usr/lib/debug/.build-id/xx/yy.debug' }));
    assert.equal(wrong.frame.function, null);
    assert.match(wrong.warnings.join('\n'), /not for this file: it is another build's/);
    assert.ok(!fs.existsSync(path.join(dir, 'c2', 'debug', `${buildId}.debug`)));
    // None in the container: the servers $DEBUGINFOD_URLS names, by build ID (a local one here), checked as well.
    const served: string[] = [];
    const server = http.createServer((req, res) => {
      served.push(req.url ?? '');
      if (req.url === `/buildid/${buildId}/debuginfo`) return void res.end(dbg);
      if (req.url?.startsWith('/lies/buildid/')) return void res.end(fs.readFileSync(path.join(dir, 'other.debug')));
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      assert.equal(debuginfodClient({}), undefined, 'no DEBUGINFOD_URLS: no server is asked');
      const none = async () => ({ why: 'none in the container' });
      const byServer = await run('c3', none, debuginfodClient({ DEBUGINFOD_URLS: `http://127.0.0.1:1/ http://127.0.0.1:${port}` }));
      assert.equal(byServer.frame.function, 'ct_spin_long', byServer.warnings.join('\n'));
      assert.deepEqual(served, [`/buildid/${buildId}/debuginfo`]);
      assert.deepEqual(fs.readFileSync(path.join(dir, 'c3', 'debug', `${buildId}.debug`)), dbg);
      // A server that answers with another build's file: refused, said.
      const lying = debuginfodClient({ DEBUGINFOD_URLS: `http://127.0.0.1:${port}/lies` });
      const liar = await run('c4', none, lying);
      assert.equal(liar.frame.function, null);
      assert.match(liar.warnings.join('\n'), /debuginfod http:\/\/127\.0\.0\.1:\d+\/lies answered for build ID [0-9a-f]+ with a file that is not its: it is another build's/);
    } finally {
      server.close();
    }
    // The helper's answer to a name that is not a plain file name: refused before anything is opened.
    for (const bad of ['../etc/shadow', 'a/b', '..', '', 'x\0y']) assert.throws(() => validateDebugRead({ fileId: 'a'.repeat(32), debuglink: bad }), /plain file name/, bad);
    assert.deepEqual(validateDebugRead({ fileId: 'a'.repeat(32), debuglink: 'app.debug' }), { fileId: 'a'.repeat(32), debuglink: 'app.debug' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a symbolizer that stops answering is killed after its stall time: what it was asked gets no symbols, and the next question starts one again', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-stall-'));
  fs.chmodSync(dir, 0o777); // as root the symbolizer runs as nobody: it must reach its program and write its marks
  try {
    // Reads its questions and never answers the first; answers every later process's at once.
    const marker = path.join(dir, 'started');
    const prog = path.join(dir, 'stalls');
    fs.writeFileSync(prog, `#!/bin/sh\nif [ -e ${marker} ]; then while read q; do echo '{"Symbol":[{"FunctionName":"again"}]}'; done; fi\ntouch ${marker}\necho $$ > ${dir}/pid\nexec sleep 600\n`, { mode: 0o755 });
    const file = path.join(dir, 'target');
    fs.writeFileSync(file, 'x');
    fs.chmodSync(prog, 0o755);
    const s = new LlvmSymbolizer(prog, 300);
    const t0 = performance.now();
    // Without a stall time the questions would wait for the symbolizer's own end (600 s).
    const never = new Promise<'never'>((r) => setTimeout(() => r('never'), 20_000).unref());
    const first = await Promise.race([s.symbolize([{ path: file, address: 0x10 }, { path: file, address: 0x20 }]), never]);
    assert.notEqual(first, 'never', 'a stalled symbolizer was never given up');
    const waited = performance.now() - t0;
    assert.deepEqual(first, [[], []]);
    assert.ok(waited >= 250, `given up after ${waited.toFixed(0)} ms, before its stall time`);
    const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the stalled symbolizer is gone');
    const again = await s.symbolize([{ path: file, address: 0x10 }]);
    assert.equal(again[0][0]?.function, 'again');
    s.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
