/**
 * The root helper against a hostile client and a lying runtime, where a
 * trace could really start (root, Docker, BPF): endpoints the client names,
 * targets in the host's PID namespace or another container's cgroup,
 * pipelined trace/start past the limits, malformed frames, and container text
 * that would drive a terminal.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { TraceStart, TraceStop, type TraceStartResult } from '../../src/protocol';
import { CLI } from '../support/paths';
import { cli, docker, hostPidOf, installTarget, ourPrograms, removeContainers, runContainer, skipReason, startHelper, traceCli, waitFor } from '../support/integration';

const skip = skipReason();
const A = `ct-it-hard-${process.pid}`;
const B = `ct-it-hard-b-${process.pid}`;
const HOSTPID = `ct-it-hard-hostpid-${process.pid}`;

/** A Docker API that lies: every container is `name`, with init PID `pid`. */
function fakeDocker(socket: string, name: string, pid: number): Promise<http.Server> {
  const body = (o: unknown) => JSON.stringify(o);
  const inspect = {
    Id: 'f'.repeat(64),
    Name: `/${name}`,
    Image: 'fake',
    Created: new Date().toISOString(),
    Config: { Image: 'fake', Labels: {} },
    State: { Status: 'running', Pid: pid },
  };
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (/\/version$/.test(req.url ?? '')) return res.end(body({ Version: 'fake' }));
    if (/\/containers\/json/.test(req.url ?? '')) return res.end(body([{ Id: inspect.Id, Names: [`/${name}`], Image: 'fake', State: 'running', Labels: {}, Created: 0 }]));
    if (/\/containers\/[^/]+\/json/.test(req.url ?? '')) return res.end(body(inspect));
    res.statusCode = 404;
    res.end(body({ message: 'no such thing' }));
  });
  fs.rmSync(socket, { force: true });
  return new Promise((resolve) => server.listen(socket, () => resolve(server)));
}

