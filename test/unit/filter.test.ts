/**
 * The live view's filter (src/webview/filter.ts): the syntax parsed into
 * terms, rows of the Events table and of the Summary matched by them, the
 * container runtime's rows hidden unless shown, and 100,000 rows filtered
 * as the view does on a keystroke.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventTest, filterPanels, hiddenText, parseFilter, rowText, termLabel, withoutTerm } from '../../src/webview/filter';
import type { Row } from '../../src/webview/messages';
import type { TablePanel, TreePanel } from '../../src/webview/panels';

const row = (pid: number, comm: string, details: string, opts: { failed?: boolean; runtime?: boolean; errno?: string; tid?: number; host?: number } = {}): Row => [
  '10:00:00.000', pid, opts.tid ?? pid, opts.host ?? pid + 1000, comm, 'open', details, opts.failed ? 1 : 0, opts.runtime ? 1 : 0, opts.errno ?? '',
];

const ROWS: Row[] = [
  row(7, 'sh', '/etc/profile  O_RDONLY  → fd 3'),
  row(8, 'cat', '/no/such  O_RDONLY  → ENOENT', { failed: true, errno: 'ENOENT' }),
  row(9, 'cat', '/root/secret  O_RDONLY  → EACCES', { failed: true, errno: 'EACCES', tid: 10 }),
  row(11, 'runc:[2:INIT]', '/proc/self/fd  O_RDONLY  → fd 5', { runtime: true }),
  row(12, 'bash', '/etc/bash.bashrc  O_RDONLY  → fd 3'),
];

/** The PIDs of the rows a filter leaves (runtime shown or not). */
function pids(text: string, showRuntime = false): number[] {
  const t = eventTest(parseFilter(text), showRuntime);
  return ROWS.filter((r) => !t || t(r, rowText(r))).map((r) => r[1]);
}

test('an empty filter with the runtime shown tests nothing; hidden, it leaves out only the runtime rows', () => {
  assert.equal(eventTest(parseFilter(''), true), undefined);
  assert.deepEqual(pids(''), [7, 8, 9, 12]);
  assert.deepEqual(pids('', true), [7, 8, 9, 11, 12]);
});

test('plain words: each must appear somewhere in the row; a quoted phrase is one word', () => {
  assert.deepEqual(pids('o_rdonly'), [7, 8, 9, 12]);
  assert.deepEqual(pids('cat enoent'), [8]);
  assert.deepEqual(pids('"→ fd 3"'), [7, 12]);
  assert.deepEqual(pids('ENOENT'), [8], 'case does not matter');
});

test('comm: is the exact process name (not a substring), * a wildcard, a list or repeated terms are alternatives', () => {
  assert.deepEqual(pids('comm:sh'), [7], 'not bash');
  assert.deepEqual(pids('comm:*sh'), [7, 12]);
  assert.deepEqual(pids('comm:sh,cat'), [7, 8, 9]);
  assert.deepEqual(pids('comm:sh comm:bash'), [7, 12]);
  assert.deepEqual(pids('comm:runc*'), [], 'the runtime stays hidden');
  assert.deepEqual(pids('comm:runc*', true), [11]);
});

test('pid:, tid: and host: match their level only', () => {
  assert.deepEqual(pids('pid:8,9'), [8, 9]);
  assert.deepEqual(pids('pid:10'), [], 'a TID is not a PID');
  assert.deepEqual(pids('tid:10'), [9]);
  assert.deepEqual(pids('host:1007'), [7]);
  assert.deepEqual(pids('pid:1007'), []);
});

test('errno: and is: (failed, ok, runtime)', () => {
  assert.deepEqual(pids('errno:enoent'), [8]);
  assert.deepEqual(pids('err:E*'), [8, 9]);
  assert.deepEqual(pids('is:failed'), [8, 9]);
  assert.deepEqual(pids('is:ok'), [7, 12]);
  assert.deepEqual(pids('is:runtime'), [11], 'asking for the runtime shows it even while hidden');
  assert.equal(parseFilter('is:runtime').wantsRuntime, true);
  assert.equal(parseFilter('-is:runtime').wantsRuntime, false);
});

test('- negates any term; fields combine with AND', () => {
  assert.deepEqual(pids('-comm:sh'), [8, 9, 12]);
  assert.deepEqual(pids('-comm:sh,cat'), [12]);
  assert.deepEqual(pids('-ENOENT -is:ok'), [9]);
  assert.deepEqual(pids('comm:cat -errno:EACCES'), [8]);
  assert.deepEqual(pids('is:failed pid:9'), [9]);
});

test('unknown prefixes, addresses and half-typed terms are text or ignored, never an error that empties the view', () => {
  const f = parseFilter('127.0.0.1:8080 localhost:80 ::1');
  assert.deepEqual(f.terms.map((t) => [t.field, t.values[0]]), [['text', '127.0.0.1:8080'], ['text', 'localhost:80'], ['text', '::1']]);
  const half = parseFilter('pid:');
  assert.equal(half.active, false);
  assert.match(half.terms[0].error ?? '', /needs a value/);
  const bad = parseFilter('pid:abc is:maybe');
  assert.equal(bad.active, false);
  assert.match(bad.terms[0].error ?? '', /numbers/);
  assert.match(bad.terms[1].error ?? '', /failed, ok, runtime/);
  assert.deepEqual(pids('pid:abc'), [7, 8, 9, 12], 'an ignored term filters nothing');
  assert.deepEqual(pids('-'), [7, 8, 9, 12]);
});

