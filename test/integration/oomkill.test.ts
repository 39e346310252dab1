/**
 * trace oomkill against real OOM kills in a container limited to 48 MiB
 * (no swap): a process that holds 4 MB with oom_score_adj 1000 is the first
 * victim, taken when `tail /dev/zero` (which grows without bound) reaches
 * the limit; then the tail itself. Each checked against the kernel's own
 * "Killed process N (comm) total-vm:…" line; the exit trace beside it says
 * both died of the OOM killer, and a process killed with kill -9 by hand
 * did not. With the raw tracepoint (the victim's task as 6.9+ passes it, and
 * by its PID as before 6.9), and with the plain tracepoint.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { cli, docker, IMAGE, removeContainers, skipReason, sleep, traceCli, traceCliWith, waitFor, type TraceRun } from '../support/integration';
import type { ExitEvent, OomkillEvent, ProctreeEvent } from '../../src/protocol';
import type { TreePanel } from '../../src/webview/panels';
import exitKind from '../../src/kinds/exit/client';
import oomkillKind from '../../src/kinds/oomkill/client';
import proctreeKind from '../../src/kinds/proctree/client';
import { ProcessTree } from '../../src/kinds/shared/process-tree';

const skip = skipReason();
const C = `ct-it-oomkill-${process.pid}`;
const LIMIT = 48 * 1024 * 1024;
const PAGE = 4096;

/** The kernel's line for a kill (mm/oom_kill.c __oom_kill_process), in bytes. */
interface Killed {
  hostPid: number;
  comm: string;
  totalVm: number;
  anon: number;
  file: number;
  shmem: number;
  pgtables: number;
  oomScoreAdj: number;
  /** The OOM report's "memory: usage …kB, limit …kB" of the cgroup (printed before the kill). */
  usage: number;
  limit: number;
}

/** The kernel's latest "Killed process <host pid>" line. */
function killedLine(hostPid: number): Killed | undefined {
  const log = execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 });
  const re = new RegExp(`Killed process ${hostPid} \\((.*?)\\) total-vm:(\\d+)kB, anon-rss:(\\d+)kB, file-rss:(\\d+)kB, shmem-rss:(\\d+)kB, UID:\\d+ pgtables:(\\d+)kB oom_score_adj:(-?\\d+)`, 'g');
  let m: RegExpExecArray | null;
  let last: RegExpExecArray | undefined;
  while ((m = re.exec(log))) last = m;
  if (!last) return undefined;
  const kb = (i: number) => Number(last![i]) * 1024;
  const reports = [...log.slice(0, last.index).matchAll(/memory: usage (\d+)kB, limit (\d+)kB/g)];
  const report = reports[reports.length - 1];
  assert.ok(report, `the OOM report before the kill of ${hostPid}`);
  return {
    hostPid, comm: last[1], totalVm: kb(2), anon: kb(3), file: kb(4), shmem: kb(5), pgtables: kb(6), oomScoreAdj: Number(last[7]),
    usage: Number(report[1]) * 1024, limit: Number(report[2]) * 1024,
  };
}

/** Within `slack` of the kernel's figure (a page: both read the same counters, moments apart). */
function near(actual: number | null, expected: number, what: string, slack = PAGE): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= slack, `${what}: ${actual} against the kernel's ${expected}`);
}

