/**
 * trace exec against real containers and the real kernel: PIDs at both
 * levels, in-kernel filtering by container, process and descendants.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cli, docker, hostPidOf, nsIds, removeContainers, runContainer, skipReason, sleep, traceCli, waitFor } from '../support/integration';

const skip = skipReason();
const A = `ct-it-exec-${process.pid}`;
// The init loop runs `sleep 0.3` all the time: noise every filter must handle.
const INIT_LOOP = 'while :; do sleep 0.3; done';

type Ev = Record<string, unknown> & { args: string[]; pid: number; hostPid: number };

function psJson(container: string): { pid: number; hostPid: number; cmdline: string[]; nspids: number[] }[] {
  const r = cli('ps', container, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('trace exec (integration)', { skip }, () => {
  before(() => {
    runContainer(A, INIT_LOOP);
  });
  after(() => removeContainers(A));

  test('execs in the container arrive with container and host PIDs that agree with /proc', async () => {
    const t = traceCli('exec', '--container', A);
    await t.ready;
    docker('exec', '-d', A, 'sleep', '31.4159');
    docker('exec', A, 'sh', '-c', '/nonexistent/prog; true');
    for (let i = 0; i < 3; i++) execFileSync('/bin/echo', ['ct-host-marker'], { stdio: 'ignore' });
    const ev = await waitFor('the sleep 31.4159 exec', () => t.events.find((e) => (e as Ev).args?.[1] === '31.4159') as Ev | undefined);
    const failed = await waitFor('the failed exec', () => t.events.find((e) => e.filename === '/nonexistent/prog') as Ev | undefined);
    await sleep(300);
    assert.equal(await t.stop(), 0);

    // The kernel's view of the long-lived process, read now.
    const ids = nsIds(ev.hostPid);
    assert.deepEqual(ids.nspid, [ev.hostPid, ev.pid], 'NSpid = host PID, container PID');
    assert.deepEqual(ids.nstgid, [ev.hostPid, ev.pid]);
    assert.equal(ev.tid, ev.pid);
    assert.equal(ev.hostTid, ev.hostPid);
    assert.equal(ev.ppid, 0, 'docker exec: the parent is outside the container');
    assert.equal(ev.gadget, 'exec');
    assert.deepEqual(ev.container, { id: docker('inspect', '-f', '{{.Id}}', A), name: A });
    assert.equal(ev.ret, 0);
    assert.match(String(ev.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.ok(Math.abs(Date.parse(String(ev.time)) - Date.now()) < 30_000);

    assert.equal(failed.ret, -2);
    assert.equal(failed.error, 'ENOENT');
    assert.deepEqual(failed.args, ['/nonexistent/prog']);

    assert.ok(!t.events.some((e) => JSON.stringify(e).includes('ct-host-marker')), 'host execs never appear');
    assert.ok(t.events.some((e) => (e as Ev).args?.[1] === '0.3'), "the init loop's execs are there too");
    const summary = /summary: (\d+) events received, (\d+) dropped/.exec(t.stderr());
    assert.ok(summary, t.stderr());
    assert.equal(Number(summary[1]), t.events.length, 'the summary counts what was printed');
    assert.equal(Number(summary[2]), 0);
  });

  test('--pid keeps exactly that process (not its children, not others)', async () => {
    docker('exec', '-d', A, 'sh', '-c', 'while [ ! -e /tmp/go-pid ]; do sleep 0.05; done; exec sleep 32.1');
    const target = await waitFor('the waiting shell', () => psJson(A).find((p) => p.cmdline.join(' ').includes('go-pid')));
    const t = traceCli('exec', '--container', A, '--pid', String(target.pid));
    await t.ready;
    await sleep(300); // its children (sleep 0.05) run meanwhile: they must not show
    docker('exec', A, 'touch', '/tmp/go-pid');
    await waitFor('the exec of the target itself', () => t.events.length > 0 && t.events);
    await sleep(500);
    await t.stop();
    assert.equal(t.events.length, 1, JSON.stringify(t.events));
    const ev = t.events[0] as Ev;
    assert.deepEqual(ev.args, ['sleep', '32.1']);
    assert.equal(ev.pid, target.pid);
    assert.equal(ev.hostPid, target.hostPid);
  });

  test('--follow keeps the process and its descendants, started later too', async () => {
    docker(
      'exec',
      '-d',
      A,
      'sh',
      '-c',
      'while [ ! -e /tmp/go-follow ]; do sleep 0.05; done; (sh -c "/bin/echo follow-grandchild; true"); exec sleep 33.2',
    );
    const target = await waitFor('the waiting shell', () => psJson(A).find((p) => p.cmdline.join(' ').includes('go-follow')));
    const t = traceCli('exec', '--container', A, '--pid', String(target.pid), '--follow');
    await t.ready;
    await sleep(300);
    docker('exec', A, 'sh', '-c', 'touch /tmp/go-follow; /bin/echo not-followed');
    await waitFor('the target exec', () => t.events.some((e) => (e as Ev).args?.[1] === '33.2'));
    await sleep(300);
    await t.stop();
    const evs = t.events as Ev[];
    assert.ok(evs.some((e) => e.args[0] === 'sleep' && e.args[1] === '0.05' && e.pid !== target.pid), 'children while it waited');
    const grandchild = evs.find((e) => e.args.includes('follow-grandchild'));
    assert.ok(grandchild, 'a grandchild started after the trace began');
    assert.notEqual(grandchild.pid, target.pid);
    const own = evs.find((e) => e.args[1] === '33.2')!;
    assert.equal(own.pid, target.pid);
    assert.ok(!evs.some((e) => e.args.includes('not-followed')), 'a sibling process is not followed');
    assert.ok(!evs.some((e) => e.args[1] === '0.3'), "the init loop's execs are not followed");
  });

  test('a stopped container ends the trace with the reason', async () => {
    const B = runContainer(`${A}-stop`, INIT_LOOP);
    try {
      const t = traceCli('exec', '--container', B);
      await t.ready;
      docker('kill', B);
      assert.equal(await t.exited, 0);
      assert.match(t.stderr(), /ended: container-exited \(container .* exited\)/);
    } finally {
      removeContainers(B);
    }
  });

  test('ps shows container PIDs next to host PIDs, as /proc says', () => {
    const init = hostPidOf(A);
    const procs = psJson(A);
    const first = procs.find((p) => p.hostPid === init)!;
    assert.equal(first.pid, 1);
    assert.deepEqual(first.nspids, nsIds(init).nspid);
    for (const p of procs) assert.equal(p.nspids[1], p.pid, "the container level is the second NSpid entry");
  });
});
