/**
 * container/binaries over the helper: the ELF files a container's processes
 * map (busybox's shell as PID 1, the static test workload beside it), each
 * once, with its build ID as readelf reads the container's own file and a
 * handle whose bytes profile/file gives; errors for a container that is not
 * there, one that stopped, and parameters that are not `{ container }`.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { docker, hostPidOf, installTarget, removeContainers, runContainer, skipReason, startHelper, waitFor, type HelperRun } from '../support/integration';
import { ContainerBinaries, ErrorCode, MAX_BINARIES, ProfileFile, type ContainerBinariesResult } from '../../src/protocol';

const skip = skipReason();
const C = `ct-it-bins-${process.pid}`;
const STOPPED = `${C}-stopped`;

/** The build ID readelf reads from a file. */
function buildIdOf(file: string): string {
  return /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', file], { encoding: 'utf8' }))![1];
}

/** The path the shell's maps lines name inside the container (busybox's applets are links to it). */
function shellPath(): string {
  const maps = docker('exec', C, 'cat', '/proc/1/maps');
  return /^\S+ r-xp \S+ \S+ \d+\s+(\/\S+)$/m.exec(maps)![1];
}

async function rpcError(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: number; message: string };
  }
  throw new Error('the request succeeded');
}

describe('container/binaries (integration)', { skip }, () => {
  let helper: HelperRun;
  let workloadPid = 0;
  before(async () => {
    runContainer(C, 'while :; do sleep 1; done');
    installTarget(C);
    // It waits for /tmp/ct-go before its work: it keeps running.
    docker('exec', '-d', C, '/bin/ct-target', 'work', '1');
    const pidof = () => {
      try {
        return Number(docker('exec', C, 'pidof', 'ct-target')) || undefined;
      } catch {
        return undefined; // not started yet
      }
    };
    workloadPid = await waitFor('the workload', pidof);
    runContainer(STOPPED, 'exit 0');
    docker('wait', STOPPED);
    helper = await startHelper();
  });
  after(async () => {
    if (helper) {
      helper.child.stdin!.end();
      await helper.exited;
    }
    removeContainers(C, STOPPED);
  });

  test('the shell and the workload: executables, each file once, build IDs of the container\'s files, the PIDs that map them', async () => {
    const r: ContainerBinariesResult = await helper.connection.sendRequest(ContainerBinaries, { container: C });
    const hostPid = hostPidOf(C);
    assert.deepEqual(r.container, { id: r.container.id, name: C, hostPid });
    assert.match(r.container.id, /^[0-9a-f]{64}$/);
    assert.equal(r.truncated, false);
    assert.ok(r.binaries.length <= MAX_BINARIES);
    const paths = r.binaries.map((b) => b.path);
    assert.equal(new Set(paths).size, paths.length, `each file once: ${paths.join(', ')}`);

    const shell = shellPath();
    const sh = r.binaries.find((b) => b.path === shell);
    assert.ok(sh, `${shell} is listed: ${JSON.stringify(r.binaries)}`);
    assert.equal(sh.executable, true);
    assert.match(sh.fileId ?? '', /^[0-9a-f]{32}$/, sh.why);
    assert.equal(sh.why, undefined);
    assert.equal(sh.buildId, buildIdOf(`/proc/${hostPid}/root${shell}`));
    assert.ok(sh.pids.includes(1), `PID 1 maps it: ${sh.pids}`);
    assert.ok(sh.processes >= sh.pids.length && sh.pids.length <= 16);

    const target = r.binaries.find((b) => b.path === '/bin/ct-target');
    assert.ok(target, `the workload is listed: ${paths.join(', ')}`);
    assert.equal(target.executable, true);
    assert.deepEqual(target.pids, [workloadPid], 'its PID in the container');
    assert.equal(target.processes, 1);
    assert.equal(target.buildId, buildIdOf(`/proc/${hostPid}/root/bin/ct-target`));
    assert.notEqual(target.buildId, sh.buildId);
    // Executables come first.
    const firstLib = r.binaries.findIndex((b) => !b.executable);
    assert.ok(firstLib === -1 || r.binaries.slice(firstLib).every((b) => !b.executable));

    // The handle reads the file's bytes (and its size) through profile/file.
    const head = await helper.connection.sendRequest(ProfileFile, { fileId: sh.fileId!, offset: 0, length: 4 });
    assert.equal(Buffer.from(head.data, 'base64').toString('latin1'), '\x7fELF');
    assert.equal(head.size, fs.statSync(`/proc/${hostPid}/root${shell}`).size);

    // Asked again: the same handles (the registry knows the files).
    const again = await helper.connection.sendRequest(ContainerBinaries, { container: C });
    assert.equal(again.binaries.find((b) => b.path === shell)?.fileId, sh.fileId);
  });

  test('a container that is not there: ContainerNotFound; one that stopped: ContainerNotRunning', async () => {
    const missing = await rpcError(helper.connection.sendRequest(ContainerBinaries, { container: 'no-such-container-xyz' }));
    assert.equal(missing.code, ErrorCode.ContainerNotFound, missing.message);
    assert.match(missing.message, /no container "no-such-container-xyz"/);
    const stopped = await rpcError(helper.connection.sendRequest(ContainerBinaries, { container: STOPPED }));
    assert.equal(stopped.code, ErrorCode.ContainerNotRunning, stopped.message);
    assert.match(stopped.message, /not running/);
  });

  test('parameters other than { container: reference } are InvalidParams', async () => {
    const send = (p: unknown) => rpcError(helper.connection.sendRequest(ContainerBinaries, p as { container: string }));
    for (const p of [{ container: C, junk: 1 }, { container: 42 }, {}, { container: '' }, { container: 'x'.repeat(513) }, { container: 'a b' }, [C]]) {
      const e = await send(p);
      assert.equal(e.code, ErrorCode.InvalidParams, `${JSON.stringify(p)}: ${e.message}`);
    }
    assert.match((await send({ container: C, junk: 1 })).message, /unknown field "junk"/);
  });
});
