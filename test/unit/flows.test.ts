/**
 * The extension's flows without VS Code: what typed text picks at each step
 * (a host PID accepted and said which process it is, never "all processes"
 * for text that names nothing), errors read into actions (the CLI hint off
 * the text, close matches), Copy as CLI (real paths, the container's
 * shortest unique name, sudo unless root; parsed back by the CLI), the
 * check's unneeded features as information, kubelet-named containerd pods,
 * the output's PID links (none for PID 0), session titles and Clear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseContainer, chooseKind, chooseScope, type Chosen } from '../../src/ext/model/choose';
import { readError } from '../../src/ext/model/hints';
import { containerName, traceLine } from '../../src/ext/cli-run';
import { checkRows } from '../../src/ext/model/check-rows';
import { containerdNames } from '../../src/runtime/containerd';
import { EVENT_LINE, outputLine } from '../../src/ext/format';
import { TraceSessionModel } from '../../src/ext/model/session';
import { request } from '../../src/cli/commands/trace';
import type { ContainerInfo } from '../../src/protocol/containers';
import type { ProcessInfo } from '../../src/proc/container';
import type { TraceEvent } from '../../src/protocol';

const proc = (pid: number, hostPid: number, comm: string, threads: [number, number][] = []): ProcessInfo => ({
  pid,
  hostPid,
  nspids: [hostPid, pid],
  ppid: pid === 1 ? 0 : 1,
  hostPpid: 100,
  comm,
  cmdline: [comm, '--serve'],
  uid: 0,
  nested: false,
  threads: [{ tid: pid, hostTid: hostPid, nstids: [hostPid, pid], comm }, ...threads.map(([tid, hostTid]) => ({ tid, hostTid, nstids: [hostTid, tid], comm }))],
});

function val<T>(c: Chosen<T>): T {
  assert.ok('value' in c, JSON.stringify(c));
  return c.value;
}

function problem<T>(c: Chosen<T>): string {
  assert.ok('problem' in c, 'refused');
  return c.problem;
}

const container = (name: string, id: string, more: Partial<ContainerInfo> = {}): ContainerInfo => ({ runtime: 'docker', id, name, image: 'busybox', state: 'running', hostPid: 4000, labels: {}, created: 0, ...more });

test('process step: the PID inside the container first, then a thread, then the host PID (said which process it is)', () => {
  const procs = [proc(1, 8810, 'sh'), proc(7, 8818, 'uxapp', [[9, 8820]]), proc(8818, 9001, 'odd')];
  assert.deepEqual(chooseScope('7', procs), { value: { scope: { pid: 7 }, process: procs[1] } });
  // 8818 is also a PID inside the container: that one wins (users speak container PIDs).
  assert.equal(val(chooseScope('8818', procs)).process?.comm, 'odd');
  const host = chooseScope('8810', procs);
  assert.ok('value' in host);
  assert.deepEqual(host.value.scope, { pid: 1 });
  assert.equal(host.note, 'host PID 8810 = PID 1 in the container');
  const thread = chooseScope('9', procs);
  assert.ok('value' in thread && thread.value.scope && 'tid' in thread.value.scope && thread.value.scope.tid === 9);
  const hostThread = chooseScope('8820', procs);
  assert.ok('value' in hostThread);
  assert.deepEqual(hostThread.value.scope, { tid: 9 });
  assert.match(hostThread.note!, /host TID 8820 = TID 9/);
  assert.ok('problem' in chooseScope('12345', procs), 'a PID that is nowhere is refused, not traced anyway');
  assert.ok('problem' in chooseScope('', procs), 'nothing typed picks nothing');
  assert.deepEqual(chooseScope('All processes', procs), { value: {} });
  assert.deepEqual(chooseScope('uxapp', procs), { value: { scope: { pid: 7 }, process: procs[1] } });
});

test('container step: exact name or id, a unique part of a name; an ambiguous one is said, not guessed', () => {
  const all = [container('web', 'a'.repeat(64)), container('web-2', 'b'.repeat(64)), container('db', 'c'.repeat(64))];
  assert.equal(val(chooseContainer('web', all)).name, 'web');
  assert.equal(val(chooseContainer('bbbb', all)).name, 'web-2');
  assert.equal(val(chooseContainer('d', all)).name, 'db');
  assert.match(problem(chooseContainer('we', all)), /matches 2 containers/);
  assert.ok('problem' in chooseContainer('nope', all));
});

test('kind step: a kind by name, its first entry; a preset by its label', () => {
  const entries = [
    { kind: 'exec', label: '$(terminal) exec' },
    { kind: 'open', label: '$(file) open' },
    { kind: 'open', label: '$(file) open — failed only' },
  ];
  assert.equal(val(chooseKind('exec', entries)), entries[0]);
  assert.equal(val(chooseKind('open — failed only', entries)), entries[2]);
  assert.equal(val(chooseKind('ex', entries)), entries[0]);
  assert.ok('problem' in chooseKind('', entries));
});

test('errors: the CLI hint leaves the text and becomes an action; close matches are read', () => {
  const pid = readError('no process with PID 99 in container web (3f2a1b9c0d4e); its PIDs are 1, 7 — see `container-trace ps web`');
  assert.equal(pid.text, 'no process with PID 99 in container web (3f2a1b9c0d4e); its PIDs are 1, 7');
  assert.deepEqual(pid.hints, [{ args: ['ps', 'web'] }]);
  const fn = readError('no function "handle_requst" in /app/server; close matches: handle_request, handle_reply');
  assert.deepEqual(fn.closeMatches, ['handle_request', 'handle_reply']);
  const check = readError('the open trace needs tracepoints, which this kernel does not offer; see `container-trace check`');
  assert.equal(check.text, 'the open trace needs tracepoints, which this kernel does not offer');
  assert.deepEqual(check.hints, [{ args: ['check'] }]);
  const install = readError('the installed helper is tampered with (x); it will not run: reinstall it (container-trace install-helper)');
  assert.doesNotMatch(install.text, /container-trace install-helper/);
  assert.deepEqual(install.hints, [{ args: ['install-helper'] }]);
});

test('Copy as CLI: the CLI by its real path, the container by its shortest unique name, sudo unless root; the CLI parses it back', () => {
  const web = container('web', 'a'.repeat(64));
  const all = [web, container('web', 'd'.repeat(64), { runtime: 'podman' }), container('api', 'b'.repeat(64)), container('app', 'c'.repeat(64), { runtime: 'cri', namespace: 'shop', pod: 'web-1' })];
  assert.equal(containerName({ id: web.id, name: 'web' }, all), 'docker:web', 'a name two runtimes share gets its runtime');
  assert.equal(containerName({ id: 'b'.repeat(64), name: 'api' }, all), 'api');
  assert.equal(containerName({ id: 'c'.repeat(64), name: 'app', runtime: 'cri', namespace: 'shop', pod: 'web-1' }, all), 'app');
  assert.equal(containerName({ id: 'e'.repeat(64), name: 'gone' }, all), 'gone', 'not listed: its name');
  const line = traceLine('/opt/ext dir/dist/cli.js', { gadget: 'exec', container: 'docker:web', scope: { pid: 7, follow: true } }, false);
  assert.ok(line.startsWith(`sudo ${process.execPath} '/opt/ext dir/dist/cli.js' trace exec `), line);
  assert.doesNotMatch(line, /[0-9a-f]{64}/);
  const words = [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]));
  assert.deepEqual(request(words.slice(words.indexOf('trace') + 1)).params.scope, { pid: 7, tid: undefined, follow: true });
  assert.ok(!traceLine('/x/dist/cli.js', { gadget: 'exec', container: 'web' }, true).startsWith('sudo'), 'root: no sudo');
});

test('system check: a missing feature no kind needs is information; fixes name the CLI by its path', () => {
  const rows = checkRows(
    [
      { name: 'attach: kprobe', status: 'warn', detail: 'not offered', fix: 'this kernel has no kprobes (CONFIG_KPROBES); no trace kind needs them' },
      { name: 'bpffs', status: 'warn', detail: 'not mounted (not needed to trace)', fix: 'mount -t bpf bpf /sys/fs/bpf' },
      { name: 'attach: uprobe', status: 'warn', detail: 'not offered', fix: 'the uprobe trace kind needs CONFIG_UPROBE_EVENTS' },
      { name: 'helper', status: 'warn', detail: 'not installed', fix: 'container-trace install-helper (installs it root-owned)' },
    ],
    '/usr/bin/node /ext/dist/cli.js',
  );
  assert.deepEqual(rows.map((r) => r.level), ['info', 'info', 'warn', 'warn']);
  assert.equal(rows[3].fix, '/usr/bin/node /ext/dist/cli.js install-helper (installs it root-owned)');
});

test('containerd: a kubelet-managed container is named namespace/pod/container by its labels', () => {
  const labels = { 'io.kubernetes.pod.namespace': 'nested', 'io.kubernetes.pod.name': 'inner-7b9', 'io.kubernetes.container.name': 'app' };
  assert.deepEqual(containerdNames('k8s.io', labels, 'f'.repeat(64)), { name: 'app', namespace: 'nested', pod: 'inner-7b9' });
  assert.deepEqual(containerdNames('default', { 'nerdctl/name': 'web' }, 'abc'), { name: 'web', namespace: 'default' });
  assert.deepEqual(containerdNames('default', {}, 'abc'), { name: 'abc', namespace: 'default' });
});

test('output PID links: a host PID is a link, host 0 (no process) is not', () => {
  const ev = (hostPid: number) =>
    ({ gadget: 'tcp', time: '2026-11-22T04:00:00.000000000Z', container: { id: 'c', name: 'web' }, pid: hostPid ? 7 : 0, tid: hostPid ? 7 : 0, hostPid, hostTid: hostPid, comm: 'nc', family: 'IPv4', saddr: '127.0.0.1', sport: 1, daddr: '127.0.0.1', dport: 2, state: 'CLOSE', oldState: 'ESTABLISHED', attributed: hostPid ? 'task' : 'none' }) as unknown as TraceEvent;
  assert.equal(EVENT_LINE.exec(outputLine(ev(8818)))?.[3], '8818');
  assert.equal(EVENT_LINE.exec(outputLine(ev(0))), null);
  // No process's (a scope's report, an unattributed connection): the PID columns are empty, not "0 host 0".
  const line = outputLine(ev(0));
  assert.doesNotMatch(line, /\b0\s+host 0\b|host 0/);
  assert.equal(line.indexOf('nc'), outputLine(ev(8818)).indexOf('nc'), 'the columns stay aligned');
});

test('sessions: titled by container name and kind (never a 64-hex id); Clear empties the rows and the summary', () => {
  const channel = { name: 'x', appendLine: () => undefined, show: () => undefined, dispose: () => undefined };
  const limits = () => ({ maxRows: 1000, maxLinesPerSecond: 1000 });
  const s = new TraceSessionModel({ gadget: 'exec', container: `docker:${'a'.repeat(64)}`, scope: { pid: 7, follow: true } }, () => channel, limits, { container: 'web' });
  assert.equal(s.title, 'web · exec');
  assert.equal(s.scopeShort, 'PID 7+');
  const unnamed = new TraceSessionModel({ gadget: 'open', container: `docker:${'b'.repeat(64)}` }, () => channel, limits);
  assert.equal(unnamed.title, `docker:${'b'.repeat(12)} · open`);
  s.state = 'ended';
  assert.equal(s.failedToStart, true, 'ended without a result: it never started');
  const exec = { gadget: 'exec', time: '2026-11-22T04:00:00.000000000Z', container: { id: 'c', name: 'web' }, pid: 7, tid: 7, hostPid: 8818, hostTid: 8818, comm: 'sh', ppid: 1, hostPpid: 8810, uid: 0, gid: 0, filename: '/bin/sh', args: ['sh'], argsTruncated: false, ret: 0 } as unknown as TraceEvent;
  s.add([exec]);
  const before = s.summary!.panels();
  assert.ok(JSON.stringify(before).includes('8818'));
  s.clearRows();
  assert.equal(s.rows.length, 0);
  assert.ok(!JSON.stringify(s.summary!.panels()).includes('8818'), 'the summary starts again');
  assert.equal(s.received, 1, 'counters keep counting');
});
