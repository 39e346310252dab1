/**
 * syscalls, uprobe and proctree against a workload with known behaviour
 * (test/fixtures/ct-target.c): exact call counts, arguments, one thread.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cli, docker, installTarget, removeContainers, runContainer, skipReason, sleep, traceCli, traceCliWith, waitFor } from '../support/integration';
import { spawnSync } from 'node:child_process';
import { CLI } from '../support/paths';

const skip = skipReason();
const C = `ct-it-work-${process.pid}`;
const NESTED = `${C}-nested`;
const NS_CAPS = ['--cap-add', 'SYS_ADMIN', '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined'];
type Ev = Record<string, unknown>;
type Proc = { pid: number; hostPid: number; cmdline: string[]; threads: { tid: number; hostTid: number }[] };

function ps(container: string): Proc[] {
  return JSON.parse(cli('ps', container, '--json').stdout) as Proc[];
}

/** Start ct-target in the container, waiting for /tmp/ct-go; returns its process. */
async function startTarget(container: string, mode: string, n: number): Promise<Proc> {
  // Earlier instances wait in pause(): end them so ps finds the new one.
  docker('exec', container, 'sh', '-c', 'pkill ct-target; rm -f /tmp/ct-go; true');
  const before = new Set(ps(container).map((p) => p.hostPid));
  docker('exec', '-d', container, '/bin/ct-target', mode, String(n));
  return waitFor(`ct-target ${mode}`, () =>
    ps(container).find((p) => !before.has(p.hostPid) && p.cmdline[0] === '/bin/ct-target' && p.cmdline[1] === mode && (mode !== 'threads' || p.threads.length === 2)),
  );
}

async function traceWhile(args: string[], go: () => void, done: (e: Ev[]) => unknown): Promise<Ev[]> {
  const t = traceCli(...args);
  await t.ready;
  go();
  await waitFor(`${args[0]} events`, () => done(t.events));
  await sleep(300);
  assert.equal(await t.stop(), 0, t.stderr());
  return t.events;
}