test('chips: each term in words; removing one keeps the others as typed', () => {
  const f = parseFilter('-comm:sh  errno:ENOENT,EACCES "a b"');
  assert.deepEqual(f.terms.map(termLabel), ['not comm sh', 'errno ENOENT or EACCES', 'text “a b”']);
  assert.equal(withoutTerm(f, 1), '-comm:sh "a b"');
});

const table: TablePanel = {
  type: 'table',
  id: 'paths',
  title: 'Files',
  columns: [{ label: 'Path' }, { label: 'Opens', num: 'count' }, { label: 'Errors' }, { label: 'Processes', comm: true }, { label: 'PID', pid: true }],
  rows: [
    { key: 'a', cells: ['/no/such', 2, 'ENOENT ×2', 'cat 8, sh 7', 8], failed: true, hostPid: 1008 },
    { key: 'b', cells: ['/etc/profile', 1, '', 'sh 7', 7], hostPid: 1007 },
    { key: 'c', cells: ['/proc/self/fd', 30, '', 'runc:[2:INIT] 11', 11], hostPid: 1011, runtime: 30 },
  ],
  sortBy: 1,
};

const keys = (text: string, show = false) => (filterPanels([table], parseFilter(text), show).panels[0] as TablePanel).rows.map((r) => r.key);

test('Summary tables: the same terms by column (Comm/Processes for comm:, PID columns for pid:, errno names in any cell)', () => {
  assert.deepEqual(keys(''), ['a', 'b']);
  assert.deepEqual(keys('', true), ['a', 'b', 'c']);
  assert.deepEqual(keys('comm:cat'), ['a']);
  assert.deepEqual(keys('-comm:cat'), ['b']);
  assert.deepEqual(keys('pid:7'), ['b']);
  assert.deepEqual(keys('host:1008'), ['a']);
  assert.deepEqual(keys('errno:ENOENT'), ['a']);
  assert.deepEqual(keys('is:failed'), ['a']);
  assert.deepEqual(keys('profile'), ['b']);
  assert.deepEqual(keys('is:runtime'), ['c']);
  const { hidden } = filterPanels([table], parseFilter(''), false);
  assert.equal(hiddenText(hidden), '30 events');
  const { hidden: shown } = filterPanels([table], parseFilter(''), true);
  assert.equal(hiddenText(shown), '30 events', 'counted when shown too (the toggle says "shown")');
});

test('Summary trees: a node whose parent is left out hangs under its nearest shown ancestor', () => {
  const tree: TreePanel = {
    type: 'tree',
    id: 'tree',
    title: 'Processes',
    nodes: [
      { key: '1', pid: 1, hostPid: 101, label: 'sh', detail: 'sh -c x' },
      { key: '2', parent: '1', pid: 0, hostPid: 102, label: 'runc:[1:CHILD]', detail: 'exit 0', runtime: true },
      { key: '3', parent: '2', pid: 3, hostPid: 103, label: 'cat', detail: 'cat /x' },
      { key: '4', parent: '3', pid: 4, hostPid: 104, label: 'sleep', detail: 'sleep 1' },
    ],
  };
  const hiddenRt = filterPanels([tree], parseFilter(''), false);
  const nodes = (hiddenRt.panels[0] as TreePanel).nodes;
  assert.deepEqual(nodes.map((n) => [n.key, n.parent]), [['1', undefined], ['3', '1'], ['4', '3']]);
  assert.equal(hiddenText(hiddenRt.hidden), '1 process');
  const onlySleep = (filterPanels([tree], parseFilter('comm:sleep,sh'), false).panels[0] as TreePanel).nodes;
  assert.deepEqual(onlySleep.map((n) => [n.key, n.parent]), [['1', undefined], ['4', '1']]);
});

test('100,000 rows filtered as on a keystroke: one pass over precomputed text', () => {
  const many: Row[] = [];
  for (let i = 0; i < 100_000; i++) many.push(row(i, i % 3 ? 'sh' : 'cat', `/tmp/f${i}  O_RDONLY  → ${i % 7 ? 'fd 3' : 'ENOENT'}`, { failed: i % 7 === 0, errno: i % 7 ? '' : 'ENOENT', runtime: i % 50 === 0 }));
  const texts = many.map(rowText);
  const t = eventTest(parseFilter('comm:cat -errno:ENOENT /tmp'), false)!;
  let n = 0;
  for (let i = 0; i < many.length; i++) if (t(many[i], texts[i])) n++;
  // Exactly the rows that are cat's (i % 3 == 0), not failed (i % 7 != 0) and not the runtime's (i % 50 != 0).
  let want = 0;
  for (let i = 0; i < 100_000; i++) if (i % 3 === 0 && i % 7 !== 0 && i % 50 !== 0) want++;
  assert.equal(n, want);
});
