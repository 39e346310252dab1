/**
 * oomkill's client side without the kernel: its text (memory in binary
 * units, the cgroup's usage of its limit, a limit set higher up, the
 * machine's OOM), its Summary table (newest first, bounded, every row a
 * failure), and the process tree that exit and proctree build saying
 * "(OOM killer)" for the process it took, not for one killed by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_KIND_BY_NAME } from '../../src/kinds/client-registry';
import { ProcessTree } from '../../src/kinds/shared/process-tree';
import { bytes } from '../../src/kinds/oomkill/summary';
import type { ExitEvent, OomkillEvent, ProctreeEvent } from '../../src/protocol';
import type { TablePanel, TreePanel } from '../../src/webview/panels';

const MiB = 1024 * 1024;
const base = (pid: number, hostPid: number, comm: string) => ({
  time: '2026-12-03T13:26:56.071433335Z',
  container: { id: 'c'.repeat(64), name: 'web' },
  pid,
  tid: pid,
  hostPid,
  hostTid: hostPid,
  comm,
});

const victim = (pid: number, over: Partial<OomkillEvent> = {}): OomkillEvent => ({
  ...base(pid, 4000 + pid, 'tail'),
  gadget: 'oomkill',
  victimPid: pid,
  victimHostPid: 4000 + pid,
  victimComm: 'tail',
  rssBytes: 49676288 + 1282048,
  anonRssBytes: 49676288,
  fileRssBytes: 1282048,
  shmemRssBytes: 0,
  pgtablesBytes: 143360,
  totalVmBytes: 51904512,
  oomScoreAdj: 0,
  limitBytes: 48 * MiB,
  usageBytes: 48 * MiB,
  limitDepth: 0,
  triggerPid: pid,
  triggerHostPid: 4000 + pid,
  triggerComm: 'tail',
  triggerOutside: false,
  ...over,
});

test('bytes in binary units', () => {
  assert.equal(bytes(0), '0 B');
  assert.equal(bytes(1023), '1023 B');
  assert.equal(bytes(143360), '140 KiB');
  assert.equal(bytes(48 * MiB), '48.0 MiB');
  assert.equal(bytes(50958336), '48.6 MiB');
});

test('text: the victim, its memory, the cgroup against its limit, who triggered it', () => {
  const k = CLIENT_KIND_BY_NAME.oomkill;
  assert.equal(
    k.text(victim(7)),
    'OOM killer took 7 tail (rss 48.6 MiB: anon 47.4 MiB, file 1.2 MiB, shmem 0 B, page tables 140 KiB; cgroup 48.0 MiB of limit 48.0 MiB; triggered by 7 tail)',
  );
  assert.equal(k.failed!(victim(7)), true);
  // A pod's limit above the container's cgroup; a victim known by its host PID only, triggered from outside.
  assert.match(k.text(victim(0, { limitDepth: 1, triggerPid: 0, triggerHostPid: 99, triggerComm: 'java', triggerOutside: true })), /^OOM killer took host 4000 tail .* of limit 48\.0 MiB \(set 1 level up\); triggered by host 99 java, outside the scope\)$/);
  // The machine's OOM (no limit), on a kernel that gave no memory figures.
  assert.match(k.text(victim(7, { limitBytes: null, limitDepth: null, usageBytes: 3 * MiB, rssBytes: null })), /^OOM killer took 7 tail \(memory not given by this kernel; cgroup 3\.0 MiB, no limit: the machine's memory ran out;/);
});

test('summary: one row per victim, newest first, bounded with the rest counted', () => {
  const s = CLIENT_KIND_BY_NAME.oomkill.summary!();
  const evs = Array.from({ length: 1200 }, (_, i) => victim(i + 1));
  s.add(evs.slice(0, 700));
  s.add(evs.slice(700));
  const t = s.panels()[0] as TablePanel;
  assert.equal(t.rows.length, 500);
  assert.equal(t.rows.length + (t.more ?? 0), 1200);
  assert.equal(t.rows[0].cells[1], 1200, 'the newest first');
  assert.equal(t.rows[0].cells[3], 49676288 + 1282048);
  assert.equal(t.rows[0].cells[9], 48 * MiB);
  assert.equal(t.rows[0].hostPid, 5200);
  assert.ok(t.rows.every((r) => r.failed));
});

test('the process tree says "(OOM killer)" for the process it took, not for one killed by hand', () => {
  const exit = (pid: number, oom: boolean): ExitEvent => ({ ...base(pid, 4000 + pid, oom ? 'tail' : 'sleep'), gadget: 'exit', exitCode: null, signal: 'SIGKILL', coreDumped: false, lifetimeMs: 88, thread: false, ppid: 0, hostPpid: 3000, ...(oom ? { oomKilled: true as const } : {}) });
  const pexit = (pid: number, oom: boolean): ProctreeEvent => ({ ...base(pid, 4000 + pid, oom ? 'tail' : 'sleep'), gadget: 'proctree', kind: 'exit', ppid: 0, hostPpid: 3000, exitCode: null, signal: 'SIGKILL', lifetimeMs: 5, ...(oom ? { oomKilled: true as const } : {}) });
  // Different names: processes of one name are one group (its exits counted: `killed by SIGKILL (OOM killer) ×1`).
  for (const [tree, events] of [
    [new ProcessTree(), [exit(7, true), exit(8, false)]],
    [new ProcessTree(true, true), [pexit(7, true), pexit(8, false)]],
  ] as const) {
    tree.add(events as readonly (ExitEvent | ProctreeEvent)[]);
    const nodes = (tree.panels()[0] as TreePanel).nodes;
    assert.match(nodes.find((n) => n.pid === 7)!.detail, /^killed by SIGKILL \(OOM killer\) after \d+ ms$/);
    assert.match(nodes.find((n) => n.pid === 8)!.detail, /^killed by SIGKILL after \d+ ms$/);
  }
  assert.equal(CLIENT_KIND_BY_NAME.proctree.text(pexit(7, true)), 'exit by SIGKILL (OOM killer)');
  assert.equal(CLIENT_KIND_BY_NAME.proctree.text(pexit(8, false)), 'exit by SIGKILL');
});
