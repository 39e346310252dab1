/**
 * Summaries that aggregate instead of listing, without VS Code: the process
 * tree groups identical children (`/bin/true ×14,700`, opened to its newest
 * members), stays bounded whatever the trace's length (processes kept, groups
 * and nodes shown, "N more"), and is the same built batch by batch as built
 * at once (updated in place, no rebuild); a process moves to the group of
 * what it execs; children seen before their parent move under it. The
 * session's counters come from one place, with a rate that falls to 0 within
 * a second of the last event; tables send a bounded number of rows; an
 * output channel keeps its newest lines (VS Code holds a channel whole).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessTree } from '../../src/kinds/shared/process-tree';
import { CLIENT_KIND_BY_NAME } from '../../src/kinds/client-registry';
import { TraceSessionModel } from '../../src/ext/model/session';
import { KEEP_LINES, MAX_LINES, SessionOutput } from '../../src/ext/model/output';
import type { ExecEvent, ExitEvent, ProctreeEvent, TcpEvent, TraceEvent } from '../../src/protocol';
import type { TablePanel, TreeNode, TreePanel } from '../../src/webview/panels';

const base = (pid: number, hostPid: number, comm: string) => ({
  time: '2026-11-22T06:00:00.123456789Z',
  container: { id: 'c'.repeat(64), name: 'web' },
  pid,
  tid: pid,
  hostPid,
  hostTid: hostPid,
  comm,
});
const fork = (parent: number, child: number, comm = 'sh', grandparent = 4001): ProctreeEvent => ({ ...base(parent - 4000, parent, comm), gadget: 'proctree', kind: 'fork', ppid: grandparent - 4000, hostPpid: grandparent, childPid: child - 4000, childHostPid: child });
const pexec = (h: number, parent: number, filename: string, comm: string): ProctreeEvent => ({ ...base(h - 4000, h, comm), gadget: 'proctree', kind: 'exec', ppid: parent - 4000, hostPpid: parent, filename });
const pexit = (h: number, parent: number, comm: string, exitCode = 0): ProctreeEvent => ({ ...base(h - 4000, h, comm), gadget: 'proctree', kind: 'exit', ppid: parent - 4000, hostPpid: parent, exitCode, signal: null, lifetimeMs: 2 });
const exec = (h: number, parent: number, args: string[]): ExecEvent => ({ ...base(h - 4000, h, args[0].split('/').pop()!), gadget: 'exec', ppid: parent - 4000, hostPpid: parent, uid: 0, gid: 0, filename: args[0], args, argsTruncated: false, ret: 0 });
const exit = (h: number, parent: number, comm: string, exitCode: number | null = 0, signal: string | null = null): ExitEvent => ({ ...base(h - 4000, h, comm), gadget: 'exit', exitCode, signal, coreDumped: false, lifetimeMs: 3, thread: false, ppid: parent - 4000, hostPpid: parent });

const treeOf = (s: { panels(o?: { expanded?: ReadonlySet<string> }): unknown[] }, expanded?: string[]) => s.panels({ expanded: new Set(expanded) })[0] as TreePanel;
const byDetail = (t: TreePanel, re: RegExp) => t.nodes.find((n) => re.test(n.detail));

/** A shell (host 5000) running `/bin/true ct-bench` n times: fork, exec, exit each (exit 1 every 100th). */
function trueLoop(n: number, from = 0): ProctreeEvent[] {
  const out: ProctreeEvent[] = [];
  for (let i = from; i < from + n; i++) {
    const h = 10_000 + i;
    out.push(fork(5000, h), pexec(h, 5000, '/bin/true', 'true'), pexit(h, 5000, 'true', i % 100 === 99 ? 1 : 0));
  }
  return out;
}

