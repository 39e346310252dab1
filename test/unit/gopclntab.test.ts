/**
 * Go function names from .gopclntab, checked against the linker's own
 * symbol table of a real Go program on this machine (Debian's Go binaries
 * keep their functions in .dynsym while stripped of .symtab); hostile
 * tables are errors, not crashes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { readGoFunctions, GoTableError } from '../../src/kinds/profile/gopclntab';
import { bufferReader, readDebugSections } from '../../src/kinds/profile/elf';

/** Go programs the setup installs (containerd's shim, Docker's proxy): the first with functions in .dynsym. */
const GO = ['/usr/bin/containerd-shim-runc-v2', '/usr/bin/containerd', '/usr/sbin/runc'].find((f) => fs.existsSync(f));

test('every Go function the linker named (.dynsym) is found by .gopclntab at its first and last byte', { skip: GO ? false : 'no Go program installed (containerd)' }, () => {
  const bytes = fs.readFileSync(GO!);
  const sections = readDebugSections(bufferReader(bytes), bytes.length);
  assert.ok(sections.gopclntab, `${GO} has a .gopclntab`);
  assert.equal(sections.symtab, false, 'stripped of .symtab: nothing but .gopclntab (and .dynsym) names its functions');
  const g = sections.gopclntab!;
  const table = readGoFunctions(bytes.subarray(g.offset, g.offset + g.size), g.textAddr);
  assert.ok(table.size > 1000, `${table.size} functions`);
  const syms = execFileSync('readelf', ['--dyn-syms', '-W', GO!], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .map((l) => /^\s*\d+: ([0-9a-f]+)\s+(\d+) FUNC\s+\w+\s+\w+\s+\d+ (\S+)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m && Number(m[2]) > 0 && /\./.test(m[3]) && !m[3].includes('@'))
    // readelf prints names outside ASCII (Go's `·`) as it likes: those are left out.
    .filter((m) => /^[\x21-\x7e]+$/.test(m[3]));
  assert.ok(syms.length > 1000, `${syms.length} Go functions in .dynsym`);
  const wrong: string[] = [];
  for (const [, hex, size, name] of syms) {
    const at = parseInt(hex, 16);
    for (const a of [at, at + Number(size) - 1]) {
      const got = table.lookup(a);
      // Assembly functions: the symbol table marks their ABI (.abi0); the runtime's tracebacks, and this table, do not.
      if (got !== name.replace(/\.abi0$/, '')) wrong.push(`${name} at 0x${a.toString(16)}: ${got}`);
    }
  }
  // The external linker's short aliases of long generated names (type..<hash>) name the same code differently.
  const real = wrong.filter((w) => !/^type\.\.[A-Za-z0-9+/=_-]{6,12} /.test(w));
  assert.deepEqual(real.slice(0, 10), [], `${real.length} of ${syms.length * 2} lookups wrong`);
  assert.ok(wrong.length < syms.length / 10, `${wrong.length} aliases of ${syms.length}`);
  assert.equal(table.lookup(0), undefined, 'below the text: no function');
});

test('a hostile .gopclntab is an error that says what is wrong, never a crash or a wild read', () => {
  const header = (magic: number, nfunc: number, pcln: number, names = 0) => {
    const b = Buffer.alloc(8 + 8 * 8 + 64);
    b.writeUInt32LE(magic, 0);
    b[6] = 1;
    b[7] = 8;
    b.writeBigUInt64LE(BigInt(nfunc), 8);
    b.writeBigUInt64LE(0x401000n, 24);
    b.writeBigUInt64LE(BigInt(names), 32);
    b.writeBigUInt64LE(BigInt(pcln), 64);
    return b;
  };
  assert.throws(() => readGoFunctions(Buffer.alloc(4)), GoTableError);
  assert.throws(() => readGoFunctions(header(0xfffffffb, 1, 72)), /not a Go 1\.18\+ table/);
  assert.throws(() => readGoFunctions(header(0xfffffff1, 3_000_000, 72)), /at most/);
  assert.throws(() => readGoFunctions(header(0xfffffff1, 100, 72)), /beyond the section/);
  // Entries out of order.
  const bad = header(0xfffffff1, 2, 72);
  bad.writeUInt32LE(0x100, 72);
  bad.writeUInt32LE(0x50, 80);
  assert.throws(() => readGoFunctions(bad), /not sorted/);
  // A name offset past the end: the function has no name, nothing is read beyond.
  const wild = header(0xfffffff1, 1, 72, 100);
  wild.writeUInt32LE(0x0, 72);
  wild.writeUInt32LE(0x0, 76);
  wild.writeUInt32LE(0x40, 80);
  wild.writeInt32LE(0x7fffffff, 72 + 4);
  const t = readGoFunctions(wild);
  assert.equal(t.lookup(0x401010), undefined);
});