describe('hardening (integration)', { skip }, () => {
  before(() => {
    runContainer(A, 'while :; do sleep 0.5; done');
    runContainer(B, 'while :; do sleep 0.5; done');
    runContainer(HOSTPID, 'while :; do sleep 0.5; done', ['--pid', 'host']);
  });
  after(() => removeContainers(A, B, HOSTPID));

  test('a container in the host PID namespace (--pid host) is refused: it would trace every host process', () => {
    const r = cli('trace', 'exec', '--container', HOSTPID, '--duration', '1');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /shares the host's PID namespace .*refused/);
  });

  test('a runtime that names a host process (PID 1) or another container\'s init is not believed', async () => {
    const socket = `/tmp/ct-fake-docker-${process.pid}.sock`;
    for (const [pid, why] of [
      // PID 1's namespace link is unreadable even to root on some hosts: refused either way.
      [1, /shares the host's PID namespace, or its runtime named a host process \(PID 1\)|host PID 1 is gone or its PID namespace is unreadable; refused/],
      [hostPidOf(B), /the runtime says its init is host PID \d+, but that process's cgroup is not the container's; refused/],
    ] as const) {
      const server = await fakeDocker(socket, 'victim', pid);
      try {
        // Not spawnSync: the fake runtime answers from this process's event loop.
        const r = await new Promise<{ status: number | null; stderr: string }>((resolve) =>
          execFile(process.execPath, [CLI, 'trace', 'exec', '--container', 'victim', '--docker-host', `unix://${socket}`, '--duration', '1'], { encoding: 'utf8', timeout: 30_000 }, (err, _out, stderr) =>
            resolve({ status: err ? ((err as { code?: number }).code ?? -1) : 0, stderr }),
          ),
        );
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, why);
        assert.doesNotMatch(r.stderr, /^ready$/m);
      } finally {
        server.close();
      }
    }
    fs.rmSync(socket, { force: true });
  });

  test('the helper takes no endpoint from its client: --docker-host is refused, the launcher takes no arguments', () => {
    const r = spawnSync(process.execPath, [CLI, 'helper', '--docker-host', 'unix:///tmp/evil.sock'], { encoding: 'utf8', input: '' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /the helper reads only fixed, root-owned runtime sockets/);
    assert.equal(cli('install-helper').code, 0);
    const l = spawnSync('/usr/local/lib/container-trace/helper/container-trace-helper', ['--docker-host', 'unix:///tmp/evil.sock'], { encoding: 'utf8', input: '' });
    assert.equal(l.status, 2);
    assert.match(l.stderr, /takes no arguments/);
  });

  test('the launcher clears the environment: NODE_OPTIONS and CONTAINER_TRACE_* never reach the root helper', () => {
    assert.equal(cli('install-helper').code, 0);
    const marker = `/tmp/ct-node-options-${process.pid}`;
    fs.writeFileSync(`${marker}.js`, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran as ' + process.getuid());`);
    const r = spawnSync('/usr/local/lib/container-trace/helper/container-trace-helper', [], {
      encoding: 'utf8',
      input: '',
      env: { ...process.env, NODE_OPTIONS: `--require ${marker}.js`, CONTAINER_TRACE_BPF_DIR: '/tmp' },
      timeout: 20_000,
    });
    assert.match(r.stderr, /container-trace helper ready/);
    assert.ok(!fs.existsSync(marker), 'NODE_OPTIONS ran code in the root helper');
    fs.rmSync(`${marker}.js`, { force: true });
  });

  test('pipelined trace/start requests cannot pass the session limit or the kernel-memory budget', async () => {
    const h = await startHelper();
    try {
      const starts = Array.from({ length: 24 }, () =>
        h.connection.sendRequest(TraceStart, { gadget: 'exit', container: A, bufferBytes: 64 << 20 }).then(
          (r: TraceStartResult) => ({ ok: true as const, r }),
          (e: { code: number; message: string }) => ({ ok: false as const, e }),
        ),
      );
      const results = await Promise.all(starts);
      const ok = results.filter((x) => x.ok);
      const refused = results.filter((x) => !x.ok).map((x) => (x as { e: { message: string } }).e.message);
      // 64 MiB rings: the 512 MiB budget holds 8, fewer than the 16 sessions.
      assert.equal(ok.length, 8, refused.join('\n'));
      assert.ok(refused.every((m) => /kernel memory for ring buffers|at most 16 traces/.test(m)), refused.join('\n'));
      assert.ok(refused.some((m) => /kernel memory for ring buffers: 512 MiB in use of 512 MiB/.test(m)), refused.join('\n'));
      for (const x of ok) if (x.ok) await h.connection.sendRequest(TraceStop, { sessionId: x.r.sessionId });
      // Small rings: exactly 16 sessions, however many are asked for at once.
      const small = await Promise.all(
        Array.from({ length: 20 }, () => h.connection.sendRequest(TraceStart, { gadget: 'exit', container: A, bufferBytes: 1 << 20 }).then((r) => r, (e: Error) => e)),
      );
      const started = small.filter((x) => !(x instanceof Error)) as TraceStartResult[];
      assert.equal(started.length, 16);
      assert.ok((small.filter((x) => x instanceof Error) as Error[]).every((e) => /at most 16 traces run at once/.test(e.message)));
      for (const r of started) await h.connection.sendRequest(TraceStop, { sessionId: r.sessionId });
    } finally {
      h.child.stdin!.end();
      await h.exited;
    }
    await waitFor('no program left', () => ourPrograms().length === 0 || undefined);
  });

  test('a malformed frame ends the helper (it does not linger as root); its programs are gone', async () => {
    const h = await startHelper();
    await h.connection.sendRequest(TraceStart, { gadget: 'exec', container: A });
    assert.ok(ourPrograms().length > 0);
    // Two Content-Length headers that disagree: refused, not guessed.
    h.child.stdin!.write('Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}');
    const code = await Promise.race([h.exited, new Promise((r) => setTimeout(() => r('still running'), 5000))]);
    assert.notEqual(code, 'still running', h.stderr());
    assert.match(h.stderr(), /more than one Content-Length/);
    await waitFor('no program left', () => ourPrograms().length === 0 || undefined);
  });

  test('text from the container cannot drive the terminal: control characters and bidi overrides are escaped, JSON stays exact', async () => {
    const evil = 'x\x1b]0;pwned\x07\x1b[2J\u202eevil';
    // JSON: the exact argument.
    const t = traceCli('exec', '--container', A);
    await t.ready;
    docker('exec', A, '/bin/echo', evil);
    await waitFor('the exec', () => t.events.find((e) => (e.args as string[] | undefined)?.[1] === evil));
    await t.stop();
    // Text: the same exec, escaped.
    const child = spawn(process.execPath, [CLI, 'trace', 'exec', '--container', A], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor('ready', () => /^ready$/m.test(err) || undefined);
    docker('exec', A, '/bin/echo', evil);
    await waitFor('the line', () => out.includes('pwned') || undefined);
    child.kill('SIGINT');
    await new Promise((r) => child.on('exit', r));
    assert.match(out, /x\\x1b\]0;pwned\\x07\\x1b\[2J\\u202eevil/, out);
    // eslint-disable-next-line no-control-regex -- no raw control character may reach the terminal
    assert.doesNotMatch(out, /[\x1b\x07\u202e]/);
  });

  test("uprobes: a file that is the host's own (bind-mounted) is not probed host-wide; paths stay inside the container's root", async () => {
    const libc = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6'].map((p) => fs.realpathSync(p)).find((p) => fs.existsSync(p))!;
    const name = `ct-it-hard-lib-${process.pid}`;
    runContainer(name, 'ln -s /etc/../../../../lib/libc.so.6 /tmp/up; ln -s /proc/self/root/etc/hostname /tmp/magic; while :; do sleep 0.5; done', ['-v', `${libc}:/lib/libc.so.6:ro`]);
    try {
      await waitFor('the links', () => fs.existsSync(`/proc/${hostPidOf(name)}/root/tmp/magic`) || undefined);
      const wide = cli('trace', 'uprobe', '--container', name, '--target', '/lib/libc.so.6', '--function', 'malloc', '--duration', '1');
      assert.equal(wide.code, 2, wide.stderr);
      assert.match(wide.stderr, /is not the container's own file \(mounted from the host, or the host's very file\): a probe on it without a process would fire in every host process using it; trace one process \(--pid\)/);
      // One process that maps it (with --pid, only a file the process maps is a target).
      installTarget(name);
      docker('exec', '-d', name, '/bin/ct-target', 'map', '/lib/libc.so.6');
      const pid = await waitFor('the mapping', () => spawnSync('docker', ['exec', name, 'pidof', 'ct-target'], { encoding: 'utf8' }).stdout.trim() || undefined);
      const one = cli('trace', 'uprobe', '--container', name, '--pid', pid, '--target', '/lib/libc.so.6', '--function', 'malloc', '--duration', '1');
      assert.equal(one.code, 0, one.stderr);
      // ".." and absolute links resolve against the container's root: /tmp/up is its /lib/libc.so.6.
      const up = cli('trace', 'uprobe', '--container', name, '--pid', pid, '--target', '/tmp/up', '--function', 'malloc', '--duration', '1');
      assert.equal(up.code, 0, up.stderr);
      // A magic link (/proc/self/root/…) is not followed out of the container.
      const magic = cli('trace', 'uprobe', '--container', name, '--pid', '1', '--target', '/tmp/magic', '--function', 'malloc', '--duration', '1');
      assert.equal(magic.code, 2, magic.stderr);
      assert.match(magic.stderr, /no file \/tmp\/magic in the container \(no such file\)/);
    } finally {
      removeContainers(name);
    }
  });

  test('the helper inside a PID namespace: targets, follow and host PIDs all in its own numbering', async () => {
    // The helper's namespace (unshare --pid --mount-proc), a "container"
    // nested in it, and a runtime (a fake Docker API on a socket the root
    // CLI is given) that names the container by its PID in the helper's view.
    const dir = fs.mkdtempSync('/tmp/ct-pidns-');
    const socket = path.join(dir, 'docker.sock');
    const id = `ct-pidns-${process.pid}`;
    const cg = `/sys/fs/cgroup/pids/${id}`;
    const script = `
      unshare --pid --fork sh -c 'while :; do sleep 0.3; done' &
      outer=$!
      for i in $(seq 50); do c=$(cat /proc/$outer/task/$outer/children 2>/dev/null); [ -n "$c" ] && break; sleep 0.05; done
      mkdir -p ${cg} && echo $c > ${cg}/cgroup.procs
      echo $c > ${dir}/pid
      exec ${process.execPath} ${CLI} trace exec --container ${id} --docker-host unix://${socket} --pid 1 --follow --json --duration 4
    `;
    const server = http.createServer((req, res) => {
      const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
      const inspect = { Id: id, Name: `/${id}`, Image: 'fake', Created: new Date().toISOString(), Config: { Image: 'fake', Labels: {} }, State: { Status: 'running', Pid: pid } };
      res.setHeader('Content-Type', 'application/json');
      if (/\/version$/.test(req.url ?? '')) return res.end(JSON.stringify({ Version: 'fake' }));
      if (/\/containers\/json/.test(req.url ?? '')) return res.end(JSON.stringify([{ Id: id, Names: [`/${id}`], Image: 'fake', State: 'running', Labels: {}, Created: 0 }]));
      if (/\/containers\/[^/]+\/json/.test(req.url ?? '')) return res.end(JSON.stringify(inspect));
      res.statusCode = 404;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(socket, () => r()));
    try {
      const r = await new Promise<{ code: number; out: string; err: string }>((resolve) =>
        execFile('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 }, (err, out, errText) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out, err: errText }),
        ),
      );
      assert.equal(r.code, 0, r.err);
      const events = r.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { pid: number; hostPid: number; ppid: number; hostPpid: number; args: string[] });
      const sleeps = events.filter((e) => e.args[0] === 'sleep');
      assert.ok(sleeps.length >= 5, `the followed children's execs arrive (${events.length} events)\n${r.err}`);
      const containerInit = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
      for (const e of sleeps) {
        assert.equal(e.ppid, 1, 'children of the container init, at the container level');
        assert.equal(e.hostPpid, containerInit, "the parent's PID in the helper's own namespace");
        assert.ok(e.hostPid < 1000, `host PIDs are the helper namespace's (small), not the machine's: ${e.hostPid}`);
      }
    } finally {
      server.close();
      spawnSync('sh', ['-c', `cat ${cg}/cgroup.procs | xargs -r kill -9; sleep 0.2; rmdir ${cg}`], { stdio: 'ignore' });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every kind is recognised by the leak check, and SIGKILL of the helper leaves none of them', async () => {
    const h = await startHelper();
    for (const gadget of ['exec', 'exit', 'open', 'signal', 'tcp', 'syscalls', 'proctree'] as const) {
      await h.connection.sendRequest(TraceStart, { gadget, container: A });
    }
    const loaded = ourPrograms();
    assert.ok(loaded.length >= 7, `${loaded.length} programs`);
    h.child.kill('SIGKILL');
    await h.exited;
    await waitFor('every program gone', () => ourPrograms().length === 0 || undefined, 10_000);
  });
});