function checkAgainstKernel(e: OomkillEvent, k: Killed): void {
  assert.equal(e.victimComm, k.comm);
  near(e.anonRssBytes, k.anon, 'anon rss');
  near(e.fileRssBytes, k.file, 'file rss');
  near(e.shmemRssBytes, k.shmem, 'shmem rss');
  near(e.pgtablesBytes, k.pgtables, 'page tables');
  near(e.totalVmBytes, k.totalVm, 'total vm');
  assert.equal(e.rssBytes, e.anonRssBytes! + e.fileRssBytes! + e.shmemRssBytes!);
  assert.equal(e.oomScoreAdj, k.oomScoreAdj);
  // The cgroup's limit as docker set it and the kernel's report gives it, and its usage as the report has it
  // (at the limit; lower for a kill that follows another, whose victim's memory is being freed meanwhile).
  assert.equal(e.limitBytes, LIMIT);
  assert.equal(k.limit, LIMIT);
  assert.ok(e.usageBytes !== null && e.usageBytes <= LIMIT, `usage ${e.usageBytes}`);
  // The report is printed before the victim is marked, and the counter only falls between the two
  // (the allocating task waits on the OOM killer; an earlier victim's memory is being reaped: seen
  // up to 1.7 MiB lower): at most the report's, and still holding the victim's own anonymous memory.
  assert.ok(e.usageBytes! <= k.usage + PAGE, `cgroup usage ${e.usageBytes} above the kernel's report ${k.usage}`);
  assert.ok(e.usageBytes! >= e.anonRssBytes!, `cgroup usage ${e.usageBytes} below the victim's anon rss ${e.anonRssBytes}`);
  assert.equal(e.limitDepth, 0);
  assert.equal(e.container.name, C);
}

/** A process of the container by its PID there, as `container-trace ps` lists it. */
function psEntry(pid: number): { pid: number; hostPid: number; cmdline: string[] } | undefined {
  const list = JSON.parse(cli('ps', C, '--json').stdout) as { pid: number; hostPid: number; cmdline: string[] }[];
  return list.find((p) => p.pid === pid);
}

/**
 * The holder (4 MB read by a tail that waits for more, oom_score_adj 1000:
 * the OOM killer's first choice), then `tail /dev/zero` until the kernel
 * kills it. Returns both PIDs in the container and the holder's host PID.
 */
