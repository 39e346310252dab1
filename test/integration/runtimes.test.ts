/**
 * Every runtime a dev host has, for real (scripts/runtimes-setup.sh): rootful
 * Podman, a rootless Podman user tracing through the elevated helper, a
 * containerd container in `default`, a pod made through the real CRI API, a
 * runtime inside a container (a kind-like node: three PID levels), and a
 * selector over pods, one started after the trace. Each container is listed
 * with its runtime, and an exec inside it is traced with PIDs that agree with
 * the kernel's NSpid.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, docker, nsIds, skipReason, startNode, traceCli, waitFor, watchTrace, type TraceRun } from '../support/integration';
import { CriClient } from '../support/cri';
import { REPO } from '../support/paths';

const base = skipReason();
const RUNTIMES_MISSING = (() => {
  if (base) return base;
  for (const [what, ok] of [
    ['podman', fs.existsSync('/usr/bin/podman')],
    ['the rootful Podman API (/run/podman/podman.sock)', fs.existsSync('/run/podman/podman.sock')],
    ['the standalone containerd (/run/containerd/containerd.sock)', fs.existsSync('/run/containerd/containerd.sock')],
    ['the rootless Podman user ct-rl', spawnSync('id', ['ct-rl']).status === 0],
  ] as const) {
    if (!ok) {
      if (process.env.CI) throw new Error(`runtime prerequisites missing under CI: ${what} (scripts/runtimes-setup.sh)`);
      return `${what} is missing: run scripts/runtimes-setup.sh`;
    }
  }
  return undefined;
})();
const skip = RUNTIMES_MISSING;

const TAG = `ct-it-rt-${process.pid}`;
const IMAGE = 'container-trace/busybox:latest';
/** Waits for /tmp/go (written from the host), then starts a long-lived `sleep <marker>`. */
const script = (marker: string) => `while [ ! -e /tmp/go ]; do sleep 0.2; done; sleep ${marker} & while :; do sleep 1; done`;
const go = (hostPid: number) => fs.writeFileSync(`/proc/${hostPid}/root/tmp/go`, '');

interface Listed {
  runtime: string;
  id: string;
  name: string;
  namespace?: string;
  pod?: string;
  hostPid: number;
  node?: { name: string };
}

function listed(): Listed[] {
  const r = cli('list', '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Listed[];
}

type Ev = { args: string[]; pid: number; tid: number; hostPid: number; hostTid: number; container: { id: string; name: string; runtime?: string; namespace?: string; pod?: string } };

/** Trace exec with `args`, let the container start `sleep marker`, check its PIDs against the kernel's NSpid. */
async function execTraced(t: TraceRun, initHostPid: number, marker: string, levels: number): Promise<Ev> {
  let ev: Ev;
  try {
    await t.ready;
    go(initHostPid);
    ev = await waitFor(`the exec of sleep ${marker}`, () => t.events.find((e) => (e as Ev).args?.[1] === marker) as Ev | undefined, 15_000);
  } catch (err) {
    t.child.kill('SIGKILL');
    throw err;
  }
  assert.equal(await t.stop(), 0, t.stderr());
  const ids = nsIds(ev.hostPid);
  assert.equal(ids.nspid.length, levels, `NSpid ${ids.nspid.join(' ')} has ${levels} levels`);
  assert.equal(ids.nspid[0], ev.hostPid, 'host PID = NSpid outermost');
  assert.equal(ids.nspid[levels - 1], ev.pid, 'container PID = NSpid innermost');
  assert.equal(ev.hostTid, ev.hostPid);
  assert.equal(ev.tid, ev.pid);
  return ev;
}

function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env }).trim();
}

