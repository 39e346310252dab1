/** A JIT's perf map read as it grows: whole lines only, code replaced at an address named by its newest entry, bad lines counted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerfMap } from '../../src/client/symbolize/perfmap';

test('perf map: symbols by address, appended in pieces that cut lines anywhere', () => {
  const text = '7f0000001000 40 LazyCompile:~handle /app/server.js:12\n7f0000002000 100 py::spin:/app/work.py\n7f0000000800 10 Builtin:ArgumentsAdaptor\n';
  const m = new PerfMap();
  // Cut in three, mid-line: nothing is read from a line until it is whole.
  m.append(Buffer.from(text.slice(0, 20)));
  assert.equal(m.lookup(0x7f0000001010), undefined, 'half a line: not yet');
  m.append(Buffer.from(text.slice(20, 70)));
  m.append(Buffer.from(text.slice(70)));
  assert.equal(m.fetched, Buffer.byteLength(text));
  assert.equal(m.lookup(0x7f0000001000), 'LazyCompile:~handle /app/server.js:12');
  assert.equal(m.lookup(0x7f000000103f), 'LazyCompile:~handle /app/server.js:12');
  assert.equal(m.lookup(0x7f0000001040), undefined, 'past its size');
  assert.equal(m.lookup(0x7f00000020ff), 'py::spin:/app/work.py');
  assert.equal(m.lookup(0x7f0000000805), 'Builtin:ArgumentsAdaptor', 'entries out of order are sorted');
  assert.equal(m.lookup(0x1000), undefined);
});

test('perf map: code replaced at an address is named by the newest entry; bad lines are counted, not guessed', () => {
  const m = new PerfMap();
  m.append(Buffer.from('1000 100 old_code\nnot a line\n1000 zz bad\n1000 0 empty\n1000 80 new_code\n'));
  assert.equal(m.lookup(0x1010), 'new_code');
  assert.equal(m.lookup(0x1090), 'old_code', 'beyond the new code: the old one still covers it');
  assert.equal(m.dropped, 3);
  assert.equal(m.size, 2);
});