async function oomWorkload(): Promise<{ holder: number; holderHost: number; hog: number }> {
  docker('exec', C, 'rm', '-f', '/tmp/holder.pid');
  docker('exec', '-d', C, 'sh', '-c', '(head -c 4000000 /dev/zero; exec sleep 300) | sh -c "echo \\$\\$ > /tmp/holder.pid; echo 1000 > /proc/self/oom_score_adj; exec tail"');
  const holder = await waitFor('the holder', () => {
    const r = spawnSync('docker', ['exec', C, 'cat', '/tmp/holder.pid'], { encoding: 'utf8' });
    return r.status === 0 && Number(r.stdout.trim());
  });
  const entry = await waitFor('the holder in ps', () => psEntry(holder));
  // It holds what it read (tail keeps its line: /dev/zero has no newline).
  await waitFor('the holder holding its 4 MB', () => {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${entry.hostPid}/status`, 'utf8'));
    return !!m && Number(m[1]) >= 3900;
  });
  assert.equal(fs.readFileSync(`/proc/${entry.hostPid}/oom_score_adj`, 'utf8').trim(), '1000');
  const r = spawnSync('docker', ['exec', C, 'sh', '-c', 'echo $$; exec tail /dev/zero'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 137, `tail /dev/zero ends by SIGKILL: ${r.status} ${r.stderr}`);
  return { holder, holderHost: entry.hostPid, hog: Number(r.stdout.trim()) };
}

const victims = (t: TraceRun) => t.events as unknown as OomkillEvent[];

describe('trace oomkill (integration)', { skip }, () => {
  before(() => {
    spawnSync('docker', ['rm', '-f', C], { stdio: 'ignore' });
    docker('run', '-d', '--network', 'none', '--memory', '48m', '--memory-swap', '48m', '--label', 'container-trace.test=1', '--name', C, IMAGE, 'sleep', '600');
  });
  after(() => removeContainers(C));

  test('the victims with their PIDs and memory as the kernel logged them, the cgroup at its limit, who triggered it; exit says which died of it', async () => {
    const oom = traceCli('oomkill', '--container', C);
    const exit = traceCli('exit', '--container', C);
    const tree = traceCli('proctree', '--container', C);
    await Promise.all([oom.ready, exit.ready, tree.ready]);
    // A process killed by hand with SIGKILL: not the OOM killer's.
    docker('exec', '-d', C, 'sleep', '301');
    const byHand = await waitFor('the sleep', () => (JSON.parse(cli('ps', C, '--json').stdout) as { pid: number; hostPid: number; cmdline: string[] }[]).find((p) => p.cmdline.join(' ') === 'sleep 301'));
    docker('exec', C, 'kill', '-9', String(byHand.pid));
    const { holder, holderHost, hog } = await oomWorkload();
    await waitFor('two OOM kills', () => victims(oom).length >= 2);
    const exits = () => (exit.events as unknown as ExitEvent[]).filter((e) => !e.thread);
    await waitFor('the exits', () => [byHand.pid, holder, hog].every((p) => exits().some((e) => e.pid === p)));
    const treeExits = () => (tree.events as unknown as ProctreeEvent[]).filter((e) => e.kind === 'exit');
    await waitFor('the exits in the process tree', () => [byHand.pid, holder, hog].every((p) => treeExits().some((e) => e.pid === p)));
    await sleep(200);
    assert.equal(await oom.stop(), 0, oom.stderr());
    assert.equal(await exit.stop(), 0, exit.stderr());
    assert.equal(await tree.stop(), 0, tree.stderr());
    assert.match(oom.stderr(), /summary: 2 events received, 0 dropped/);

    const [first, second] = victims(oom);
    assert.equal(victims(oom).length, 2, JSON.stringify(victims(oom)));
    // The holder: the OOM killer's choice by oom_score_adj, triggered by the tail's allocation.
    assert.equal(first.gadget, 'oomkill');
    assert.equal(first.victimPid, holder);
    assert.equal(first.pid, holder);
    assert.equal(first.victimHostPid, holderHost);
    assert.equal(first.hostPid, holderHost);
    assert.equal(first.victimComm, 'tail');
    assert.equal(first.triggerPid, hog);
    assert.equal(first.triggerComm, 'tail');
    assert.equal(first.triggerOutside, false);
    assert.equal(first.oomScoreAdj, 1000);
    checkAgainstKernel(first, killedLine(holderHost)!);
    // The tail: its own allocation, near the limit.
    assert.equal(second.victimPid, hog);
    assert.equal(second.victimComm, 'tail');
    assert.equal(second.triggerPid, hog);
    assert.equal(second.triggerHostPid, second.victimHostPid);
    assert.notEqual(second.victimHostPid, holderHost);
    const k = killedLine(second.victimHostPid);
    assert.ok(k, `the kernel logged the kill of host PID ${second.victimHostPid}`);
    checkAgainstKernel(second, k);
    assert.ok(second.rssBytes! >= LIMIT * 0.8 && second.rssBytes! <= LIMIT * 1.1, `rss ${second.rssBytes} near the limit`);
    assert.equal(oomkillKind.failed!(second), true);
    // (The cgroup's usage in the text: below the limit when the first victim's memory is still being freed; checked against the kernel's report above.)
    assert.match(oomkillKind.text(second), new RegExp(`^OOM killer took ${hog} tail \\(rss \\d+\\.\\d MiB: anon .*, page tables \\d+(\\.\\d)? KiB; cgroup \\d+\\.\\d MiB of limit 48\\.0 MiB; triggered by ${hog} tail\\)$`));

    // exit: the two the OOM killer took say so (the same PIDs at both levels); the one killed by hand does not.
    const exitOf = (pid: number) => exits().find((e) => e.pid === pid)!;
    for (const [pid, host] of [[holder, holderHost], [hog, second.victimHostPid]]) {
      const e = exitOf(pid);
      assert.equal(e.hostPid, host);
      assert.equal(e.signal, 'SIGKILL');
      assert.equal(e.oomKilled, true, JSON.stringify(e));
      assert.match(exitKind.text(e), /^process killed by SIGKILL \(OOM killer\) after/);
    }
    const manual = exitOf(byHand.pid);
    assert.equal(manual.hostPid, byHand.hostPid);
    assert.equal(manual.signal, 'SIGKILL');
    assert.equal(manual.oomKilled, undefined, JSON.stringify(manual));
    assert.doesNotMatch(exitKind.text(manual), /OOM/);

    // proctree: the same, in its events and in the tree it draws.
    const treeExitOf = (pid: number) => treeExits().find((e) => e.pid === pid)!;
    for (const pid of [holder, hog]) {
      assert.equal(treeExitOf(pid).oomKilled, true, JSON.stringify(treeExitOf(pid)));
      assert.equal(proctreeKind.text(treeExitOf(pid)), 'exit by SIGKILL (OOM killer)');
    }
    assert.equal(treeExitOf(byHand.pid).signal, 'SIGKILL');
    assert.equal(treeExitOf(byHand.pid).oomKilled, undefined);
    const view = new ProcessTree(true, true);
    view.add(tree.events as unknown as ProctreeEvent[]);
    const nodes = (view.panels()[0] as TreePanel).nodes;
    const node = (pid: number) => nodes.find((n) => n.pid === pid && !n.count);
    assert.match(node(hog)?.detail ?? '', /killed by SIGKILL \(OOM killer\) after/, JSON.stringify(nodes));
    assert.match(node(byHand.pid)?.detail ?? '', /killed by SIGKILL after/);
  });

  test('found as kernels before 6.9 find it (mark_victim gives only a PID): by the SIGKILL the OOM killer sent just before, or the allocating task itself', async () => {
    const oom = traceCliWith({ CONTAINER_TRACE_OOMKILL_BY_PID: '1' }, 'oomkill', '--container', C);
    await oom.ready;
    const { holder, holderHost, hog } = await oomWorkload();
    await waitFor('two OOM kills', () => victims(oom).length >= 2);
    await sleep(200);
    assert.equal(await oom.stop(), 0, oom.stderr());
    const [first, second] = victims(oom);
    assert.equal(victims(oom).length, 2, JSON.stringify(victims(oom)));
    // Another task's victim: the task the trigger sent SIGKILL to.
    assert.equal(first.victimPid, holder);
    assert.equal(first.victimHostPid, holderHost);
    assert.equal(first.triggerPid, hog);
    assert.equal(first.oomScoreAdj, 1000);
    checkAgainstKernel(first, killedLine(holderHost)!);
    // Its own victim.
    assert.equal(second.victimPid, hog);
    assert.equal(second.triggerPid, hog);
    checkAgainstKernel(second, killedLine(second.victimHostPid)!);
  });

  test('without raw tracepoints: the tracepoint\'s fields, the victim by its host PID when another task triggered the kill', async () => {
    const oom = traceCliWith({ CONTAINER_TRACE_AVOID_ATTACH: 'raw_tp' }, 'oomkill', '--container', C);
    await oom.ready;
    const progs = (JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as { name?: string }[]).map((p) => p.name);
    const ours = progs.filter((n) => n?.startsWith('oomkill')).join(', ');
    assert.ok(progs.includes('oomkill_mark_victim_tp') && !progs.includes('oomkill_mark_victim'), `the tracepoint program is loaded, not the raw tracepoint's: ${ours}`);
    const { holderHost, hog } = await oomWorkload();
    await waitFor('two OOM kills', () => victims(oom).length >= 2);
    await sleep(200);
    assert.equal(await oom.stop(), 0, oom.stderr());
    const [first, second] = victims(oom);
    assert.equal(victims(oom).length, 2, JSON.stringify(victims(oom)));
    // Another task's victim: its host PID and the tracepoint's figures (6.9+), not its PID in the container.
    assert.equal(first.victimHostPid, holderHost);
    assert.equal(first.victimPid, 0);
    assert.equal(first.triggerPid, hog);
    assert.equal(first.oomScoreAdj, 1000);
    checkAgainstKernel(first, killedLine(holderHost)!);
    // Its own victim: all of it.
    assert.equal(second.victimPid, hog);
    assert.equal(second.triggerPid, hog);
    checkAgainstKernel(second, killedLine(second.victimHostPid)!);
  });
});
