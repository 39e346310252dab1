/**
 * Traced from the first instruction: a trace started before its container
 * sees the entrypoint's very first exec and its first open — for a label
 * selector and for a name waited for (--wait), with an entrypoint that
 * exits at once (a container that fails at start: no listing ever shows it
 * running). A container restarted under the waited name is followed into
 * its new PID namespace; with --no-restarts the trace ends when it exits.
 * A container of another label started during the trace is never reported.
 * Rootless Podman: exec events show the uid inside the container with the
 * host's beside it.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { docker, IMAGE, removeContainers, skipReason, traceCli, traceCliWith, waitFor, type TraceRun } from '../support/integration';

const skip = skipReason();
const TAG = `ct-it-fs-${process.pid}`;
const TEST_LABEL = ['--label', 'container-trace.test=1'];

type Ev = {
  gadget: string;
  time: string;
  pid: number;
  hostPid: number;
  ppid?: number;
  comm: string;
  filename?: string;
  path?: string;
  args?: string[];
  errno?: string;
  uid?: number;
  hostUid?: number;
  runtime?: true;
  container: { id: string; name: string; runtime?: string };
};

const evs = (t: TraceRun) => t.events as unknown as Ev[];
const of = (t: TraceRun, name: string) => evs(t).filter((e) => e.container.name === name);
const byTime = (a: Ev, b: Ev) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0);

/** A failure with what the traces said (their --verbose lines). */
function withStderr(err: unknown, ...ts: TraceRun[]): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  e.message += ts.map((t, i) => `\n--- trace ${i + 1} stderr:\n${t.stderr()}`).join('');
  return e;
}

/** Stop a trace (SIGINT), its exit code and the summary line. */
async function stopped(t: TraceRun): Promise<string> {
  assert.equal(await t.stop(), 0, t.stderr());
  return t.stderr();
}

/** The entrypoint's exec (`cat <file>`, PID 1) and what came before it in its container. */
function entrypointExec(t: TraceRun, name: string, file: string): Ev {
  const mine = of(t, name).sort(byTime);
  const i = mine.findIndex((e) => e.args?.[1] === file);
  assert.ok(i >= 0, `the exec of cat ${file} in ${name}: ${JSON.stringify(mine.slice(0, 5))}`);
  assert.equal(i, 0, `the entrypoint's exec is the first of its container (before it: ${JSON.stringify(mine.slice(0, i))})`);
  const e = mine[i];
  assert.equal(e.pid, 1, 'the entrypoint is PID 1 in the container');
  assert.equal(e.filename, '/bin/cat');
  assert.deepEqual(e.args, ['cat', file]);
  assert.equal(e.ppid, 0, 'its parent is outside the container (the runtime)');
  return e;
}

/** The entrypoint's first open: the first of its container not made by the runtime's own init. */
function entrypointOpen(t: TraceRun, name: string, file: string): Ev {
  const mine = of(t, name).filter((e) => !e.runtime).sort(byTime);
  assert.ok(mine.length, `opens of ${name}: ${JSON.stringify(of(t, name).slice(0, 5))}`);
  const e = mine[0];
  assert.equal(e.path, file, `cat's first open is its file (${JSON.stringify(mine.slice(0, 3))})`);
  assert.equal(e.comm, 'cat');
  assert.equal(e.pid, 1);
  assert.equal(e.errno, 'ENOENT');
  return e;
}

