/**
 * The profile's views and exports from its (symbolized) reports: the flame
 * graph's tree of frames (merged, bounded, only what is wide enough sent),
 * the filter's matches in it, the functions table; pprof read back by a
 * decoder, folded stacks as flamegraph.pl reads them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { FlameSummary, MAX_NODES } from '../../src/kinds/profile/flame';
import { foldedStacks, pprofProfile } from '../../src/kinds/profile/export';
import { filterPanels, parseFilter } from '../../src/webview/filter';
import type { FlamePanel, TablePanel } from '../../src/webview/panels';
import type { ProfileEvent, ProfileFrame } from '../../src/protocol';

const frame = (fn: string | null, extra: Partial<ProfileFrame> = {}): ProfileFrame => ({ function: fn, file: fn ? '/src/w.c' : null, line: fn ? 10 : null, module: '/bin/app', offset: 0x10, ...extra });
const ev = (samples: number, stack: ProfileFrame[], extra: Partial<ProfileEvent> = {}): ProfileEvent => ({
  gadget: 'profile', time: '2026-12-02T05:00:05.000000000Z', container: { id: 'c', name: 'c' }, pid: 7, tid: 0, hostPid: 107, hostTid: 0, comm: 'app', interval: 5000, samples, totalSamples: 0, stack, ...extra,
});
const flameOf = (s: FlameSummary) => s.panels().find((p) => p.type === 'flame') as FlamePanel;
/** A node's names from the root, joined by ' > '. */
const pathOf = (p: FlamePanel, i: number): string => (p.nodes[i].parent < 0 ? p.nodes[i].name : `${pathOf(p, p.nodes[i].parent)} > ${p.nodes[i].name}`);

const main = frame('main', { line: 40 });
const spin = frame('spin', { line: 17 });
const hash = frame('hash', { line: 23 });
const sysWrite = frame('ksys_write', { kernel: true, module: '[kernel]', file: null, line: null });

test('flame graph: stacks merged outermost first under their process, kernel frames above the user frames they interrupted', () => {
  const s = new FlameSummary();
  s.add([ev(60, [spin, main]), ev(30, [hash, main]), ev(10, [sysWrite, hash, main]), ev(5, [frame(null, { module: '/lib/libc.so.6', offset: 0x9a0 }), main], { comm: 'worker', pid: 9 })]);
  const p = flameOf(s);
  const at = (path: string) => p.nodes.findIndex((_, i) => pathOf(p, i) === path);
  assert.equal(p.nodes[0].total, 105, 'the root holds every sample');
  assert.equal(p.nodes[at('all > app')].total, 100);
  assert.equal(p.nodes[at('all > app')].process, true);
  assert.equal(p.nodes[at('all > app > main')].total, 100);
  assert.deepEqual([p.nodes[at('all > app > main > spin')].total, p.nodes[at('all > app > main > spin')].self], [60, 60]);
  assert.deepEqual([p.nodes[at('all > app > main > hash')].total, p.nodes[at('all > app > main > hash')].self], [40, 30]);
  const k = at('all > app > main > hash > ksys_write');
  assert.equal(p.nodes[k].kernel, true);
  assert.equal(p.nodes[k].self, 10);
  assert.equal(p.nodes[at('all > app > main > spin')].where, 'w.c:17');
  const libc = at('all > worker > main > [libc.so.6]');
  assert.equal(p.nodes[libc].unsymbolized, true, 'no symbol: its module, marked');
  assert.equal(p.nodes[at('all > worker')].where, 'PID 9');
  // Parents before children; siblings by name (positions stay put as samples come).
  p.nodes.forEach((n, i) => assert.ok(n.parent < i));
  const kids = p.nodes.filter((n) => n.parent === at('all > app > main')).map((n) => n.name);
  assert.deepEqual(kids, ['hash', 'spin']);

  // A second report adds to the same frames.
  s.add([ev(40, [spin, main], { time: '2026-12-02T05:00:10.000000000Z' })]);
  const q = flameOf(s);
  assert.equal(q.nodes.find((_, i) => pathOf(q, i) === 'all > app > main > spin')!.total, 100);
  const table = s.panels().find((x) => x.id === 'functions') as TablePanel;
  assert.deepEqual(table.rows[0].cells, ['spin', 'w.c:17', 100, 69, 100, 69], 'spin: 100 of 145 samples, self and total');
  const chart = s.panels().find((x) => x.id === 'rate')!;
  assert.deepEqual(chart.type === 'chart' && chart.points.map((pt) => pt[1]), [21, 8], 'samples a second of each report (105 and 40 over 5 s)');
});

test('flame graph: lost stacks counted under their process; narrow frames not sent, counted; the tree bounded, the rest folded', () => {
  const s = new FlameSummary();
  s.add([ev(9000, [spin, main]), ev(3, [frame('rare'), main]), ev(7, [], { lost: ['user'] })]);
  const p = flameOf(s);
  assert.ok(p.nodes.some((n) => n.name === '[user stack lost]' && n.total === 7));
  assert.ok(!p.nodes.some((n) => n.name === 'rare'), '3 of 9,010 samples: under 1/2000, not drawn');
  assert.equal(p.hidden, 1, 'and said');

  const big = new FlameSummary();
  const events: ProfileEvent[] = [];
  for (let i = 0; i < MAX_NODES + 500; i++) events.push(ev(1, [frame(`f${i}`), main]));
  big.add(events);
  const b = flameOf(big);
  assert.ok(b.folded >= 500, `folded ${b.folded}`);
  assert.equal(b.nodes[0].total, MAX_NODES + 500, 'every sample still counted');
});

