/**
 * The ELF reader the root helper runs on container files: the same answers
 * as a plain full parse on real binaries, bounded work on hostile ones (the
 * 48 MiB file with entries of 1 byte answers at once), only ElfErrors on
 * malformed ones, and the fuzz target over its seeds and random mutations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { DEFAULT_LIMITS, ElfError, bufferSource, fdSource, findElfFunction } from '../../src/uprobe/elf';
import { closeMatches, distance, newWork } from '../../src/uprobe/symbols';
import { almostNamedElf, endlessNamesElf, entsizeOneElf, tinyElf } from '../support/hostile-elf';
import { checkWork, fuzz, SMALL_LIMITS } from '../fuzz/elf.fuzz';
import { mutations, realBinaries, writeSeeds } from '../fuzz/elf-seeds';
import { targetBinary } from '../support/integration';
import { REPO } from '../support/paths';

/** A plain full parse of a trusted file: name → address, .symtab's first entry, else .dynsym's. */
function oracle(b: Buffer): Map<string, bigint> {
  const shoff = Number(b.readBigUInt64LE(0x28));
  const secs = Array.from({ length: b.readUInt16LE(0x3c) }, (_, i) => {
    const at = shoff + i * 64;
    return { type: b.readUInt32LE(at + 4), offset: Number(b.readBigUInt64LE(at + 24)), size: Number(b.readBigUInt64LE(at + 32)), link: b.readUInt32LE(at + 40) };
  });
  const out = new Map<string, bigint>();
  for (const type of [2, 11]) {
    const sec = secs.find((s) => s.type === type);
    if (!sec) continue;
    const str = secs[sec.link];
    for (let at = sec.offset; at < sec.offset + sec.size; at += 24) {
      const kind = b[at + 4] & 0xf;
      if ((kind !== 2 && kind !== 10) || b.readUInt16LE(at + 6) === 0 || b.readUInt32LE(at) === 0) continue;
      const start = str.offset + b.readUInt32LE(at);
      const name = b.toString('utf8', start, b.indexOf(0, start));
      if (!out.has(name)) out.set(name, b.readBigUInt64LE(at + 8));
    }
  }
  return out;
}

