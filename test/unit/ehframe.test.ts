/**
 * The .eh_frame reader against binutils' own table of the same
 * files: every row of glibc's shared library and of a static program (CFA,
 * return address, saved rbp) read the same; rows it cannot follow (a CFA by
 * expression) give none; hostile bytes give none, never a throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EhFrame, REG_RBP, REG_RSP } from '../../src/kinds/profile/ehframe';
import { bufferReader, readDebugSections } from '../../src/kinds/profile/elf';
import { REPO } from '../support/paths';

interface Row { addr: number; cfa?: { reg: number; offset: number }; ra?: number; rbp?: number }

/**
 * binutils' own reading of the table (readelf --debug-dump=frames-interp):
 * per FDE a header naming its columns (`LOC CFA rbx rbp ra`), then a row per
 * location: `0000000000401801 rsp+16 c-16 c-8` (`u` undefined, `exp` an
 * expression, `r<n>` another register).
 */
function referenceRows(file: string): Row[] {
  // It also looks for the file's separate debug info and says so on stderr (status 1): its table is on stdout.
  const text = spawnSync('readelf', ['--debug-dump=frames-interp', file], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout;
  const rows: Row[] = [];
  let columns: string[] | undefined;
  let fde = false;
  for (const line of text.split('\n')) {
    // `r10 (r10)`: one cell.
    const cells = line.trim().replace(/(r\d+) \(\w+\)/g, '$1').split(/\s+/);
    if (/^[0-9a-f]{8} [0-9a-f]{16} [0-9a-f]{8} (CIE|FDE)/.test(line)) fde = cells[3] === 'FDE';
    if (cells[0] === 'LOC') {
      columns = fde ? cells : undefined;
      continue;
    }
    if (!columns || !/^[0-9a-f]{16}$/.test(cells[0])) {
      if (!line.trim()) columns = undefined;
      continue;
    }
    const row: Row = { addr: parseInt(cells[0], 16) };
    const cfa = /^(rsp|rbp)([+-]\d+)$/.exec(cells[1]);
    if (cfa) row.cfa = { reg: cfa[1] === 'rsp' ? REG_RSP : REG_RBP, offset: Number(cfa[2]) };
    const at = (name: string) => cells[columns!.indexOf(name)];
    const ra = /^c([+-]\d+)$/.exec(at('ra') ?? '');
    if (ra) row.ra = Number(ra[1]);
    const rbp = at('rbp');
    if (rbp !== undefined) {
      const m = /^c([+-]\d+)$/.exec(rbp);
      if (m) row.rbp = Number(m[1]);
      // A rule it does not follow for rbp (an expression, another register): no row expected.
      else if (rbp !== 'u' && rbp !== 's') row.cfa = undefined;
    }
    rows.push(row);
  }
  return rows;
}

function ehFrameOf(file: string): EhFrame {
  const bytes = fs.readFileSync(file);
  const eh = readDebugSections(bufferReader(bytes), bytes.length).ehFrame;
  assert.ok(eh, `${file} has an .eh_frame`);
  return new EhFrame(bytes.subarray(eh.offset, eh.offset + eh.size), eh.addr);
}

function compare(file: string): number {
  const eh = ehFrameOf(file);
  const rows = referenceRows(file);
  assert.ok(rows.length > 100, `${file}: readelf gave ${rows.length} rows`);
  let checked = 0;
  for (const r of rows) {
    const got = eh.row(r.addr);
    if (!r.cfa || r.ra === undefined) {
      assert.equal(got, undefined, `${file} 0x${r.addr.toString(16)}: readelf has no plain CFA, the reader ${JSON.stringify(got)}`);
      continue;
    }
    assert.deepEqual(
      got,
      { cfaReg: r.cfa.reg, cfaOffset: r.cfa.offset, ra: r.ra, ...(r.rbp !== undefined ? { rbp: r.rbp } : {}) },
      `${file} at 0x${r.addr.toString(16)}`,
    );
    checked++;
  }
  return checked;
}

test('every row of glibc (shared) reads as binutils reads it', () => {
  const libc = ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6'].find((f) => fs.existsSync(f));
  assert.ok(libc, 'glibc is installed');
  assert.ok(compare(libc) > 10_000);
});

test('every row of a static program reads as binutils reads it, its open() wrapper included', () => {
  const out = path.join(REPO, 'build', 'unit-ct-stack');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  execFileSync('gcc', ['-static', '-O0', '-g', '-fno-omit-frame-pointer', '-o', out, path.join(REPO, 'test', 'fixtures', 'ct-stack.c')]);
  assert.ok(compare(out) > 1000);
  // open() keeps no frame pointer: its caller is found by the CFA from rsp.
  const sym = execFileSync('nm', [out], { encoding: 'utf8' }).split('\n').find((l) => / W open$/.test(l))!;
  const open = parseInt(sym.split(' ')[0], 16);
  const row = ehFrameOf(out).row(open + 0x50);
  assert.equal(row?.cfaReg, REG_RSP);
  assert.equal(row?.ra, -8);
});

test('hostile bytes: no row, never a throw', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const b = Buffer.alloc(64 + (seed % 512));
    let x = seed * 2654435761;
    for (let i = 0; i < b.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      b[i] = x >>> 24;
    }
    // Lengths that point at CIEs, and CIE ids of 0, now and then.
    if (seed % 3 === 0) b.writeUInt32LE(b.length - 8, 0);
    if (seed % 5 === 0) b.writeUInt32LE(0, 4);
    const eh = new EhFrame(b, 0x1000);
    for (let pc = 0; pc < 0x100000; pc += 0x4001) eh.row(pc);
  }
  assert.equal(new EhFrame(Buffer.alloc(0), 0).row(0), undefined);
});
