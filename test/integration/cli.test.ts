/** The CLI as a user meets it: listings, errors with exit code 2, nested PID namespaces. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cli, docker, nsIds, removeContainers, runContainer, skipReason, traceCli, waitFor } from '../support/integration';

const skip = skipReason();
const A = `ct-it-cli-${process.pid}`;
const STOPPED = `${A}-stopped`;
const NESTED = `${A}-nested`;
// A container allowed to create its own PID namespace (environment.md).
const NS_CAPS = ['--cap-add', 'SYS_ADMIN', '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined'];

describe('CLI (integration)', { skip }, () => {
  before(() => {
    runContainer(A, 'while :; do sleep 1; done');
    runContainer(STOPPED, 'true');
    runContainer(NESTED, 'unshare -p -f sh -c "while :; do sleep 0.2; done"', NS_CAPS);
  });
  after(() => removeContainers(A, STOPPED, NESTED));

  test('list shows containers with state and host PID', () => {
    const r = cli('list', '--json');
    assert.equal(r.code, 0, r.stderr);
    const all = JSON.parse(r.stdout) as { name: string; state: string; hostPid: number }[];
    const a = all.find((c) => c.name === A)!;
    assert.equal(a.state, 'running');
    assert.equal(a.hostPid, Number(docker('inspect', '-f', '{{.State.Pid}}', A)));
    const plain = cli('list');
    assert.match(plain.stdout, /^RUNTIME\s+NAMESPACE\s+POD\s+NAME\s+ID\s+STATE\s+HOSTPID/);
    assert.match(plain.stdout, new RegExp(`^docker\\s+-\\s+-\\s+${A}\\s+[0-9a-f]{12}\\s+running\\s+${a.hostPid}`, 'm'));
  });

  const errors: [string, string[], RegExp][] = [
    ['unknown container', ['trace', 'exec', '--container', 'no-such-container-xyz'], /no container "no-such-container-xyz"/],
    ['stopped container', ['trace', 'exec', '--container', STOPPED], /is exited, not running; start it first/],
    ['unknown PID', ['trace', 'exec', '--container', A, '--pid', '4000000'], /no process with PID 4000000 in container .*; its PIDs are 1/],
    ['PID that is not a number', ['trace', 'exec', '--container', A, '--pid', 'abc'], /--pid must be a whole number/],
    ['follow without a PID', ['trace', 'exec', '--container', A, '--follow'], /--follow needs --pid/],
    ['unknown trace kind', ['trace', 'nope', '--container', A], /unknown trace kind "nope"/],
    ['unknown flag', ['trace', 'exec', '--container', A, '--bogus'], /Unknown option '--bogus'/],
    ['ps of a stopped container', ['ps', STOPPED], /is exited, not running/],
    ['unknown command', ['frobnicate'], /unknown command "frobnicate"/],
  ];
  for (const [what, args, message] of errors) {
    test(`${what}: one line on stderr, exit code 2`, () => {
      const r = cli(...args);
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(r.stdout, '');
    });
  }

  test('a nested PID namespace: ps and trace report PIDs at the container level', async () => {
    type Proc = { pid: number; hostPid: number; nspids: number[]; nested: boolean; comm: string };
    const procs = await waitFor('the nested shell', () => {
      const list = JSON.parse(cli('ps', NESTED, '--json').stdout) as Proc[];
      return list.some((p) => p.nested && p.comm === 'sh') && list;
    });
    // The long-lived nested shell (its sleep children come and go).
    const nestedShell = procs.find((p) => p.nested && p.comm === 'sh')!;
    assert.equal(nestedShell.nspids.length, 3);
    assert.equal(nestedShell.pid, nestedShell.nspids[1], 'container level, not the innermost');
    assert.equal(nestedShell.nspids[2], 1);
    assert.deepEqual(nsIds(nestedShell.hostPid).nspid, nestedShell.nspids);
    const t = traceCli('exec', '--container', NESTED);
    await t.ready;
    docker('exec', '-d', NESTED, 'unshare', '-p', '-f', 'sleep', '34.5');
    const ev = await waitFor('the nested exec', () => t.events.find((e) => (e.args as string[])[1] === '34.5'));
    const loop = await waitFor('the nested loop', () => t.events.find((e) => (e.args as string[])[1] === '0.2'));
    await t.stop();
    const ids = nsIds(ev.hostPid as number);
    assert.equal(ids.nspid.length, 3, 'three levels: host, container, nested');
    assert.equal(ids.nspid[2], 1, 'PID 1 in its own namespace');
    assert.equal(ev.pid, ids.nspid[1], 'the event carries the container-level PID');
    assert.equal(ev.hostPid, ids.nspid[0]);
    assert.equal(loop.ppid, nestedShell.pid, "the parent too is given at the container's level (innermost it is 1)");
    assert.notEqual(nestedShell.pid, 1);
  });

  test('check reports what the host supports', () => {
    const r = cli('check', '--json');
    const items = JSON.parse(r.stdout) as { name: string; status: string }[];
    const status = (n: string) => items.find((i) => i.name === n)?.status;
    assert.equal(status('BTF'), 'ok');
    assert.equal(status('ring buffer'), 'ok');
    assert.equal(status('attach: tracepoint'), 'ok');
    assert.equal(status('runtime: docker'), 'ok');
    assert.ok(items.every((i) => ['ok', 'warn', 'fail', 'unknown'].includes(i.status)));
  });
});