test('the filter marks the frames it matches in the flame graph; comm: picks a process', () => {
  const s = new FlameSummary();
  s.add([ev(60, [spin, main]), ev(40, [hash, main], { comm: 'worker' })]);
  const flame = (text: string) => filterPanels(s.panels(), parseFilter(text), false).panels.find((p) => p.type === 'flame') as FlamePanel;
  const names = (p: FlamePanel) => p.matched!.map((i) => p.nodes[i].name);
  assert.deepEqual(names(flame('spin')), ['spin']);
  assert.deepEqual(names(flame('w.c:23')), ['hash'], 'by where too');
  assert.deepEqual(names(flame('comm:worker')).sort(), ['hash', 'main', 'worker']);
  assert.equal(flame('').matched, undefined, 'no filter: nothing marked');
});

test('pprof: samples with their CPU time, inlined functions as lines of one location, build IDs on mappings, process labels', () => {
  const inl = frame('add', { line: 3, file: '/src/w.h', inlined: true, offset: 0x40, buildId: 'ab12' });
  const outer = frame('hash', { line: 23, offset: 0x40, buildId: 'ab12' });
  const buf = pprofProfile([ev(30, [inl, outer, main]), ev(10, [sysWrite, outer, main], { pid: 8, comm: 'w2' })], 99);
  const prof = Profile.decode(gunzipSync(buf));
  const str = (i: number | bigint) => prof.stringTable.strings[Number(i)];
  assert.deepEqual(prof.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`), ['samples/count', 'cpu/nanoseconds']);
  assert.equal(Number(prof.period), Math.round(1e9 / 99));
  assert.deepEqual(prof.sample.map((x) => x.value.map(Number)), [[30, 30 * Math.round(1e9 / 99)], [10, 10 * Math.round(1e9 / 99)]]);
  const fnName = (id: number | bigint) => str(prof.function.find((f) => Number(f.id) === Number(id))!.name);
  const loc = (id: number | bigint) => prof.location.find((l) => Number(l.id) === Number(id))!;
  const first = prof.sample[0].locationId.map(loc);
  assert.equal(first.length, 2, 'add inlined into hash: one location; then main');
  assert.deepEqual(first[0].line.map((l) => [fnName(l.functionId), Number(l.line)]), [['add', 3], ['hash', 23]]);
  assert.equal(Number(first[0].address), 0x40);
  const mapping = prof.mapping.find((m) => Number(m.id) === Number(first[0].mappingId))!;
  assert.equal(str(mapping.buildId), 'ab12');
  assert.equal(str(mapping.filename), '/bin/app');
  assert.deepEqual(prof.sample[1].label.map((l) => [str(l.key), l.str ? str(l.str) : Number(l.num)]), [['pid', 8], ['host_pid', 107], ['comm', 'w2']]);
  assert.equal(fnName(loc(prof.sample[1].locationId[0]).line[0].functionId), 'ksys_write [kernel]');
});

test('folded stacks: process first, outermost frame first, kernel frames marked, identical stacks added', () => {
  const text = foldedStacks([ev(60, [spin, main]), ev(5, [spin, main]), ev(10, [sysWrite, frame('a;b'), main])]);
  assert.equal(text, 'app;main;spin 65\napp;main;a_b;ksys_write_[k] 10\n');
});

test('off-CPU: frames weigh the time off the CPU (not the blocks), in the flame graph, the table, the chart, pprof and folded stacks', () => {
  const sleep = frame('do_nanosleep', { kernel: true, module: '[kernel]', file: null, line: null });
  const wait = frame('wait_long', { line: 30 });
  const poll = frame('poll_fast', { line: 50 });
  // Three long blocks of 1.5 s against a thousand short ones of 0.5 ms: by time, the long ones weigh 9×.
  const off = [ev(3, [sleep, wait, main], { blockedNs: 4_500_000_000, totalBlockedNs: 5_000_000_000 }), ev(1000, [sleep, poll, main], { blockedNs: 500_000_000, totalBlockedNs: 5_000_000_000 })];
  const s = new FlameSummary();
  s.add(off);
  const p = flameOf(s);
  assert.equal(p.unit, 'ns');
  assert.equal(p.nodes[0].total, 5_000_000_000);
  assert.match(p.title, /Off-CPU flame graph · 5\.00 s off the CPU/);
  const at = (path: string) => p.nodes.find((_, i) => pathOf(p, i) === path)!;
  assert.equal(at('all > app > main > wait_long').total, 4_500_000_000);
  assert.equal(at('all > app > main > poll_fast > do_nanosleep').self, 500_000_000);
  const table = s.panels().find((x) => x.id === 'functions') as TablePanel;
  assert.deepEqual(table.rows.find((r) => r.key === 'do_nanosleep')!.cells, ['do_nanosleep', '[kernel]', 5_000_000_000, 100, 5_000_000_000, 100]);
  assert.equal(table.columns[2].num, 'ns');
  const chart = s.panels().find((x) => x.id === 'rate')!;
  assert.deepEqual(chart.type === 'chart' && [chart.unit, chart.points.map((pt) => pt[1])], ['ms/s', [1000]], '5 s off the CPU over a 5 s report: 1000 ms a second');
  const prof = Profile.decode(gunzipSync(pprofProfile(off, 99)));
  const str = (i: number | bigint) => prof.stringTable.strings[Number(i)];
  assert.deepEqual(prof.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`), ['blocks/count', 'off-cpu/nanoseconds']);
  assert.deepEqual(prof.sample.map((x) => x.value.map(Number)), [[3, 4_500_000_000], [1000, 500_000_000]]);
  assert.equal(foldedStacks(off), 'app;main;wait_long;do_nanosleep_[k] 4500000000\napp;main;poll_fast;do_nanosleep_[k] 500000000\n');
});
