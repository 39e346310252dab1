/**
 * Runtime sockets that accept and never answer, for real: a user's rootless
 * Podman socket served by a silent listener (owned by that user, as a user
 * would serve it), and a container whose own /var/run/docker.sock is one
 * (found as a nested runtime). runtimes/list answers within the deadline and
 * shows that runtime unreachable; another user's trace of a Docker
 * container, through sudo and the installed helper, starts at once and
 * never reads that socket; a selector still gains members. A FIFO, a device
 * or a symlink to a host path at the nested socket's place is refused, and
 * nothing blocks on it.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { RuntimesList, type RuntimesListResult } from '../../src/protocol';
import { REPO } from '../support/paths';
import { cli, docker, removeContainers, runContainer, skipReason, sleep, startHelper, traceCli, waitFor, watchTrace, type HelperRun } from '../support/integration';

const skip = skipReason() ?? (spawnSync('id', ['ct-rl']).status !== 0 ? 'the user ct-rl is missing: run scripts/runtimes-setup.sh' : undefined);
/** The deadline of one runtime call (src/runtime/deadline.ts), as its errors say it. */
const DEADLINE = /did not answer within 5 s/;
const TAG = `ct-it-dl-${process.pid}`;
const A = `${TAG}-a`;
/** The owner of the silent rootless socket: a user of its own, so no real Podman service is disturbed. */
const SLOW_USER = 'ct-slow';
const CLIENT = `/tmp/${TAG}-client`;

/** A unix socket at `file` that accepts every connection and never answers; owned by `uid` when given. */
async function silentSocket(file: string, uid?: number): Promise<{ close(): void }> {
  const held: net.Socket[] = [];
  const server = net.createServer((s) => held.push(s.on('error', () => undefined)));
  fs.rmSync(file, { force: true });
  await new Promise<void>((resolve) => server.listen(file, resolve));
  if (uid !== undefined) fs.chownSync(file, uid, uid);
  return {
    close: () => {
      for (const s of held) s.destroy();
      server.close();
      fs.rmSync(file, { force: true });
    },
  };
}