function timed<T>(f: () => T): { value?: T; error?: unknown; ms: number } {
  const t0 = performance.now();
  try {
    return { value: f(), ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

test('a small ELF: the function, its file offset, close matches; a missing one', () => {
  const elf = tinyElf([{ name: 'ct_work', address: 0x401230n }, { name: 'ct_spin', address: 0x401300n }, { name: 'main', address: 0x401400n }]);
  const r = findElfFunction(bufferSource(elf), 'ct_work', { shownAs: 't' });
  assert.equal(r.symbol?.address, 0x401230n);
  assert.equal(r.offset, 0x1230n);
  assert.ok(r.hasSymtab && !r.hasDynsym);
  const miss = findElfFunction(bufferSource(elf), 'ct_wrok', { shownAs: 't', close: true });
  assert.equal(miss.symbol, undefined);
  assert.deepEqual(miss.close, ['ct_work']);
  assert.deepEqual(findElfFunction(bufferSource(elf), 'ct_wrok', { shownAs: 't' }).close, [], 'no names unless asked for');
});

test('real binaries: the same functions and offsets as a full parse, read through a descriptor in bounded pieces', () => {
  const files = realBinaries(REPO);
  try {
    files.push(targetBinary());
  } catch {
    // no compiler here: the system's binaries only
  }
  for (const file of [...new Set(files)]) {
    const b = fs.readFileSync(file);
    const all = [...oracle(b)];
    const fd = fs.openSync(file, 'r');
    try {
      for (const [name, address] of all.filter((_, i) => i % Math.max(1, Math.floor(all.length / 40)) === 0)) {
        const work = newWork();
        const r = findElfFunction(fdSource(fd), name, { shownAs: file, work });
        assert.equal(r.symbol?.address, address, `${file}: ${name}`);
        checkWork(work, DEFAULT_LIMITS, name);
        assert.ok(work.bytesRead < b.length, `${file}: not read whole`);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  const libc = files.find((f) => /libc\.so/.test(f));
  if (libc) assert.ok(findElfFunction(bufferSource(fs.readFileSync(libc)), 'mallco', { shownAs: libc, close: true }).close.includes('malloc'));
});

test('the 48 MiB file whose .symtab has entries of 1 byte over its own .strtab: an ElfError at once, from the headers', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ct-elf-')), 'hostile');
  fs.writeFileSync(file, entsizeOneElf(48 << 20));
  const fd = fs.openSync(file, 'r');
  try {
    const work = newWork();
    const r = timed(() => findElfFunction(fdSource(fd), 'main', { shownAs: '/usr/local/bin/app', close: true, work }));
    assert.ok(r.error instanceof ElfError, String(r.error));
    assert.match((r.error as Error).message, /\/usr\/local\/bin\/app: its \.symtab has entries of 1 bytes, not 24: refused/);
    assert.ok(r.ms < 200, `${r.ms} ms`);
    assert.ok(work.bytesRead < 4096, `${work.bytesRead} bytes read`);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path.dirname(file), { recursive: true });
  }
});

test('millions of symbols with names that never end, or that all but match: answered within the limits, fast', () => {
  for (const [what, elf, wanted] of [
    ['endless names', endlessNamesElf(), 'malloc'],
    ['almost the name', almostNamedElf('ct_work'), 'ct_work'],
  ] as const) {
    const work = newWork();
    const r = timed(() => findElfFunction(bufferSource(elf), wanted, { shownAs: what, close: true, work }));
    assert.equal(r.error, undefined, `${what}: ${String(r.error)}`);
    assert.equal(r.value!.symbol, undefined);
    assert.ok(r.ms < 3000, `${what}: ${r.ms} ms`);
    checkWork(work, DEFAULT_LIMITS, wanted);
    if (what === 'almost the name') assert.deepEqual(r.value!.close, ['ct_wor']);
  }
  // Past a limit: an ElfError that says which.
  const many = timed(() => findElfFunction(bufferSource(almostNamedElf('ct_work', 60_000)), 'ct_work', { shownAs: 'f', limits: SMALL_LIMITS }));
  assert.match(String(many.error), /f has more than 50000 symbols: refused/);
  const compared = timed(() => findElfFunction(bufferSource(almostNamedElf('ct_work', 40_000)), 'ct_work', { shownAs: 'f', limits: SMALL_LIMITS }));
  assert.match(String(compared.error), /f: looking up ct_work compared more than 64 KiB of names: refused/);
});

test('malformed headers are ElfErrors, never other exceptions', () => {
  const libc = realBinaries(REPO).find((f) => /libc\.so/.test(f)) ?? realBinaries(REPO)[0];
  const base = libc ? fs.readFileSync(libc) : tinyElf([{ name: 'main', address: 0x401000n }]);
  for (const [name, b] of mutations(base)) {
    const r = timed(() => findElfFunction(bufferSource(b), 'malloc', { shownAs: name, close: true }));
    if (r.error !== undefined) assert.ok(r.error instanceof ElfError, `${name}: ${String(r.error)}`);
    assert.ok(r.ms < 2000, `${name}: ${r.ms} ms`);
  }
  assert.throws(() => findElfFunction(bufferSource(Buffer.from('#!/bin/sh\necho hi\n'.repeat(8))), 'main', { shownAs: 's' }), /s is not an ELF binary/);
});

test('the fuzz target holds over its seeds and random mutations of them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-elf-seeds-'));
  try {
    const seeds = writeSeeds(dir, REPO).map((n) => fs.readFileSync(path.join(dir, n)));
    for (const s of seeds) fuzz(s);
    const small = seeds.filter((s) => s.length < 1 << 20);
    fc.assert(
      fc.property(fc.nat(small.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 16 }), fc.nat(), (i, edits, cut) => {
        const b = Buffer.from(small[i]);
        for (const [at, v] of edits) b[at % b.length] = v;
        fuzz(cut % 4 === 0 ? b.subarray(0, cut % (b.length + 1)) : b);
      }),
      { numRuns: 300 },
    );
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('close matches: contained names first, then by edit distance (banded, as the full one)', () => {
  assert.deepEqual(closeMatches('malloc', ['free', 'malloc_usable_size', 'mallco', 'calloc', '__libc_malloc']), ['__libc_malloc', 'malloc_usable_size', 'calloc', 'mallco']);
  const full = (a: string, b: string) => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
    return prev[b.length];
  };
  fc.assert(
    fc.property(fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', 'c') }), fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', 'c') }), (a, b) => {
      assert.equal(distance(a, b, 3), Math.min(full(a, b), 4));
    }),
    { numRuns: 2000 },
  );
});

test('Jazzer.js, coverage-guided, for 10 s over the seeds: no input makes the reader throw anything but an ElfError or pass its bounds', (t) => {
  const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'fuzz.mjs'), '10'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  if (r.status === 3 && !process.env.CI) return t.skip(`the fuzzer cannot run here: ${r.stderr.trim().split('\n')[0]}`);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-6000));
  assert.match(r.stderr, /Done \d+ runs in \d+ second/);
});