test('identical children are one group: /bin/true ×14,700 with its exits counted, opened to its newest members with "N more"', () => {
  const t = new ProcessTree(true, true);
  const events = trueLoop(14_700);
  for (let i = 0; i < events.length; i += 700) t.add(events.slice(i, i + 700));
  const tree = treeOf(t);
  const group = byDetail(tree, /^\/bin\/true ×14,700/)!;
  assert.ok(group, `a group line, got ${JSON.stringify(tree.nodes.map((x) => x.detail))}`);
  assert.equal(group.count, 14_700);
  assert.equal(group.parent, '5000', 'under the shell that started them');
  assert.match(group.detail, /exit 0 ×14,553, exit 1 ×147/);
  assert.equal(group.ended, true, 'all of them exited');
  assert.equal(group.failed, true, 'some exited with a failure');
  assert.equal(group.expanded, false);
  assert.ok(tree.nodes.length <= 3, `closed, its members are not sent (${tree.nodes.length} nodes)`);
  const open = treeOf(t, [group.key]);
  const members = open.nodes.filter((x) => x.parent === group.key);
  assert.ok(members.length > 0 && members.length <= 25, `${members.length} members listed`);
  assert.equal(members[members.length - 1].hostPid, 10_000 + 14_699, 'the newest last');
  assert.equal(open.nodes.find((x) => x.key === group.key)!.more, 14_700 - members.length, 'the rest said as "N more"');
  assert.ok((open.letGo ?? 0) > 0, 'most are no longer kept one by one, yet counted');
});

test('bounded whatever the trace\'s length: processes kept, groups shown under a node, nodes sent', () => {
  const t = new ProcessTree(false); // exec: no exits seen, so nothing "ends" to make room
  const events: ExecEvent[] = [];
  for (let i = 0; i < 60_000; i++) events.push(exec(20_000 + i, 5000, ['/bin/job', String(i % 300)]));
  for (let i = 0; i < events.length; i += 1000) t.add(events.slice(i, i + 1000));
  const tree = treeOf(t);
  const under = tree.nodes.filter((x) => x.parent === '5000');
  assert.ok(under.length <= 50, `${under.length} groups shown under one node`);
  const parent = tree.nodes.find((x) => x.key === '5000')!;
  const shown = under.reduce((sum, x) => sum + (x.count ?? 1), 0);
  assert.equal(shown + (parent.more ?? 0), 60_000, 'every process counted: shown groups plus "N more"');
  assert.ok(tree.nodes.length <= 1500);
  assert.ok((tree.letGo ?? 0) >= 60_000 - 5000, `processes kept one by one are bounded (${tree.letGo} let go)`);
  assert.ok(JSON.stringify(tree).length < 200_000, 'what a post carries is bounded');
  // Opening every shown group still sends a bounded number of nodes.
  const all = treeOf(t, under.map((x) => x.key));
  assert.ok(all.nodes.length <= 1500, `${all.nodes.length} nodes with every group open`);
});

test('incremental: the tree built batch by batch equals the tree built at once, and a process moves to the group of what it execs', () => {
  const events: (ProctreeEvent | ExecEvent | ExitEvent)[] = [];
  // A shell whose children fork, exec one of three programs, some exit with failures; one is killed; another forks a grandchild.
  let h = 30_000;
  for (let i = 0; i < 400; i++) {
    const c = h++;
    events.push(fork(5000, c), pexec(c, 5000, ['/bin/true', '/bin/false', '/bin/sleep'][i % 3], ['true', 'false', 'sleep'][i % 3]));
    if (i % 7 === 0) {
      const g = h++;
      events.push(fork(c, g, ['true', 'false', 'sleep'][i % 3], 5000), pexit(g, c, 'sleep'));
    }
    if (i % 5) events.push(pexit(c, 5000, ['true', 'false', 'sleep'][i % 3], i % 3 === 1 ? 1 : 0));
  }
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const once = new ProcessTree(true, true);
  once.add(events);
  const batched = new ProcessTree(true, true);
  for (let i = 0; i < events.length; ) {
    const n = 1 + Math.floor(random() * 40);
    batched.add(events.slice(i, i + n));
    i += n;
  }
  const strip = (t: TreePanel) => t.nodes.map((x: TreeNode) => ({ ...x, key: x.count ? 'group' : x.key, parent: x.parent?.startsWith('g') ? 'group' : x.parent }));
  assert.deepEqual(strip(treeOf(batched)), strip(treeOf(once)));
  const tree = treeOf(once);
  const trues = byDetail(tree, /^\/bin\/true ×/)!;
  assert.equal(trues.count, 134, 'every child that exec\'d /bin/true, none left in the group of its fork');
  assert.equal(tree.nodes.filter((x) => x.parent === '5000' && /^ ?×|^$/.test(x.detail)).length, 0);
  assert.match(byDetail(tree, /^\/bin\/false ×/)!.detail, /exit 1 ×\d+, \d+ running/);
  assert.ok(!tree.nodes.some((x) => x.label === 'sh' && x.parent === '5000'), 'no fork-time group left behind');
});

