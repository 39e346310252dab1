/**
 * Runtime deadlines without root: a call that never answers is cut at its
 * deadline with a clear error and its request aborted; an endpoint that
 * missed one is not waited for again until it answers; a Docker-API socket
 * that accepts and never answers is that runtime unreachable, and never
 * holds a name that a host daemon answers for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Patience, RuntimeTimeoutError, withDeadline } from '../../src/runtime/deadline';
import { DockerRuntime, findContainer, listAll } from '../../src/runtime';

const never = <T>(signal?: AbortSignal, aborted?: { seen: boolean }) =>
  new Promise<T>(() => signal?.addEventListener('abort', () => aborted && (aborted.seen = true)));
const later = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

test('withDeadline: an answer in time is the answer; none is a RuntimeTimeoutError naming what, and the call is aborted', async () => {
  assert.equal(await withDeadline('x', 200, () => later(10, 'v')), 'v');
  const aborted = { seen: false };
  const t0 = Date.now();
  await assert.rejects(withDeadline('docker at unix:///x.sock', 100, (s) => never(s, aborted)), (e: Error) => {
    assert.ok(e instanceof RuntimeTimeoutError);
    assert.equal(e.message, 'docker at unix:///x.sock did not answer within 0.1 s');
    return true;
  });
  assert.ok(Date.now() - t0 < 1000);
  assert.ok(aborted.seen, 'the request was aborted');
  await assert.rejects(withDeadline('x', 100, () => Promise.reject(new Error('refused'))), /refused/);
});

test('Patience: after a missed deadline, callers get the timeout at once; one retry at a time; an answer makes them wait again', async () => {
  const p = new Patience();
  let calls = 0;
  let answer: ((v: string) => void) | undefined;
  const call = () => {
    calls++;
    return new Promise<string>((r) => (answer = r));
  };
  await assert.rejects(p.run('k', 'slow', 50, call), /^Error: slow did not answer within 0.05 s$/);
  assert.equal(calls, 1);
  const t0 = Date.now();
  await assert.rejects(p.run('k', 'slow', 50, call), /^Error: slow did not answer within 0.05 s; not waited for until it answers again$/);
  await assert.rejects(p.run('k', 'slow', 50, call), /not waited for/);
  assert.ok(Date.now() - t0 < 40, 'not waited for');
  assert.equal(calls, 2, 'one retry in the background, not one per caller');
  answer!('back'); // the retry answers in time
  await later(10, undefined);
  assert.equal(await p.run('k', 'slow', 50, () => later(5, 'now')), 'now', 'waited for again');
  // Another endpoint was never slow; an error that is an answer (refused) clears a miss too.
  assert.equal(await p.run('other', 'o', 50, () => later(1, 1)), 1);
  await assert.rejects(p.run('k2', 'x', 20, () => never()), RuntimeTimeoutError);
  await assert.rejects(p.run('k2', 'x', 20, () => Promise.reject(new Error('refused'))), /not waited for/);
  await later(10, undefined);
  await assert.rejects(p.run('k2', 'x', 20, () => Promise.reject(new Error('refused'))), (e: Error) => e.message === 'refused');
});

/** A unix socket that accepts and never answers. */
async function silent(file: string): Promise<() => void> {
  const held: net.Socket[] = [];
  const server = net.createServer((s) => held.push(s));
  await new Promise<void>((r) => server.listen(file, r));
  return () => {
    held.forEach((s) => s.destroy());
    server.close();
  };
}

/** A Docker API that knows one running container, `name`. */
async function answering(file: string, name: string): Promise<() => void> {
  const inspect = { Id: 'd'.repeat(64), Name: `/${name}`, Image: 'img', Created: new Date(0).toISOString(), Config: { Image: 'img', Labels: {} }, State: { Status: 'running', Pid: 4242 } };
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url?.includes(`/containers/${name}/json`)) return res.end(JSON.stringify(inspect));
    if (req.url?.includes('/containers/json')) return res.end(JSON.stringify([{ Id: inspect.Id, Names: [`/${name}`], Image: 'img', State: 'running', Labels: {}, Created: 0 }]));
    res.statusCode = 404;
    res.end(JSON.stringify({ message: 'no such container' }));
  });
  await new Promise<void>((r) => server.listen(file, r));
  return () => server.close();
}

test('a Docker-API socket that never answers: unreachable within the deadline, and a host daemon\'s container is found without it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-deadline-'));
  const closeSilent = await silent(path.join(dir, 'silent.sock'));
  const closeDocker = await answering(path.join(dir, 'docker.sock'), 'web');
  try {
    const stuck = new DockerRuntime(`unix://${dir}/silent.sock`, { kind: 'podman-rootless', ownerUid: 4242 });
    const host = new DockerRuntime(`unix://${dir}/docker.sock`);
    const t0 = Date.now();
    const found = await findContainer([host, stuck], 'web');
    assert.equal(found.name, 'web');
    assert.ok(Date.now() - t0 < 1000, `found after ${Date.now() - t0} ms: the silent socket was not waited for`);
    const t1 = Date.now();
    const [status, listings] = await Promise.all([stuck.status(), listAll([host, stuck], false)]);
    assert.ok(Date.now() - t1 < 7000, `listed in ${Date.now() - t1} ms`);
    assert.equal(status.reachable, false);
    assert.equal(status.error, `podman-rootless at unix://${dir}/silent.sock did not answer within 5 s`);
    assert.deepEqual(listings[0].containers.map((c) => c.name), ['web']);
    assert.match(listings[1].error ?? '', /did not answer within 5 s/);
    const t2 = Date.now();
    assert.match((await listAll([host, stuck], false))[1].error ?? '', /not waited for until it answers again/);
    assert.ok(Date.now() - t2 < 1000, 'the second listing does not wait for it');
  } finally {
    closeSilent();
    closeDocker();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
