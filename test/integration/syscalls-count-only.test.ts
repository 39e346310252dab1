/**
 * trace syscalls --count-only (latency: false): one program at the calls'
 * return, no entry program. Its counts against a workload with known counts
 * (test/fixtures/ct-target.c) and against the default mode tracing the same
 * workload at the same time; its reports say latency was not measured; a
 * call the container's seccomp profile refuses is counted (it returns
 * without reaching sys_enter), which is why advise seccomp keeps the pair.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cli, docker, installTarget, ourPrograms, removeContainers, runContainer, skipReason, sleep, traceCli, traceCliWith, waitFor } from '../support/integration';

const skip = skipReason();
const C = `ct-it-count-${process.pid}`;
type Row = { pid: number; hostPid: number; comm: string; syscall: string; count: number; errors: number; runtime?: true; latencyNs?: unknown };
type Report = { top: Row[]; latency?: false; names?: string[] };

const rows = (events: Record<string, unknown>[]) => (events as unknown as Report[]).flatMap((r) => r.top);
/** Calls and errors by process and syscall (the container's own processes, not the runtime's). */
function byCall(events: Record<string, unknown>[], keep: (r: Row) => boolean): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const r of rows(events).filter((x) => !x.runtime && keep(x))) {
    const k = `${r.hostPid} ${r.comm} ${r.syscall}`;
    const had = (out[k] ??= [0, 0]);
    had[0] += r.count;
    had[1] += r.errors;
  }
  return out;
}

/** Names of programs loaded in the kernel, by ID. */
function programNames(ids: number[]): string[] {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as { id: number; name?: string }[];
  return progs.filter((p) => ids.includes(p.id)).map((p) => p.name ?? '').sort();
}

describe('trace syscalls --count-only (integration)', { skip }, () => {
  before(() => {
    runContainer(C, 'while :; do sleep 0.5; done');
    installTarget(C);
  });
  after(() => removeContainers(C));

  for (const avoid of ['', 'raw_tp']) {
  test(`one program at the calls' return (no entry program)${avoid ? ' on plain tracepoints' : ''}; 2,000,000 getppid calls count exactly 2,000,000, latency not measured`, async () => {
    const before = new Set(ourPrograms());
    const t = traceCliWith({ CONTAINER_TRACE_AVOID_ATTACH: avoid }, 'syscalls', '--container', C, '--count-only', '--interval', '0.1', '--top', '100');
    await t.ready;
    const mine = programNames(ourPrograms().filter((id) => !before.has(id)));
    // Per syscall only the counting program runs; syscalls_exec once per exec, ct_follow_* return at once without --follow.
    assert.deepEqual(mine.filter((n) => n.startsWith('syscalls_')), [avoid ? 'syscalls_count_tp' : 'syscalls_count', 'syscalls_exec'], mine.join(', '));
    const out = docker('exec', C, '/bin/ct-target', 'syscall', '2000000');
    assert.match(out, /ops\/s/);
    const counted = () => rows(t.events).filter((x) => x.comm === 'ct-target' && x.syscall === 'getppid').reduce((n, x) => n + x.count, 0);
    await waitFor('the calls reported', () => counted() >= 2_000_000 || undefined, 20_000).catch(() => undefined);
    assert.equal(await t.stop(), 0, t.stderr());
    assert.equal(counted(), 2_000_000);
    // Not measured, said so: every report says latency: false, no entry carries latency figures.
    assert.ok(t.events.length > 0 && t.events.every((r) => r.latency === false), JSON.stringify(t.events[0]));
    assert.ok(rows(t.events).every((r) => !('latencyNs' in r)), JSON.stringify(rows(t.events)[0]));
  });
  }

  test('known counts, the same in the default mode tracing at once: vforks (not the children\'s returns from them), handled signals (rt_sigreturn), failed opens', async () => {
    const timed = traceCli('syscalls', '--container', C, '--interval', '0.2', '--top', '100');
    const counted = traceCli('syscalls', '--container', C, '--count-only', '--interval', '0.2', '--top', '100');
    await Promise.all([timed.ready, counted.ready]);
    // 200 vforks whose children only _exit (a child's return from the vfork, 0, is not a call of its own;
    // exit_group never returns), 200 SIGUSR1 handled (rt_sigreturn, whose return reads as syscall -1), 200
    // failed openat calls: each program's own process, a report apart.
    for (const op of ['fork', 'signal', 'open']) {
      assert.match(docker('exec', C, '/bin/ct-target', op, '200'), /ops\/s/);
      await sleep(400);
    }
    await sleep(400);
    assert.equal(await timed.stop(), 0, timed.stderr());
    assert.equal(await counted.stop(), 0, counted.stderr());
    const known = (events: Record<string, unknown>[]) => {
      const calls = byCall(events, (r) => r.comm === 'ct-target');
      const of = (name: string) => Object.entries(calls).filter(([k]) => k.endsWith(` ${name}`)).map(([, v]) => v);
      return { vfork: of('vfork'), kill: of('kill'), rt_sigreturn: of('rt_sigreturn'), openat: of('openat').filter(([n]) => n >= 200), odd: Object.keys(calls).filter((k) => /syscall /.test(k)) };
    };
    const expected = { vfork: [[200, 0]], kill: [[200, 0]], rt_sigreturn: [[200, 0]], openat: [[200, 200]], odd: [] };
    assert.deepEqual(known(counted.events), expected, 'count-only');
    assert.deepEqual(known(timed.events), expected, 'the default mode');
  });

  test('the CLI\'s text says latency was not measured; a call the seccomp profile refuses is counted (it never reaches sys_enter)', async () => {
    // Docker's default profile refuses unshare without CAP_SYS_ADMIN: an error at the return only.
    const t = traceCli('syscalls', '--container', C, '--count-only', '--interval', '0.5', '--top', '100');
    const timed = traceCli('syscalls', '--container', C, '--interval', '0.5', '--top', '100');
    await Promise.all([t.ready, timed.ready]);
    spawnQuiet(['exec', C, 'unshare', '-U', 'true']);
    await sleep(1200);
    await t.stop();
    await timed.stop();
    const refused = rows(t.events).filter((r) => r.comm === 'unshare' && r.syscall === 'unshare');
    assert.deepEqual(refused.map((r) => [r.count, r.errors]), [[1, 1]], JSON.stringify(refused));
    assert.ok(!rows(timed.events).some((r) => r.syscall === 'unshare'), 'the default mode sees only calls that got past the profile');
    const text = cli('trace', 'syscalls', '--container', C, '--count-only', '--duration', '1.5');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /calls in \d+ ms \(latency not measured\)/);
    assert.doesNotMatch(text.stdout, /p99/);
  });
});

function spawnQuiet(args: string[]): void {
  try {
    execFileSync('docker', args, { stdio: 'ignore' });
  } catch {
    /* unshare exits 1: refused, as expected */
  }
}