/** runtimes/list, failing when it takes longer than `ms`; the answer and how long it took. */
async function listWithin(h: HelperRun, ms: number): Promise<{ r: RuntimesListResult; took: number }> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`runtimes/list did not answer within ${ms} ms`)), ms)));
  try {
    const r = await Promise.race([h.connection.sendRequest(RuntimesList), late]);
    return { r, took: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

async function closeHelper(h: HelperRun): Promise<void> {
  h.child.stdin!.end();
  const gone = await Promise.race([h.exited.then(() => true), sleep(5000).then(() => false)]);
  if (!gone) h.child.kill('SIGKILL');
}

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

describe('deadlines (integration)', { skip }, () => {
  before(() => runContainer(A, 'while :; do sleep 0.3; done'));
  after(() => removeContainers(A));

  describe("a user's rootless Podman socket that never answers", () => {
    let slowUid = 0;
    let socket = '';
    let silent: { close(): void } | undefined;
    let madeRunDir = false;
    const rlUid = skip ? 0 : Number(sh('id', ['-u', 'ct-rl']));

    before(async () => {
      if (spawnSync('id', [SLOW_USER]).status !== 0) sh('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SLOW_USER]);
      slowUid = Number(sh('id', ['-u', SLOW_USER]));
      const runDir = `/run/user/${slowUid}`;
      madeRunDir = !fs.existsSync(runDir);
      fs.mkdirSync(`${runDir}/podman`, { recursive: true, mode: 0o700 });
      fs.chownSync(runDir, slowUid, slowUid);
      fs.chownSync(`${runDir}/podman`, slowUid, slowUid);
      socket = `${runDir}/podman/podman.sock`;
      silent = await silentSocket(socket, slowUid);
      // The installed helper, and a CLI copy the other user can read.
      assert.equal(cli('install-helper').code, 0);
      execFileSync('bash', [path.join(REPO, 'scripts', 'privilege-fixtures.sh')], { stdio: 'ignore' });
      fs.mkdirSync(CLIENT, { recursive: true });
      fs.copyFileSync(path.join(REPO, 'dist', 'cli.js'), `${CLIENT}/cli.js`);
      execFileSync('chmod', ['-R', 'a+rX', CLIENT]);
    });
    after(() => {
      silent?.close();
      if (madeRunDir) fs.rmSync(`/run/user/${slowUid}`, { recursive: true, force: true });
      else fs.rmSync(`/run/user/${slowUid}/podman`, { recursive: true, force: true });
      fs.rmSync(CLIENT, { recursive: true, force: true });
    });

    test('runtimes/list (root, which reads every user\'s socket) answers within the deadline, that runtime unreachable, Docker listed', async () => {
      const h = await startHelper();
      try {
        const { r, took } = await listWithin(h, 20_000);
        const slow = r.listings.find((l) => l.status.endpoint === `unix://${socket}`);
        assert.ok(slow, `the silent socket is listed: ${r.listings.map((l) => l.status.endpoint).join(', ')}`);
        assert.equal(slow.status.kind, 'podman-rootless');
        assert.equal(slow.status.reachable, false);
        assert.match(slow.status.error ?? '', DEADLINE);
        assert.ok(took < 12_000, `answered in ${took} ms`);
        const dockerListing = r.listings.find((l) => l.status.kind === 'docker' && !l.status.node);
        assert.equal(dockerListing?.status.reachable, true);
        assert.ok(dockerListing.containers.some((c) => c.name === A), 'Docker listed as ever');
        // It missed its deadline once: the next listing does not wait for it.
        const again = await listWithin(h, 20_000);
        assert.ok(again.took < 3000, `the second listing took ${again.took} ms`);
        assert.match(again.r.listings.find((l) => l.status.endpoint === `unix://${socket}`)?.status.error ?? '', DEADLINE);
      } finally {
        await closeHelper(h);
      }
    });

    test("another user's trace of a Docker container (sudo, installed helper) starts at once; that user's helper never reads the socket", async () => {
      const asRl = (args: string[]) =>
        spawn(process.execPath, [`${CLIENT}/cli.js`, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
          cwd: '/',
          uid: rlUid,
          gid: Number(sh('id', ['-g', 'ct-rl'])),
          env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/home/ct-rl', USER: 'ct-rl', XDG_RUNTIME_DIR: `/run/user/${rlUid}` },
        });
      const t0 = Date.now();
      const t = watchTrace(asRl(['trace', 'exec', '--container', A, '--elevate', 'sudo', '--json']));
      try {
        await Promise.race([t.ready, sleep(15_000).then(() => Promise.reject(new Error(`no ready within 15 s: ${t.stderr()}`)))]);
        const took = Date.now() - t0;
        assert.ok(took < 5000, `ready after ${took} ms: shorter than one deadline, so the socket was not waited for`);
        await waitFor('an exec in the container', () => t.events.some((e) => (e as { args?: string[] }).args?.[0] === 'sleep') || undefined, 10_000);
      } finally {
        t.child.kill('SIGINT');
        await Promise.race([t.exited, sleep(5000)]);
        t.child.kill('SIGKILL');
      }
      // The same user's listing through the helper: the other user's socket is not among what it read.
      const l = asRl(['list', '--helper', '--elevate', 'sudo', '--json']);
      let out = '';
      l.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      l.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const code = await Promise.race([new Promise<number>((r) => l.on('exit', (c) => r(c ?? -1))), sleep(20_000).then(() => 'late' as const)]);
      if (code === 'late') l.kill('SIGKILL');
      assert.equal(code, 0, out);
      assert.ok(out.includes(`"name": "${A}"`), out);
      assert.doesNotMatch(out, new RegExp(`/run/user/${slowUid}/`));
    });

    test('a trace by root itself (it reads every user\'s socket) of a Docker container is not held by it either', async () => {
      const t0 = Date.now();
      const t = traceCli('exec', '--container', A);
      try {
        await Promise.race([t.ready, sleep(15_000).then(() => Promise.reject(new Error(`no ready within 15 s: ${t.stderr()}`)))]);
        assert.ok(Date.now() - t0 < 5000, `ready after ${Date.now() - t0} ms`);
      } finally {
        t.child.kill('SIGKILL');
        await t.exited;
      }
    });
  });

  describe("a container whose own /var/run/docker.sock never answers (a nested runtime)", () => {
    const NODE = `${TAG}-node`;
    /** The same silent socket, reached through the container's own absolute symlink /var/run -> /srv/ct. */
    const LINKED = `${TAG}-linked`;
    const HOSTILE = { fifo: `${TAG}-fifo`, device: `${TAG}-dev`, hostLink: `${TAG}-link` };
    const SEL = [`${TAG}-sel-1`, `${TAG}-sel-2`];
    const dir = `/tmp/${TAG}-run`;
    let silent: { close(): void } | undefined;

    before(async () => {
      fs.mkdirSync(dir, { recursive: true });
      silent = await silentSocket(`${dir}/docker.sock`);
      runContainer(NODE, 'while :; do sleep 1; done', ['-v', `${dir}:/var/run`]);
      runContainer(LINKED, 'mkdir -p /var && ln -s /srv/ct /var/run && while :; do sleep 1; done', ['-v', `${dir}:/srv/ct`]);
      runContainer(HOSTILE.fifo, 'mkdir -p /var/run && mkfifo /var/run/docker.sock && while :; do sleep 1; done');
      runContainer(HOSTILE.device, 'mkdir -p /var/run && mknod /var/run/docker.sock c 1 3 && while :; do sleep 1; done');
      runContainer(HOSTILE.hostLink, 'mkdir -p /var/run && ln -s /run/podman/podman.sock /var/run/docker.sock && while :; do sleep 1; done');
      await waitFor('the hostile shapes in place', () => [LINKED, ...Object.values(HOSTILE)].every((c) => spawnSync('docker', ['exec', c, 'sh', '-c', '[ -e /var/run/docker.sock ] || [ -L /var/run/docker.sock ]']).status === 0) || undefined);
    });
    after(() => {
      removeContainers(NODE, LINKED, ...Object.values(HOSTILE), ...SEL);
      silent?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('runtimes/list answers within the deadline: the nested runtimes unreachable; a FIFO, a device, a link to a host path are no runtime', async () => {
      const h = await startHelper();
      try {
        const { r, took } = await listWithin(h, 20_000);
        const inNode = r.listings.filter((l) => l.status.node?.name === NODE);
        assert.equal(inNode.length, 1, JSON.stringify(inNode.map((l) => l.status)));
        assert.equal(inNode[0].status.kind, 'docker');
        assert.equal(inNode[0].status.reachable, false);
        assert.match(inNode[0].status.error ?? '', DEADLINE);
        assert.ok(took < 12_000, `answered in ${took} ms`);
        // Symlinks resolve inside the container's root: its own link leads to its own socket ...
        const linked = r.listings.find((l) => l.status.node?.name === LINKED);
        assert.equal(linked?.status.reachable, false, `the socket behind ${LINKED}'s own symlink is found`);
        assert.match(linked.status.error ?? '', DEADLINE);
        // ... and a link to a host path leads nowhere on the host; a FIFO or a device is no socket (and blocks nothing).
        for (const name of Object.values(HOSTILE)) assert.ok(!r.listings.some((l) => l.status.node?.name === name), `no runtime in ${name}`);
        assert.ok(r.listings.find((l) => l.status.kind === 'docker' && !l.status.node)?.containers.some((c) => c.name === A));
        const again = await listWithin(h, 20_000);
        assert.ok(again.took < 3000, `the second listing took ${again.took} ms`);
      } finally {
        await closeHelper(h);
      }
    });

    test('a selector trace starts, and a container started after it joins it', async () => {
      const label = ['--label', `ct-dl-sel=${TAG}`];
      runContainer(SEL[0], 'while :; do sleep 0.3; done', label);
      const t = traceCli('exec', '-l', `ct-dl-sel=${TAG}`, '--verbose');
      try {
        await Promise.race([t.ready, sleep(20_000).then(() => Promise.reject(new Error(`no ready within 20 s: ${t.stderr()}`)))]);
        const t0 = Date.now();
        runContainer(SEL[1], 'while :; do sleep 0.3; done', label);
        await waitFor('the second container joining', () => t.stderr().includes(`now also tracing ${SEL[1]}`) || undefined, 15_000);
        assert.ok(Date.now() - t0 < 5000, `joined after ${Date.now() - t0} ms: the silent runtime did not hold the re-match`);
        await waitFor(`an exec in ${SEL[1]}`, () => t.events.some((e) => (e as { container?: { name: string } }).container?.name === SEL[1]) || undefined, 10_000);
      } finally {
        t.child.kill('SIGKILL');
        await t.exited;
      }
      assert.ok(docker('inspect', '-f', '{{.State.Running}}', NODE) === 'true', 'the node with the silent socket is still there');
    });
  });
});