describe('runtimes (integration)', { skip }, () => {
  const cri = skip ? undefined : new CriClient();
  const rlUid = skip ? 0 : Number(sh('id', ['-u', 'ct-rl']));
  const asRl = (...args: string[]) => sh('runuser', ['-u', 'ct-rl', '--', 'env', `XDG_RUNTIME_DIR=/run/user/${rlUid}`, 'HOME=/home/ct-rl', ...args]);
  const CLIENT = `/tmp/ct-rt-client-${process.pid}`;

  before(async () => {
    await cri!.removeTestPods();
  });
  after(async () => {
    spawnSync('podman', ['rm', '-f', '-t', '0', `${TAG}-pm`], { stdio: 'ignore' });
    spawnSync('runuser', ['-u', 'ct-rl', '--', 'env', `XDG_RUNTIME_DIR=/run/user/${rlUid}`, 'podman', 'rm', '-f', '-t', '0', `${TAG}-rl`], { stdio: 'ignore', cwd: '/' });
    spawnSync('ctr', ['-n', 'default', 'task', 'kill', '-s', 'KILL', `${TAG}-ctr`], { stdio: 'ignore' });
    spawnSync('ctr', ['-n', 'default', 'task', 'rm', '-f', `${TAG}-ctr`], { stdio: 'ignore' });
    spawnSync('ctr', ['-n', 'default', 'container', 'rm', `${TAG}-ctr`], { stdio: 'ignore' });
    spawnSync('docker', ['rm', '-f', `${TAG}-node`], { stdio: 'ignore' });
    await cri?.removeTestPods();
    cri?.close();
    fs.rmSync(CLIENT, { recursive: true, force: true });
  });

  test('rootful Podman: listed as podman, traced at its PIDs', async () => {
    const name = `${TAG}-pm`;
    sh('podman', ['run', '-d', '--network', 'none', '--name', name, `localhost/${IMAGE}`, 'sh', '-c', script('31.11')]);
    const c = listed().find((x) => x.name === name);
    assert.ok(c, 'in container-trace list');
    assert.equal(c.runtime, 'podman');
    assert.equal(c.hostPid, Number(sh('podman', ['inspect', '-f', '{{.State.Pid}}', name])));
    const ev = await execTraced(traceCli('exec', '--container', `podman:${name}`), c.hostPid, '31.11', 2);
    assert.equal(ev.container.name, name);
    assert.equal(ev.container.runtime, 'podman');
  });

  test('rootless Podman: its user lists it and traces it through the elevated helper (sudo, installed launcher)', async () => {
    assert.equal(cli('install-helper').code, 0);
    execFileSync('bash', [path.join(REPO, 'scripts', 'privilege-fixtures.sh')], { stdio: 'ignore' });
    fs.mkdirSync(CLIENT, { recursive: true });
    fs.copyFileSync(path.join(REPO, 'dist', 'cli.js'), `${CLIENT}/cli.js`);
    execFileSync('chmod', ['-R', 'a+rX', CLIENT]);
    const name = `${TAG}-rl`;
    // Output to /dev/null: podman's helpers (conmon, the rootless pause process) keep inherited pipes open.
    asRl('sh', '-c', `cd / && podman run -d --network none --name ${name} localhost/${IMAGE} sh -c '${script('31.22')}' >/dev/null 2>&1`);
    const hostPid = Number(asRl('sh', '-c', `cd / && podman inspect -f '{{.State.Pid}}' ${name}`));
    // The user namespace changes nothing in the PIDs: NSpid is host, container.
    assert.equal(nsIds(hostPid).nspid.length, 2);
    const list = JSON.parse(asRl(process.execPath, `${CLIENT}/cli.js`, 'list', '--json')) as Listed[];
    const c = list.find((x) => x.name === name);
    assert.ok(c, 'its own user lists it');
    assert.equal(c.runtime, 'podman-rootless');
    assert.equal(c.hostPid, hostPid);
    // The trace runs as ct-rl, through sudo -n and the installed helper.
    // Spawned as the user directly (not through runuser), so that stopping it reaches the CLI.
    const child = spawn(process.execPath, [`${CLIENT}/cli.js`, 'trace', 'exec', '--container', name, '--elevate', 'sudo', '--json', '--verbose'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: '/',
      uid: rlUid,
      gid: Number(sh('id', ['-g', 'ct-rl'])),
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/home/ct-rl', USER: 'ct-rl', XDG_RUNTIME_DIR: `/run/user/${rlUid}` },
    });
    const t = watchTrace(child);
    const ev = await execTraced(t, hostPid, "31.22", 2);
    assert.match(t.stderr(), /with sudo -n/);
    assert.equal(ev.container.runtime, 'podman-rootless');
    assert.equal(ev.container.name, name);
  });

  test('containerd: a container of the default namespace, named namespace/name', async () => {
    const name = `${TAG}-ctr`;
    sh('ctr', ['-n', 'default', 'run', '-d', '--label', 'ct-test=1', `docker.io/${IMAGE}`, name, 'sh', '-c', script('31.33')]);
    const c = listed().find((x) => x.name === name);
    assert.ok(c);
    assert.equal(c.runtime, 'containerd');
    assert.equal(c.namespace, 'default');
    const pid = /(\d+)\s+RUNNING/.exec(sh('ctr', ['-n', 'default', 'task', 'ls']).split('\n').find((l) => l.startsWith(name + ' ')) ?? '')?.[1];
    assert.equal(c.hostPid, Number(pid), 'the task PID from the API');
    const ev = await execTraced(traceCli('exec', '--container', `default/${name}`), c.hostPid, '31.33', 2);
    assert.equal(ev.container.namespace, 'default');
    assert.equal(ev.container.runtime, 'containerd');
  });

  test('CRI: a pod sandbox and container made through runtime.v1, listed with namespace and pod, traced as namespace/pod/container', async () => {
    const pod = await cri!.runPod(`${TAG}-web`, 'ct-it', { app: 'ct-it-web' });
    await cri!.runContainer(pod, 'nginx', script('31.44'));
    const c = await waitFor('the CRI container in the list', () => listed().find((x) => x.pod === pod.name && x.name === 'nginx' && x.hostPid > 0));
    assert.equal(c.runtime, 'cri');
    assert.equal(c.namespace, 'ct-it');
    assert.ok(!listed().some((x) => x.runtime === 'containerd' && x.namespace === 'k8s.io' && x.id === c.id), 'not listed twice (containerd k8s.io)');
    const ev = await execTraced(traceCli('exec', '--container', `ct-it/${pod.name}/nginx`), c.hostPid, '31.44', 2);
    assert.deepEqual(ev.container, { id: c.id, name: 'nginx', runtime: 'cri', namespace: 'ct-it', pod: pod.name });
  });

  test('a runtime inside a container (kind-like node): its containers are listed under it, traced with three PID levels', async () => {
    const node = `${TAG}-node`;
    await startNode(node);
    docker('exec', node, 'ctr', 'run', '-d', '--snapshotter', 'native', `docker.io/${IMAGE}`, 'inner', 'sh', '-c', script('31.55'));
    const c = await waitFor('the nested container in the list', () => listed().find((x) => x.name === 'inner' && x.node?.name === node && x.hostPid > 0));
    assert.equal(c.runtime, 'containerd');
    const inNode = /(\d+)\s+RUNNING/.exec(docker('exec', node, 'ctr', 'task', 'ls').split('\n').find((l) => l.startsWith('inner ')) ?? '')?.[1];
    assert.deepEqual(nsIds(c.hostPid).nspid.slice(1), [Number(inNode), 1], "the node's PID and the container's");
    const ev = await execTraced(traceCli('exec', '--container', 'inner'), c.hostPid, '31.55', 3);
    assert.equal(ev.container.name, 'inner');
  });

  test('a selector over pods: -n and -l match two pods, one started after the trace; another label stays out', async () => {
    const a = await cri!.runPod(`${TAG}-sel-a`, 'ct-sel', { app: 'ct-sel' });
    await cri!.runContainer(a, 'app', script('31.66'));
    const other = await cri!.runPod(`${TAG}-sel-x`, 'ct-sel', { app: 'ct-other' });
    await cri!.runContainer(other, 'app', script('31.88'));
    const pidOf = (pod: string) => waitFor(`pod ${pod} running`, () => listed().find((x) => x.pod === pod && x.hostPid > 0)?.hostPid);
    const aPid = await pidOf(a.name);
    const xPid = await pidOf(other.name);
    const t = traceCli('exec', '-n', 'ct-sel', '-l', 'app=ct-sel', '--verbose');
    let evA: Ev, evB: Ev;
    try {
      await t.ready;
      assert.match(t.stderr(), new RegExp(`tracing -n ct-sel -l app=ct-sel: ct-sel/${a.name}/app\n`));
      const b = await cri!.runPod(`${TAG}-sel-b`, 'ct-sel', { app: 'ct-sel' });
      await cri!.runContainer(b, 'app', script('31.77'));
      const bPid = await pidOf(b.name);
      // Containers that start are looked for every second; the trace says when one joins.
      await waitFor('pod b joining the trace', () => t.stderr().includes('now also tracing app'), 10_000);
      go(aPid);
      go(bPid);
      go(xPid);
      evA = await waitFor('pod a exec', () => t.events.find((e) => (e as Ev).args?.[1] === '31.66') as Ev | undefined, 15_000);
      evB = await waitFor('pod b exec (started after the trace)', () => t.events.find((e) => (e as Ev).args?.[1] === '31.77') as Ev | undefined, 15_000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(evB.container.pod, b.name, "pod b's event names its pod");
    } catch (err) {
      t.child.kill('SIGKILL');
      throw err;
    }
    assert.equal(await t.stop(), 0, t.stderr());
    assert.equal(evA.container.pod, a.name);
    assert.equal(evB.container.namespace, 'ct-sel');
    for (const ev of [evA, evB]) assert.deepEqual(nsIds(ev.hostPid).nspid, [ev.hostPid, ev.pid]);
    assert.ok(!t.events.some((e) => (e as Ev).args?.[1] === '31.88'), 'the pod with another label is not traced');
    assert.ok(t.events.every((e) => [a.name, `${TAG}-sel-b`].includes((e as Ev).container.pod ?? '')), 'every event names one of the two pods');
  });

  test('a Compose project: --compose-project traces its services, not other containers', async () => {
    const names = [`${TAG}-cp-web`, `${TAG}-cp-db`, `${TAG}-cp-other`];
    const labels = (project: string, service: string) => ['--label', `com.docker.compose.project=${project}`, '--label', `com.docker.compose.service=${service}`];
    try {
      docker('run', '-d', '--network', 'none', '--label', 'container-trace.test=1', ...labels(`${TAG}-shop`, 'web'), '--name', names[0], IMAGE, 'sh', '-c', script('31.91'));
      docker('run', '-d', '--network', 'none', '--label', 'container-trace.test=1', ...labels(`${TAG}-shop`, 'db'), '--name', names[1], IMAGE, 'sh', '-c', script('31.92'));
      docker('run', '-d', '--network', 'none', '--label', 'container-trace.test=1', ...labels(`${TAG}-else`, 'web'), '--name', names[2], IMAGE, 'sh', '-c', script('31.93'));
      const pids = names.map((n) => Number(docker('inspect', '-f', '{{.State.Pid}}', n)));
      const t = traceCli('exec', '--compose-project', `${TAG}-shop`);
      try {
        await t.ready;
        pids.forEach(go);
        await waitFor('both services', () => ['31.91', '31.92'].every((m) => t.events.some((e) => (e as Ev).args?.[1] === m)) || undefined, 15_000);
        await new Promise((r) => setTimeout(r, 1000));
      } catch (err) {
        t.child.kill('SIGKILL');
        throw err;
      }
      assert.equal(await t.stop(), 0, t.stderr());
      assert.ok(!t.events.some((e) => (e as Ev).args?.[1] === '31.93'), 'another project is not traced');
      const byMarker = (m: string) => t.events.find((e) => (e as Ev).args?.[1] === m) as Ev;
      assert.equal(byMarker('31.91').container.name, names[0]);
      assert.equal(byMarker('31.92').container.name, names[1]);
    } finally {
      spawnSync('docker', ['rm', '-f', ...names], { stdio: 'ignore' });
    }
  });

  test('runtime daemons restarting during a trace (Podman API, containerd): the trace goes on, listing recovers', async () => {
    const pm = `${TAG}-restart-pm`;
    const ctr = `${TAG}-restart-ctr`;
    let t1: ReturnType<typeof traceCli> | undefined;
    let t2: ReturnType<typeof traceCli> | undefined;
    try {
      // Made inside the try: a container that could not start is removed too.
      sh('podman', ['run', '-d', '--network', 'none', '--name', pm, `localhost/${IMAGE}`, 'sh', '-c', 'while :; do sleep 0.3; done']);
      sh('ctr', ['-n', 'default', 'run', '-d', `docker.io/${IMAGE}`, ctr, 'sh', '-c', 'while :; do sleep 0.3; done']);
      t1 = traceCli('exec', '--container', `podman:${pm}`);
      t2 = traceCli('exec', '--container', `default/${ctr}`);
      await Promise.all([t1.ready, t2.ready]);
      // Stop both daemons; the containers (conmon, shims) and the traces live on.
      spawnSync('pkill', ['-f', 'podman system service --time=0 unix:///run/podman/podman.sock']);
      spawnSync('pkill', ['-f', 'containerd --config /etc/containerd/config.toml']);
      await waitFor('both daemons gone', () => spawnSync('pgrep', ['-f', 'containerd --config /etc/containerd/config.toml']).status !== 0 || undefined);
      const before = [t1.events.length, t2.events.length];
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(t1.events.length > before[0] && t2.events.length > before[1], 'events keep coming while the daemons are down');
      // The listing goes on without them (Docker is up), then recovers when they are back (as setup starts them).
      const down = listed().map((c) => c.name);
      assert.ok(!down.includes(ctr), 'containerd is down: its containers are not listed');
      execFileSync('bash', [path.join(REPO, 'scripts', 'runtimes-setup.sh')], { stdio: 'ignore' });
      const names = listed().map((c) => c.name);
      assert.ok(names.includes(pm) && names.includes(ctr), names.join(', '));
      assert.ok(t1.child.exitCode === null && t2.child.exitCode === null, 'the traces never ended');
    } finally {
      execFileSync('bash', [path.join(REPO, 'scripts', 'runtimes-setup.sh')], { stdio: 'ignore' }); // up again, whatever failed
      t1?.child.kill('SIGINT');
      t2?.child.kill('SIGINT');
      await Promise.all([t1?.exited, t2?.exited]);
      spawnSync('podman', ['rm', '-f', '-t', '0', pm], { stdio: 'ignore' });
      spawnSync('ctr', ['-n', 'default', 'task', 'kill', '-s', 'KILL', ctr], { stdio: 'ignore' });
      spawnSync('ctr', ['-n', 'default', 'task', 'rm', '-f', ctr], { stdio: 'ignore' });
      spawnSync('ctr', ['-n', 'default', 'container', 'rm', ctr], { stdio: 'ignore' });
    }
  });

  test('a container restarted mid-trace ends the trace with the reason (its PID namespace is a new one)', async () => {
    const name = `${TAG}-restart`;
    let t: ReturnType<typeof traceCli> | undefined;
    try {
      sh('podman', ['run', '-d', '--network', 'none', '--name', name, `localhost/${IMAGE}`, 'sh', '-c', 'while :; do sleep 0.3; done']);
      t = traceCli('exec', '--container', `podman:${name}`);
      await t.ready;
      sh('podman', ['restart', '-t', '0', name]);
      assert.equal(await t.exited, 0);
      assert.match(t.stderr(), new RegExp(`ended: container-exited \\(container ${name} exited\\)`));
    } finally {
      t?.child.kill('SIGKILL');
      spawnSync('podman', ['rm', '-f', '-t', '0', name], { stdio: 'ignore' });
    }
  });

  test('references: ambiguous names list the matches and exit 2; runtime: narrows', () => {
    // Two containers named the same in two runtimes.
    const name = `${TAG}-dup`;
    try {
      sh('podman', ['run', '-d', '--network', 'none', '--name', name, `localhost/${IMAGE}`, 'sleep', '300']);
      docker('run', '-d', '--network', 'none', '--label', 'container-trace.test=1', '--name', name, IMAGE, 'sleep', '300');
      const r = cli('ps', name);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`"${name}" matches 2 containers: .*docker:${name} .*podman:${name} `));
      assert.equal(cli('ps', `podman:${name}`).code, 0);
      assert.equal(cli('ps', `docker:${name}`).code, 0);
      const none = cli('ps', `cri:${name}`);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no container "cri:/);
    } finally {
      spawnSync('podman', ['rm', '-f', '-t', '0', name], { stdio: 'ignore' });
      spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    }
  });
});
