/**
 * A binary's functions and where each is declared, as the CodeLens reads
 * them: a program built here with -g names handle_request, crunch and main
 * at their declarations in main.c (llvm-symbolizer, on bytes fetched by
 * handle as from the helper: only the section headers until DWARF is
 * seen); the same program stripped has none, and says why; a file that is
 * not ELF is refused without being read whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FunctionReader, hasDwarf } from '../../src/client/source/functions';
import { FileCache } from '../../src/client/symbolize/cache';
import { findSymbolizer } from '../../src/client/symbolize/llvm';
import { REPO } from '../support/paths';

const SRC = path.join(REPO, 'test', 'fixtures', 'source-project', 'main.c');
const LINES = fs.readFileSync(SRC, 'utf8').split('\n');
const lineOf = (t: string) => LINES.findIndex((l) => l.includes(t)) + 1;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-fn-'));

/** A fetch over a local file that counts the bytes it hands out. */
function fetcher(file: string) {
  const bytes = fs.readFileSync(file);
  const served = { bytes: 0 };
  const fetch = async (_id: string, offset: number, length: number) => {
    const data = bytes.subarray(offset, offset + length);
    served.bytes += data.length;
    return { data: data.toString('base64'), size: bytes.length };
  };
  return { fetch, served, size: bytes.length };
}

const symbolizer = findSymbolizer();

test('functions of a -g program at their declarations; stripped: none, and why', { skip: symbolizer ? false : 'llvm-symbolizer is not installed' }, async () => {
  const app = path.join(dir, 'app');
  execFileSync('gcc', ['-g', '-O0', '-o', app, SRC]);
  const f = fetcher(app);
  const reader = new FunctionReader(f.fetch, new FileCache(path.join(dir, 'cache')));
  try {
    const got = await reader.functions('id1', undefined);
    const by = new Map(got.functions.map((x) => [x.symbol, x]));
    for (const [fn, decl] of [['handle_request', 'int handle_request(int n)'], ['crunch', 'static void crunch(void)'], ['main', 'int main(void)']]) {
      const x = by.get(fn);
      assert.ok(x, `${fn} listed: ${[...by.keys()].join(', ')}`);
      assert.equal(x.file, SRC);
      assert.equal(x.line, lineOf(decl), `${fn} declared at its line`);
    }
    execFileSync('strip', ['-o', `${app}.stripped`, app]);
    const s = fetcher(`${app}.stripped`);
    const none = await new FunctionReader(s.fetch, new FileCache(path.join(dir, 'cache2'))).functions('id2', undefined);
    assert.equal(none.functions.length, 0);
    assert.match(none.why ?? '', /no DWARF of its own/);
    assert.ok(s.served.bytes < 4096, `only the headers were read of a file without DWARF (${s.served.bytes} of ${s.size} bytes)`);
  } finally {
    reader.close();
  }
});

test('not ELF, or headers that lie: no DWARF, nothing read beyond them', async () => {
  const junk = path.join(dir, 'junk');
  fs.writeFileSync(junk, Buffer.alloc(1 << 16, 0x41));
  const f = fetcher(junk);
  assert.equal(await hasDwarf(f.fetch, 'x'), false);
  assert.equal(f.served.bytes, 64);
  // An ELF header whose section table lies past the end.
  const h = Buffer.alloc(64);
  h.writeUInt32BE(0x7f454c46, 0);
  h[4] = 2;
  h[5] = 1;
  h.writeBigUInt64LE(1n << 40n, 0x28);
  h.writeUInt16LE(64, 0x3a);
  h.writeUInt16LE(30, 0x3c);
  h.writeUInt16LE(29, 0x3e);
  const lie = path.join(dir, 'lie');
  fs.writeFileSync(lie, h);
  assert.equal(await hasDwarf(fetcher(lie).fetch, 'y'), false);
});
