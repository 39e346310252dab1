/**
 * The root boundary where the attacks work: the installed helper started
 * through the real sudo by a user who is not in the docker group (ct-rl),
 * signals that user sends to sudo (relayed to its command), `shutdown`, and
 * the trace budget shared by every helper on the host and per user.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { RuntimesList, Shutdown, TraceStart, TraceStop, type TraceStartResult } from '../../src/protocol';
import { REPO } from '../support/paths';
import { cli, ourPrograms, removeContainers, runContainer, skipReason, sleep, startHelper, waitFor, type HelperRun } from '../support/integration';

const skip = skipReason();
const C = `ct-it-boundary-${process.pid}`;
const LAUNCHER = '/usr/local/lib/container-trace/helper/container-trace-helper';
const USER = 'ct-rl'; // sudoers: the launcher only, NOPASSWD; not in the docker group
const uid = () => execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim();

/** The installed helper through `sudo -n`, started by USER exactly as a shell would (setpriv execs: the child is sudo itself). */
const viaSudo = (): Promise<HelperRun> => startHelper(['setpriv', '--reuid', uid(), '--regid', uid(), '--init-groups', '--', 'sudo', '-n', LAUNCHER]);

/** Listening TCP sockets on the host (any address, any port). */
function listeners(): Set<string> {
  const out = new Set<string>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of execFileSync('cat', [f], { encoding: 'utf8' }).split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A') out.add(`${f}:${cols[1]}`); // TCP_LISTEN
    }
  }
  return out;
}

/** A signal sent by USER (who may signal sudo: its real uid is theirs). */
function killAs(sig: string, pid: number): void {
  const r = spawnSync('setpriv', ['--reuid', uid(), '--regid', uid(), '--init-groups', '--', 'kill', `-${sig}`, String(pid)], { encoding: 'utf8' });
  assert.equal(r.status, 0, `kill -${sig} ${pid} as ${USER}: ${r.stderr}`);
}

async function end(h: HelperRun): Promise<void> {
  h.child.stdin!.end();
  await Promise.race([h.exited, sleep(10_000)]);
  h.child.kill('SIGKILL');
}

describe('root boundary (integration)', { skip }, () => {
  before(() => {
    const r = cli('install-helper');
    assert.equal(r.code, 0, r.stderr);
    execFileSync('bash', [path.join(REPO, 'scripts', 'privilege-fixtures.sh')], { stdio: 'inherit' });
    assert.doesNotMatch(execFileSync('id', ['-nG', USER], { encoding: 'utf8' }), /\bdocker\b/, `${USER} must not be in the docker group`);
    runContainer(C, 'while :; do sleep 0.5; done');
  });
  after(() => removeContainers(C));

  test('SIGUSR1 (and every other signal) a sudo user sends opens no inspector in the root helper; the helper goes on serving', async () => {
    const before = listeners();
    const h = await viaSudo();
    try {
      // Relayed by sudo to its command: the guard, never node.
      // (Those sudo does not relay, or turns into a TERM for its command, are left out: they end it, as TERM does.)
      for (const sig of ['USR1', 'USR2', 'QUIT', 'CONT', 'WINCH', 'USR1']) {
        killAs(sig, h.child.pid!);
        await sleep(150);
      }
      await sleep(1000);
      assert.doesNotMatch(h.stderr(), /Debugger listening|inspector/i, h.stderr());
      const opened = [...listeners()].filter((l) => !before.has(l));
      assert.deepEqual(opened, [], `new listening sockets after the signals: ${opened.join(', ')}`);
      // Still serving: it answers and traces.
      const list = await h.connection.sendRequest(RuntimesList);
      assert.ok(list.listings.some((l) => l.containers.some((c) => c.name === C)), JSON.stringify(list).slice(0, 500));
      const r = await h.connection.sendRequest(TraceStart, { gadget: 'exit', container: C });
      await h.connection.sendRequest(TraceStop, { sessionId: r.sessionId });
      // TERM relayed the same way ends it cleanly, programs detached.
      killAs('TERM', h.child.pid!);
      assert.equal(await Promise.race([h.exited, sleep(10_000).then(() => 'still running')]), 0, h.stderr());
    } finally {
      await end(h);
    }
    await waitFor('no program left', () => ourPrograms().length === 0 || undefined);
  });

  test('a root helper refuses to run with an inspector flag or NODE_OPTIONS asking for one', () => {
    for (const [args, env] of [
      [['--inspect=127.0.0.1:0', path.join(REPO, 'dist', 'cli.js'), 'helper'], {}],
      [[path.join(REPO, 'dist', 'cli.js'), 'helper'], { NODE_OPTIONS: '--inspect-port=0' }],
    ] as const) {
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', input: '', env: { ...process.env, ...env }, timeout: 20_000 });
      assert.equal(r.status, 3, r.stderr);
      assert.match(r.stderr, /refusing to run as root: .*inspector|refusing to run as root: node was started with --inspect/);
      assert.doesNotMatch(r.stderr, /helper ready/);
    }
  });

  test('shutdown ends the helper: it answers, takes nothing new and exits', async () => {
    const h = await startHelper();
    try {
      await shutdownAndGo(h);
    } finally {
      await end(h);
    }
    await waitFor('no program left', () => ourPrograms().length === 0 || undefined);
  });

  async function shutdownAndGo(h: HelperRun): Promise<void> {
    const r: TraceStartResult = await h.connection.sendRequest(TraceStart, { gadget: 'exit', container: C });
    assert.ok(r.sessionId);
    await h.connection.sendRequest(Shutdown);
    const late = await Promise.race([
      h.connection.sendRequest(TraceStart, { gadget: 'exit', container: C }).then(
        () => 'accepted',
        (e: Error) => e.message,
      ),
      h.exited.then(() => 'exited'),
    ]);
    assert.notEqual(late, 'accepted');
    assert.equal(await Promise.race([h.exited, sleep(5000).then(() => 'still running')]), 0, h.stderr());
  }

  test('the ring-buffer budget holds host-wide across helpers, frees what a dead helper held, and per user', async () => {
    const big = { gadget: 'exit', container: C, bufferBytes: 256 << 20 } as const;
    const start = (h: HelperRun) => h.connection.sendRequest(TraceStart, big).then((r) => r.sessionId, (e: Error) => new Error(e.message));
    const helpers = [await startHelper(), await startHelper(), await startHelper()];
    try {
      assert.equal(typeof (await start(helpers[0])), 'string');
      assert.equal(typeof (await start(helpers[1])), 'string');
      const third = await start(helpers[2]);
      assert.ok(third instanceof Error && /512 MiB in use of 512 MiB on this host \(all helpers together\)/.test(third.message), String(third));
      // A helper killed outright: what it held is stale and given back.
      helpers[0].child.kill('SIGKILL');
      await helpers[0].exited;
      assert.equal(typeof (await start(helpers[2])), 'string');
    } finally {
      for (const h of helpers) await end(h);
    }
    await waitFor('no program left', () => ourPrograms().length === 0 || undefined);
    // One user, two helpers through sudo: that user's share is 384 MiB.
    const mine = [await viaSudo(), await viaSudo()];
    try {
      assert.equal(typeof (await start(mine[0])), 'string');
      const second = await start(mine[1]);
      assert.ok(second instanceof Error && new RegExp(`uid ${uid()} holds 256 MiB of its 384 MiB`).test(second.message), String(second));
    } finally {
      for (const h of mine) await end(h);
    }
    await waitFor('no program left', () => ourPrograms().length === 0 || undefined);
  });
});