test('exact past the bound: processes let go while running and heard of again are counted once, and a shell keeps its loop\'s group', () => {
  // proctree: 8,000 long-lived children forked (more than are kept one by one), then each execs and exits.
  const t = new ProcessTree(true, true);
  const n = 8000;
  const forks: ProctreeEvent[] = [];
  for (let i = 0; i < n; i++) forks.push(fork(5000, 40_000 + i));
  for (let i = 0; i < n; i += 500) t.add(forks.slice(i, i + 500));
  const later: ProctreeEvent[] = [];
  for (let i = 0; i < n; i++) later.push(pexec(40_000 + i, 5000, '/bin/sleep', 'sleep'), pexit(40_000 + i, 5000, 'sleep', i % 10 ? 0 : 2));
  for (let i = 0; i < later.length; i += 500) t.add(later.slice(i, i + 500));
  const tree = treeOf(t);
  const sleeps = byDetail(tree, /^\/bin\/sleep ×/)!;
  assert.equal(sleeps.count, n, `every child once (${sleeps.detail})`);
  assert.match(sleeps.detail, /exit 0 ×7,200, exit 2 ×800$/);
  assert.ok(!tree.nodes.some((x) => x.count && /running/.test(x.detail)), 'no group left running, none left in the group of its fork');
  assert.ok(!tree.nodes.some((x) => x.count && x.label === 'sh'), 'no fork-time group left behind');
  // The shell is not made up as "started before the trace" again, and stays with its group.
  assert.equal(tree.nodes.filter((x) => x.hostPid === 5000 && !x.count).length, 1);
  // exec: 6,000 processes, each exec'ing twice (a shell, then what it runs), counted once each.
  const e = new ProcessTree(false);
  const first: ExecEvent[] = [];
  const second: ExecEvent[] = [];
  for (let i = 0; i < 6000; i++) {
    first.push(exec(60_000 + i, 5000, ['/bin/sh', '-c', 'job']));
    second.push(exec(60_000 + i, 5000, ['/bin/job']));
  }
  for (let i = 0; i < 6000; i += 500) e.add(first.slice(i, i + 500));
  for (let i = 0; i < 6000; i += 500) e.add(second.slice(i, i + 500));
  const et = treeOf(e);
  assert.equal(byDetail(et, /^\/bin\/job ×/)?.count, 6000);
  assert.equal(byDetail(et, /^\/bin\/sh -c job/), undefined, 'none left in the group of its first exec');
});

test('children seen before their parent move under it when it appears', () => {
  const t = new ProcessTree(true);
  t.add([exit(6001, 6000, 'worker'), exit(6002, 6000, 'worker')]);
  assert.equal(treeOf(t).nodes.find((x) => x.count === 2)?.parent, '6000', 'under the parent it made up for them');
  assert.equal(treeOf(t).nodes.find((x) => x.key === '6000')?.label, 'pid 2000', 'named by its PID until it is heard of');
  t.add([exit(6000, 1, 'runner')]);
  assert.equal(treeOf(t).nodes.find((x) => x.key === '6000')?.label, 'runner', 'then by its own name');
  assert.match(treeOf(t).nodes.find((x) => x.count === 2)!.detail, /^×2 {2}· {2}exit 0 ×2$/, 'a group without a command line says how many and how they ended');
  const u = new ProcessTree(true);
  // An exit from a parent outside the container's view (ppid 0): its children wait at the top...
  u.add([{ ...exit(7001, 7000, 'job'), ppid: 0 }]);
  assert.equal(treeOf(u).nodes[0].parent, undefined);
  // ...until it shows up.
  u.add([{ ...exec(7000, 1, ['/bin/sh', 'run.sh']), ppid: 0, hostPpid: 0 }]);
  const tree = treeOf(u);
  assert.equal(tree.nodes.find((x) => x.hostPid === 7001)?.parent, '7000');
});