describe('workload kinds (integration)', { skip }, () => {
  before(() => {
    runContainer(C, 'while :; do sleep 0.5; done');
    installTarget(C);
    runContainer(NESTED, 'while :; do sleep 0.5; done', NS_CAPS);
  });
  after(() => {
    docker('exec', C, 'sh', '-c', 'pkill ct-target; true');
    removeContainers(C, NESTED);
  });

  test('uprobe: the call count equals the calls the program made, with their arguments', async () => {
    const p = await startTarget(C, 'work', 25);
    const evs = await traceWhile(
      ['uprobe', '--container', C, '--pid', String(p.pid), '--target', '/bin/ct-target', '--function', 'ct_work'],
      () => docker('exec', C, 'touch', '/tmp/ct-go'),
      (e) => e.length >= 25,
    );
    assert.equal(evs.length, 25);
    assert.equal(evs[evs.length - 1].calls, 25, 'the in-kernel count');
    evs.forEach((e, i) => {
      assert.deepEqual((e.args as number[]).slice(0, 2), [i, 2 * i]);
      assert.equal(e.ret, 3 * i);
      assert.equal(e.pid, p.pid);
      assert.equal(e.hostPid, p.hostPid);
      assert.equal(e.function, 'ct_work');
      assert.equal(e.target, '/bin/ct-target');
      assert.ok((e.latencyNs as number) > 0);
    });
  });

  test('uprobe: one thread (--tid) gets exactly its own calls', async () => {
    const p = await startTarget(C, 'threads', 12);
    const worker = p.threads.find((t) => t.hostTid !== p.hostPid)!;
    const evs = await traceWhile(
      ['uprobe', '--container', C, '--tid', String(worker.tid), '--target', '/bin/ct-target', '--function', 'ct_work'],
      () => docker('exec', C, 'touch', '/tmp/ct-go'),
      (e) => e.length >= 12,
    );
    await sleep(300);
    assert.equal(evs.length, 12, 'the main thread made 17 calls: none of them here');
    for (const e of evs) {
      assert.equal(e.tid, worker.tid);
      assert.equal(e.hostTid, worker.hostTid);
      assert.equal(e.pid, p.pid);
      assert.ok(((e.args as number[])[1] as number) >= 100);
    }
  });

  test('uprobe: a misspelt function gets close matches; a stripped binary a clear error', () => {
    const miss = cli('trace', 'uprobe', '--container', C, '--target', '/bin/ct-target', '--function', 'ct_wrok');
    assert.equal(miss.code, 2);
    assert.match(miss.stderr, /no function "ct_wrok" in \/bin\/ct-target; close matches: ct_work/);
    const stripped = cli('trace', 'uprobe', '--container', C, '--target', '/bin/busybox', '--function', 'main');
    assert.equal(stripped.code, 2);
    assert.match(stripped.stderr, /\/bin\/busybox is stripped \(no symbol table\)/);
    const missing = cli('trace', 'uprobe', '--container', C, '--target', 'libnope', '--function', 'x');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no library or program "libnope" in the container/);
  });

  for (const avoid of ['', 'raw_tp']) {
  test(`syscalls${avoid ? ' on plain tracepoints (no raw tracepoints)' : ''}: the count is at least the number of calls the program made`, async () => {
    const p = await startTarget(C, 'getppid', 5000);
    const t = traceCliWith({ CONTAINER_TRACE_AVOID_ATTACH: avoid }, 'syscalls', '--container', C, '--interval', '0.5', '--verbose');
    await t.ready;
    docker('exec', C, 'touch', '/tmp/ct-go');
    const seen = () =>
      (t.events as { top: { pid: number; syscall: string; count: number }[] }[])
        .flatMap((r) => r.top)
        .filter((x) => x.pid === p.pid && x.syscall === 'getppid')
        .reduce((n, x) => n + x.count, 0);
    await waitFor('5000 getppid calls', () => seen() >= 5000).catch((e) => {
      throw new Error(`${e.message}; pid ${p.pid}; reports: ${JSON.stringify(t.events.map((r) => (r.top as Ev[]).slice(0, 3)))}`.slice(0, 3000));
    });
    await t.stop();
    assert.ok(seen() >= 5000 && seen() < 5100, `${seen()} getppid calls`);
    const report = t.events.find((r) => (r.top as { syscall: string }[]).some((x) => x.syscall === 'getppid')) as Ev & { top: Ev[] };
    const entry = report.top.find((x) => x.syscall === 'getppid')!;
    assert.equal(entry.comm, 'ct-target');
    assert.equal(entry.hostPid, p.hostPid);
    const lat = entry.latencyNs as { p50: number; p99: number; max: number; total: number; histogram: [number, number][] };
    assert.ok(lat.p50 > 0 && lat.p50 <= lat.p99 && lat.total > 0);
    assert.equal(lat.histogram.reduce((n, [, c]) => n + c, 0), entry.count);
    assert.match(t.stderr(), avoid ? /attaching with tracepoints/ : /attaching with raw tracepoints/);
  });
  }

  test('syscalls: no call is lost to the reads: 2,000,000 getppid calls read every 100 ms count exactly 2,000,000', async () => {
    const t = traceCli('syscalls', '--container', C, '--interval', '0.1', '--top', '100');
    await t.ready;
    // As fast as it can (its own loop: nothing else in it calls getppid), while the maps are read ten times a second.
    const out = docker('exec', C, '/bin/ct-target', 'syscall', '2000000');
    assert.match(out, /ops\/s/);
    type Row = { hostPid: number; comm: string; syscall: string; count: number };
    const counted = () => (t.events as { top: Row[] }[]).flatMap((r) => r.top).filter((x) => x.comm === 'ct-target' && x.syscall === 'getppid').reduce((n, x) => n + x.count, 0);
    await waitFor('the calls reported', () => counted() >= 2_000_000 || undefined, 20_000).catch(() => undefined);
    await t.stop();
    assert.equal(counted(), 2_000_000);
  });

  test('syscalls: every row of a process is named by its latest exec (a shell that execs the program)', async () => {
    docker('exec', C, 'sh', '-c', 'pkill ct-target; touch /tmp/ct-go; true');
    const t = traceCli('syscalls', '--container', C, '--interval', '5', '--top', '100');
    await t.ready;
    // The shell's own calls (open, dup2, write, close for each echo) come before the exec, in the same interval.
    docker('exec', '-d', C, 'sh', '-c', 'i=0; while [ $i -lt 50 ]; do i=$((i+1)); echo x >/dev/null; done; exec /bin/ct-target getppid 3000');
    type Row = { hostPid: number; comm: string; syscall: string; count: number; runtime?: true };
    const rows = () => (t.events as { top: Row[] }[]).flatMap((r) => r.top);
    const target = await waitFor('the program\'s 3000 getppid calls', () => rows().find((x) => x.syscall === 'getppid' && x.count >= 3000), 20_000);
    await t.stop();
    // The runtime's calls (runc's init before its exec into the shell) are rows of their own, named as the runtime.
    const mine = rows().filter((x) => x.hostPid === target.hostPid && !x.runtime);
    const runtime = rows().filter((x) => x.hostPid === target.hostPid && x.runtime);
    assert.ok(mine.some((x) => ['dup2', 'openat', 'fcntl'].includes(x.syscall)), `the shell's calls before the exec are counted: ${JSON.stringify(mine)}`);
    assert.deepEqual([...new Set(mine.map((x) => x.comm))], ['ct-target'], JSON.stringify(mine));
    assert.ok(runtime.length > 0 && runtime.every((x) => /^runc|^crun/.test(x.comm)), JSON.stringify(runtime));
    assert.ok(!runtime.some((x) => x.syscall === 'getppid'), 'the program\'s own calls are not the runtime\'s');
  });

  test('syscalls: a busybox applet exec\'d as /proc/self/exe is named by its argv[0], not "exe"', async () => {
    const t = traceCli('syscalls', '--container', C, '--interval', '1', '--top', '100');
    await t.ready;
    // busybox's sh runs its applets by exec'ing /proc/self/exe (the kernel's comm is then "exe").
    docker('exec', C, 'sh', '-c', 'for i in 1 2 3; do sleep 0.2; done; true');
    type Row = { hostPid: number; comm: string; syscall: string; count: number; runtime?: true };
    const rows = () => (t.events as { top: Row[] }[]).flatMap((r) => r.top);
    const sleeps = await waitFor('three sleeps\' nanosleep rows', () => {
      const r = rows().filter((x) => /nanosleep$/.test(x.syscall) && !x.runtime);
      return new Set(r.map((x) => x.hostPid)).size >= 3 ? r : undefined;
    }, 20_000);
    await t.stop();
    assert.deepEqual([...new Set(sleeps.map((x) => x.comm))], ['sleep'], JSON.stringify(sleeps));
  });

  test('a kind whose attach type the kernel lacks says why', () => {
    const r = spawnSync(process.execPath, [CLI, 'trace', 'signal', '--container', C], {
      encoding: 'utf8',
      env: { ...process.env, CONTAINER_TRACE_AVOID_ATTACH: 'raw_tp' },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the signal trace needs raw tracepoints, which this kernel does not offer \(avoided by CONTAINER_TRACE_AVOID_ATTACH\); see `container-trace check`/);
  });

  test('proctree: fork, exec and exit of the target and its descendants', async () => {
    docker('exec', C, 'rm', '-f', '/tmp/go-pt');
    docker('exec', '-d', C, 'sh', '-c', 'while [ ! -e /tmp/go-pt ]; do sleep 0.05; done; /bin/sh -c "sleep 1.2; exit 4"; exec sleep 61.5');
    const p = await waitFor('the waiting shell', () => ps(C).find((x) => x.cmdline.join(' ').includes('go-pt')));
    const evs = await traceWhile(
      ['proctree', '--container', C, '--pid', String(p.pid), '--follow'],
      () => docker('exec', C, 'touch', '/tmp/go-pt'),
      (e) => e.some((x) => x.kind === 'exit' && x.exitCode === 4),
    );
    const exit4 = evs.find((x) => x.kind === 'exit' && x.exitCode === 4)!;
    const child = exit4.pid as number;
    const fork = evs.find((x) => x.kind === 'fork' && x.childPid === child);
    assert.ok(fork, JSON.stringify(evs));
    assert.equal(fork.pid, p.pid, 'the traced shell forked it');
    const exec = evs.find((x) => x.kind === 'exec' && x.pid === child)!;
    assert.equal(exec.filename, '/bin/sh');
    assert.equal(exit4.ppid, p.pid);
    // Its sleep: busybox's sh runs the applet as /proc/self/exe; the event names it by argv[0].
    const sleep = evs.find((x) => x.kind === 'exec' && x.ppid === child)!;
    assert.ok(sleep, `no exec under ${child}: ${JSON.stringify(evs)}`);
    const program = String(sleep.argv0 ?? String(sleep.filename).split('/').pop());
    assert.equal(program, 'sleep', `the sleep's exec: ${JSON.stringify(sleep)}`);
    if (/^\/proc\//.test(String(sleep.filename))) assert.equal(sleep.argv0, 'sleep');
    else assert.equal(sleep.argv0, undefined, 'argv[0] only for /proc/<pid>/exe');
    // Its lifetime is the kernel's (it slept 1.2 s), not when the view first saw it.
    assert.ok((exit4.lifetimeMs as number) >= 1200 && (exit4.lifetimeMs as number) < 30_000, `lifetime ${exit4.lifetimeMs} ms`);
  });

  test('exit inside a nested PID namespace carries the container-level PID', async () => {
    const evs = await traceWhile(
      ['exit', '--container', NESTED],
      () => docker('exec', NESTED, 'sh', '-c', 'unshare -p -f sh -c "exit 5"; true'),
      (e) => e.some((x) => x.exitCode === 5),
    );
    const e = evs.find((x) => x.exitCode === 5)!;
    assert.ok((e.pid as number) > 1, `PID ${e.pid}: in its own namespace it was 1`);
    assert.ok((e.ppid as number) > 1, 'its parent (unshare) in the container');
  });
});