describe('from the first instruction (integration)', { skip }, () => {
  const names: string[] = [];
  after(() => removeContainers(...names));

  test('a label selector: the entrypoint of a container started after the trace, seen from its first exec and first open; another label never reported', async () => {
    const match = `${TAG}-sel`;
    const other = `${TAG}-other`;
    names.push(match, other);
    removeContainers(match, other);
    const label = `ct-fs.sel=${TAG}`;
    const exec = traceCli('exec', '-l', label, '--verbose');
    const open = traceCli('open', '-l', label, '--verbose');
    const file = `/etc/${TAG}-first`;
    try {
      await Promise.all([exec.ready, open.ready]);
      assert.match(exec.stderr(), /no container matches yet; waiting for one to start/);
      // Another label, started during the trace, execs and opens from its start too.
      docker('run', '-d', '--network', 'none', ...TEST_LABEL, '--label', `ct-fs.sel=${TAG}-x`, '--name', other, IMAGE, 'sh', '-c', `cat /etc/${TAG}-other; sleep 0.3; cat /etc/${TAG}-other; sleep 2`);
      // Its entrypoint is cat itself, which fails and exits at once.
      docker('run', '-d', '--network', 'none', ...TEST_LABEL, '--label', label, '--name', match, IMAGE, 'cat', file);
      await waitFor('the entrypoint exec', () => of(exec, match).some((e) => e.args?.[1] === file), 15_000);
      await waitFor('the entrypoint open', () => of(open, match).some((e) => e.path === file), 15_000);
      await waitFor(`${other} done`, () => docker('inspect', '-f', '{{.State.Status}}', other) === 'exited', 15_000);
      await new Promise((r) => setTimeout(r, 1500));
    } catch (err) {
      exec.child.kill('SIGKILL');
      open.child.kill('SIGKILL');
      throw withStderr(err, exec, open);
    }
    const [execEnd, openEnd] = [await stopped(exec), await stopped(open)];
    entrypointExec(exec, match, file);
    entrypointOpen(open, match, file);
    assert.ok(of(open, match).some((e) => e.runtime && e.pid === 1), "the runtime's init opens in the new namespace before the exec: seen, marked runtime");
    for (const t of [exec, open]) {
      assert.deepEqual([...new Set(evs(t).map((e) => e.container.name))], [match], 'every event names the matching container');
      assert.ok(!JSON.stringify(t.events).includes(`${TAG}-other`), 'nothing of the other label');
    }
    for (const end of [execEnd, openEnd]) assert.match(end, /\d+ containers started outside the selector \(\d+ events not reported\)/);
  });

  test('a name waited for (--wait): its entrypoint from the first exec and open, and again once restarted, in its new PID namespace', async () => {
    const name = `${TAG}-w`;
    names.push(name);
    removeContainers(name);
    const file = `/etc/${TAG}-w`;
    const exec = traceCli('exec', '--container', name, '--wait', '--verbose');
    const open = traceCli('open', '--container', name, '--from-start', '--verbose');
    let first: Ev, again: Ev;
    try {
      await Promise.all([exec.ready, open.ready]);
      assert.match(exec.stderr(), /no container matches yet; waiting for one to start/);
      docker('run', '-d', '--network', 'none', ...TEST_LABEL, '--name', name, IMAGE, 'cat', file);
      await waitFor('the first run', () => of(exec, name).some((e) => e.args?.[1] === file) && of(open, name).some((e) => e.path === file), 15_000);
      await waitFor(`${name} exited`, () => docker('inspect', '-f', '{{.State.Status}}', name) === 'exited', 15_000);
      first = entrypointExec(exec, name, file);
      entrypointOpen(open, name, file);
      docker('start', name);
      await waitFor('the restarted run', () => of(exec, name).filter((e) => e.args?.[1] === file).length >= 2 && of(open, name).filter((e) => e.path === file).length >= 2, 15_000);
      again = of(exec, name).filter((e) => e.args?.[1] === file).sort(byTime)[1];
    } catch (err) {
      exec.child.kill('SIGKILL');
      open.child.kill('SIGKILL');
      throw withStderr(err, exec, open);
    }
    await stopped(exec);
    await stopped(open);
    assert.equal(again.pid, 1, 'PID 1 again: a new PID namespace');
    assert.notEqual(again.hostPid, first.hostPid);
    assert.equal(again.container.name, name);
    const execs = of(exec, name).sort(byTime);
    assert.equal(execs.length, 2, `one exec per run, nothing else: ${JSON.stringify(execs)}`);
  });

  test('--wait --no-restarts: the trace ends when the container it waited for exits', async () => {
    const name = `${TAG}-once`;
    names.push(name);
    removeContainers(name);
    const t = traceCli('exec', '--container', name, '--wait', '--no-restarts');
    try {
      await t.ready;
      docker('run', '-d', '--network', 'none', ...TEST_LABEL, '--name', name, IMAGE, 'sh', '-c', 'sleep 0.5');
      const code = await Promise.race([t.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 15_000))]);
      assert.equal(code, 0, t.stderr());
    } finally {
      t.child.kill('SIGKILL');
    }
    assert.match(t.stderr(), new RegExp(`ended: container-exited \\(container ${name} exited\\)`));
    assert.ok(of(t, name).some((e) => e.args?.[0] === 'sh' && e.pid === 1), 'its entrypoint');
  });

  const rlMissing = skip ?? (!fs.existsSync('/usr/bin/podman') || spawnSync('id', ['ct-rl']).status !== 0 ? 'rootless Podman (user ct-rl) is missing: run scripts/runtimes-setup.sh' : undefined);
  test('rootless Podman: exec events show the uid inside the container, the host uid beside it', { skip: rlMissing }, async () => {
    const rlUid = Number(execFileSync('id', ['-u', 'ct-rl'], { encoding: 'utf8' }).trim());
    const asRl = (...args: string[]) =>
      execFileSync('runuser', ['-u', 'ct-rl', '--', 'env', `XDG_RUNTIME_DIR=/run/user/${rlUid}`, 'HOME=/home/ct-rl', 'sh', '-c', `cd / && ${args.join(' ')} >/dev/null 2>&1`], { stdio: 'ignore' });
    const rm = (n: string) => spawnSync('runuser', ['-u', 'ct-rl', '--', 'env', `XDG_RUNTIME_DIR=/run/user/${rlUid}`, 'podman', 'rm', '-f', '-t', '0', n], { stdio: 'ignore', cwd: '/' });
    const running = `${TAG}-rl`;
    const waited = `${TAG}-rlw`;
    // Root run by that user (sudo): its rootless Podman is the user's.
    const asUser = { SUDO_UID: String(rlUid) };
    try {
      asRl('podman', 'run', '-d', '--network', 'none', '--name', running, `localhost/${IMAGE}`, 'sh', '-c', "'while :; do sleep 0.3; done'");
      const t = traceCliWith(asUser, 'exec', '--container', `podman-rootless:${running}`);
      const w = traceCliWith(asUser, 'exec', '--container', `podman-rootless:${waited}`, '--wait');
      let ev: Ev, start: Ev;
      try {
        await Promise.all([t.ready, w.ready]);
        ev = await waitFor('an exec of sleep', () => evs(t).find((e) => e.args?.[0] === 'sleep'), 15_000);
        asRl('podman', 'run', '-d', '--network', 'none', '--name', waited, `localhost/${IMAGE}`, 'cat', `/etc/${TAG}-rl`);
        start = await waitFor('the waited container\'s entrypoint', () => of(w, waited).find((e) => e.args?.[1] === `/etc/${TAG}-rl`), 30_000);
      } catch (err) {
        t.child.kill('SIGKILL');
        w.child.kill('SIGKILL');
        throw err;
      }
      await stopped(t);
      await stopped(w);
      for (const e of [ev, start]) {
        assert.equal(e.uid, 0, 'root inside the container');
        assert.equal(e.hostUid, rlUid, "the user's uid on the host");
        assert.equal(e.container.runtime, 'podman-rootless');
      }
      assert.equal(start.pid, 1);
    } finally {
      rm(running);
      rm(waited);
    }
  });
});