test('the session\'s counters: one snapshot for every surface; the rate is the last second\'s and falls to 0 within a second of the last event; "stopping" until ended', () => {
  const lines: string[] = [];
  const s = new TraceSessionModel({ gadget: 'exit', container: 'c' }, () => ({ name: 'c', appendLine: (l) => void lines.push(l), show: () => undefined, dispose: () => undefined }), () => ({ maxRows: 1000, maxLinesPerSecond: 10 }));
  s.state = 'running';
  const events = (n: number) => Array.from({ length: n }, (_, i) => exit(8000 + i, 1, 'x') as TraceEvent);
  let now = 1_000_000;
  s.tick(now);
  for (let i = 0; i < 8; i++) {
    s.add(events(250)); // 1,000 a second
    now += 250;
    s.tick(now);
  }
  assert.equal(s.counters().rate, 1000);
  assert.equal(s.counters().received, 2000);
  now += 250;
  assert.equal(s.tick(now), true, 'a changed rate is news');
  assert.ok(s.counters().rate < 1000);
  now += 1000;
  s.tick(now);
  assert.equal(s.counters().rate, 0, 'no events for a second: no rate');
  assert.equal(s.tick(now + 250), false, 'nothing changed: nothing to tell');
  s.stopping = true;
  assert.equal(s.counters().state, 'stopping');
  s.state = 'ended';
  assert.equal(s.counters().state, 'ended');
  s.dispose();
});

test('tables send a bounded number of rows, the rest counted', () => {
  const c = CLIENT_KIND_BY_NAME.tcp.summary!();
  const conns: TcpEvent[] = [];
  for (let i = 0; i < 3000; i++) {
    conns.push({ ...base(3, 5003, 'app'), gadget: 'tcp', family: 'IPv4', saddr: '127.0.0.1', sport: 20_000 + i, daddr: '127.0.0.1', dport: 80, state: 'ESTABLISHED', oldState: 'SYN_SENT', durationMs: 1, bytesSent: null, bytesReceived: null, attributed: 'task' });
  }
  c.add(conns);
  const t = c.panels()[0] as TablePanel;
  assert.ok(t.rows.length <= 500, `${t.rows.length} rows sent`);
  assert.equal(t.rows.length + (t.more ?? 0), 3000);
  assert.equal(t.rows[0].cells[2], '127.0.0.1:22999', 'the newest first');
});

test('an output channel is bounded: past MAX_LINES it is rewritten with its newest KEEP_LINES and a line saying what went', () => {
  let text = '';
  let replaced = 0;
  const channel = { name: 'c', appendLine: (l: string) => void (text += `${l}\n`), replace: (v: string) => void ((text = v), replaced++), show: () => undefined, dispose: () => undefined };
  const out = new SessionOutput(channel, () => 100_000);
  let written = 0;
  for (let round = 0; round < 30; round++) {
    out.append(Array.from({ length: 8000 }, (_, i) => `line ${written + i}`), (l) => l);
    written += 8000;
    out.flush();
  }
  const lines = text.split('\n').filter(Boolean);
  assert.ok(replaced >= 2, `rewritten ${replaced} times`);
  assert.ok(lines.length <= MAX_LINES + 1, `${lines.length} lines held`);
  assert.ok(lines.length > KEEP_LINES, 'the newest are kept');
  assert.equal(lines[lines.length - 1], `line ${written - 1}`, 'the newest line is last');
  const note = lines.find((l) => /earlier lines are no longer here/.test(l))!;
  assert.match(note, /^… [\d,]+ earlier lines are no longer here \(this output keeps its newest 30,000; the live view and export have the events\)$/);
  const gone = Number(/… ([\d,]+) earlier/.exec(note)![1].replace(/,/g, ''));
  assert.equal(gone + lines.length - 1, written, 'what went and what is held add up to what was written');
});
