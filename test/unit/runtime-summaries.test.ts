/**
 * The bind and signal Summary tabs (listeners by address with conflicts;
 * signals by sender → target, fatal first), bounded; the container
 * runtime's events kept as rows of their own in every summary that the live
 * view hides them from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Listeners } from '../../src/kinds/bind/summary';
import { SignalPairs } from '../../src/kinds/signal/summary';
import { OpenByPath } from '../../src/kinds/open/summary';
import { ProcessTree } from '../../src/kinds/shared/process-tree';
import { CLIENT_KINDS } from '../../src/kinds/client-registry';
import type { BindEvent, EventBase, ExitEvent, OpenEvent, SignalEvent } from '../../src/protocol';
import type { TablePanel, TreePanel } from '../../src/webview/panels';

const base = (pid: number, comm: string, runtime?: true): Omit<EventBase, 'gadget'> => ({
  time: '2026-11-21T10:00:00.000000000Z', container: { id: 'c', name: 'web' }, pid, tid: pid, hostPid: pid + 1000, hostTid: pid + 1000, comm, ...(runtime ? { runtime } : {}),
});

const bind = (pid: number, comm: string, address: string, port: number, error?: string, family = 'IPv4'): BindEvent => ({
  ...base(pid, comm), gadget: 'bind', fd: 3, family, address, port, socketType: 'stream', protocol: 'tcp', ret: error ? -98 : 0, ...(error ? { error } : {}),
});

const table = (p: unknown) => p as TablePanel;
const cells = (t: TablePanel, label: string) => t.rows.map((r) => r.cells[t.columns.findIndex((c) => c.label === label)]);

test('bind: a row per protocol and address; a conflict first, naming who holds the address (same address or a wildcard)', () => {
  const s = CLIENT_KINDS.bind.summary!();
  assert.ok(s instanceof Listeners);
  s.add([bind(20, 'httpd', '127.0.0.1', 8080), bind(21, 'httpd', '127.0.0.1', 8080, 'EADDRINUSE'), bind(22, 'nc', '::', 8080, 'EADDRINUSE', 'IPv6'), bind(23, 'nc', '0.0.0.0', 9000)]);
  const t = table(s.panels()[0]);
  assert.equal(t.id, 'listeners');
  assert.deepEqual(cells(t, 'Address'), ['127.0.0.1:8080', '[::]:8080', '0.0.0.0:9000']);
  assert.deepEqual(cells(t, 'Binds'), [1, 0, 1]);
  assert.deepEqual(cells(t, 'Failed'), [1, 1, 0]);
  assert.deepEqual(cells(t, 'Errors'), ['EADDRINUSE ×1', 'EADDRINUSE ×1', '']);
  assert.deepEqual(cells(t, 'Held by'), ['httpd 20 (127.0.0.1:8080)', 'httpd 20 (127.0.0.1:8080)', null]);
  assert.deepEqual(cells(t, 'Comm'), ['httpd', 'nc', 'nc'], 'who holds it, else who tried last');
  assert.deepEqual(cells(t, 'PID'), [20, 22, 23]);
  assert.deepEqual(t.rows.map((r) => r.failed), [true, true, false]);
});

test('bind: a conflict with nothing seen holding it says so; the table is bounded with "N more"', () => {
  const s = new Listeners();
  s.add([bind(5, 'nc', '127.0.0.1', 80, 'EADDRINUSE')]);
  assert.match(String(cells(table(s.panels()[0]), 'Held by')[0]), /not seen binding/);
  const many = new Listeners();
  const evs: BindEvent[] = [];
  for (let port = 1; port <= 1200; port++) evs.push(bind(5, 'srv', '127.0.0.1', port));
  many.add(evs);
  const t = table(many.panels()[0]);
  assert.equal(t.rows.length, 500);
  assert.equal(t.more, 700, '1000 kept, 500 shown, 200 never kept: all counted');
});

const generated = (pid: number, comm: string, sig: string, target: number, result = 'delivered'): SignalEvent => ({
  ...base(pid, comm), gadget: 'signal', phase: 'generated', sig, targetPid: target, targetTid: target, targetHostPid: target + 1000, targetHostTid: target + 1000, result, code: 'SI_USER', senderOutside: false, fatal: false,
});
const delivered = (pid: number, comm: string, sig: string, fatal: boolean, result = 'default'): SignalEvent => ({
  ...base(pid, comm), gadget: 'signal', phase: 'delivered', sig, targetPid: 0, targetTid: 0, targetHostPid: 0, targetHostTid: 0, result, code: fatal ? 'no siginfo' : 'SI_USER', senderOutside: false, fatal,
});

test('signal: sender → target with counts, the delivery matched to its send, fatal ones first, each PID linked to its own host PID', () => {
  const s = CLIENT_KINDS.signal.summary!();
  assert.ok(s instanceof SignalPairs);
  s.add([
    generated(30, 'sleep', 'SIGCHLD', 7),
    generated(30, 'sleep', 'SIGCHLD', 7),
    delivered(7, 'sh', 'SIGCHLD', false, 'handler'),
    generated(7, 'sh', 'SIGUSR1', 31),
    delivered(31, 'sleep', 'SIGUSR1', true),
  ]);
  const t = table(s.panels()[0]);
  assert.equal(t.id, 'signals');
  assert.deepEqual(
    t.rows.map((r) => r.cells.slice(0, 8)),
    [
      ['SIGUSR1', 7, 'sh', 31, 'sleep', 1, 1, 'fatal'],
      ['SIGCHLD', 30, 'sleep', 7, 'sh', 2, 1, ''],
    ],
  );
  assert.deepEqual(t.rows[0].hostPids?.slice(1, 4), [1007, undefined, 1031]);
  assert.equal(t.rows[0].failed, true);
  assert.match(String(t.rows[1].cells[9]), /delivered ×2, handler ×1/);
});

test('signal: a delivery whose send the trace did not see leaves the sender unknown', () => {
  const s = new SignalPairs();
  s.add([delivered(9, 'app', 'SIGTERM', true)]);
  assert.deepEqual(table(s.panels()[0]).rows[0].cells.slice(0, 5), ['SIGTERM', null, 'not seen sending', 9, 'app']);
});

test('the runtime\'s events are rows (nodes) of their own, flagged with how many events they hold', () => {
  const open = (pid: number, comm: string, path: string, runtime?: true): OpenEvent => ({
    ...base(pid, comm, runtime), gadget: 'open', path, pathTruncated: false, flags: ['O_RDONLY'], mode: null, fd: 3, dirfd: 'AT_FDCWD', syscall: 'openat',
  });
  const o = new OpenByPath();
  o.add([open(11, 'runc:[2:INIT]', '/etc/passwd', true), open(11, 'runc:[2:INIT]', '/etc/passwd', true), open(12, 'cat', '/etc/passwd')]);
  const rows = table(o.panels()[0]).rows;
  assert.deepEqual(rows.map((r) => [r.cells[0], r.cells[1], r.runtime]), [['/etc/passwd', 2, 2], ['/etc/passwd', 1, undefined]]);

  const exit = (pid: number, comm: string, runtime?: true): ExitEvent => ({
    ...base(pid, comm, runtime), gadget: 'exit', exitCode: 0, signal: null, coreDumped: false, lifetimeMs: 3, thread: false, ppid: 0, hostPpid: 0,
  });
  const tree = new ProcessTree();
  tree.add([exit(0, 'runc:[1:CHILD]', true), exit(5, 'cat')]);
  const nodes = (tree.panels()[0] as TreePanel).nodes;
  assert.deepEqual(nodes.map((n) => [n.label, n.runtime]), [['runc:[1:CHILD]', true], ['cat', undefined]]);
});
