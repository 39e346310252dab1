/**
 * Files a container controls, as uprobe targets of the real root helper: a
 * FIFO, device nodes and a directory are refused at once (never opened for
 * reading) while another session's events keep coming and other requests
 * are answered; the crafted 48 MiB ELF answers quickly; with one process
 * (--pid) only a file it maps is opened, and a file the caller (SUDO_UID,
 * as sudo sets it) could not read gives no symbol names.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TraceReceiver } from '../../src/client/trace-receiver';
import { Shutdown, TraceStart, TraceStop, type TraceEvent } from '../../src/protocol';
import { CLI } from '../support/paths';
import { docker, installTarget, removeContainers, runContainer, skipReason, startHelper, targetBinary, waitFor, type HelperRun } from '../support/integration';
import { entsizeOneElf } from '../support/hostile-elf';

const skip = skipReason();
const C = `ct-it-hostile-${process.pid}`;
/** The uid of the user who started the helper, as sudo tells it (not root, not the file's owner). */
const CALLER = '65534';

/** `p` answered within `ms`, or an error saying it was not. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms: the helper is frozen`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The CLI (root, the engine in-process) with extra environment: SUDO_UID names the caller. */
function cliWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, SUDO_UID: '', PKEXEC_UID: '', ...env } });
  return { code: r.status ?? -1, stderr: r.stderr, timedOut: r.error !== undefined };
}

/** A helper with an exec session on the container, its events counted as they come. */
async function helperWithSession(): Promise<{ h: HelperRun; events: TraceEvent[] }> {
  const h = await startHelper();
  const events: TraceEvent[] = [];
  const receiver = new TraceReceiver((_id, batch) => events.push(...batch));
  receiver.listen(h.connection);
  receiver.started('exec', await h.connection.sendRequest(TraceStart, { gadget: 'exec', container: C }));
  await waitFor("the other session's execs", () => events.length > 0);
  return { h, events };
}

/** The answer to a uprobe trace/start on `target`: its error message, and how long it took. */
async function uprobeAnswer(h: HelperRun, target: string, fn = 'main'): Promise<{ message: string; ms: number }> {
  const t0 = Date.now();
  const message = await within(
    8000,
    `trace/start uprobe on ${target}`,
    h.connection.sendRequest(TraceStart, { gadget: 'uprobe', container: C, options: { target, function: fn } }).then(
      () => 'started',
      (e: Error) => e.message,
    ),
  );
  return { message, ms: Date.now() - t0 };
}

/** The helper still serves: the other session's events go on, a new trace starts and stops, shutdown is answered. */
async function stillServing(h: HelperRun, events: TraceEvent[]): Promise<void> {
  const seen = events.length;
  await waitFor("more of the other session's execs", () => events.length > seen, 5000);
  const another = await within(5000, 'another trace/start', h.connection.sendRequest(TraceStart, { gadget: 'exit', container: C }));
  await within(5000, 'trace/stop', h.connection.sendRequest(TraceStop, { sessionId: another.sessionId }));
  await within(5000, 'shutdown', h.connection.sendRequest(Shutdown));
}

async function end(h: HelperRun): Promise<void> {
  // Killed, also when stuck (on the FIFO, in the symbol loop: before the fix).
  h.child.kill('SIGKILL');
  await h.exited;
}

describe('hostile files as uprobe targets (integration)', { skip }, () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync('/tmp/ct-hostile-');
    // A host file only root may read (a copy of the symbol-rich workload), bind-mounted into the container.
    fs.copyFileSync(targetBinary(), path.join(dir, 'secret.so'));
    fs.chmodSync(path.join(dir, 'secret.so'), 0o600);
    fs.writeFileSync(path.join(dir, 'hostile'), entsizeOneElf(48 << 20));
    runContainer(
      C,
      'mkdir -p /usr/local/bin && mkfifo /usr/local/bin/app && mknod /tmp/chr c 1 5 && mknod /tmp/blk b 7 0; while :; do sleep 0.2; done',
      ['--cap-add', 'MKNOD', '-v', `${path.join(dir, 'secret.so')}:/opt/secret.so:ro`],
    );
    installTarget(C);
    docker('cp', path.join(dir, 'hostile'), `${C}:/usr/local/bin/hostile`);
  });
  after(() => {
    removeContainers(C);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a FIFO, device nodes and a directory as the target: refused at once with what they are; the helper goes on serving', async () => {
    await waitFor('the FIFO and the device nodes', () => spawnSync('docker', ['exec', C, 'sh', '-c', 'test -p /usr/local/bin/app && test -c /tmp/chr && test -b /tmp/blk']).status === 0 || undefined);
    const { h, events } = await helperWithSession();
    try {
      for (const [target, what] of [
        ['/usr/local/bin/app', 'a FIFO \\(named pipe\\)'],
        ['/tmp/chr', 'a character device'],
        ['/tmp/blk', 'a block device'],
        ['/tmp', 'a directory'],
      ]) {
        const r = await uprobeAnswer(h, target);
        assert.match(r.message, new RegExp(`^${target} in the container is ${what}, not a regular file: refused$`));
        assert.ok(r.ms < 3000, `${target}: ${r.ms} ms`);
      }
      await stillServing(h, events);
    } finally {
      await end(h);
    }
  });

  test('the crafted 48 MiB ELF (.symtab of 1-byte entries over its own .strtab): answered quickly; the helper goes on serving', async () => {
    const { h, events } = await helperWithSession();
    try {
      const r = await uprobeAnswer(h, '/usr/local/bin/hostile');
      assert.match(r.message, /^\/usr\/local\/bin\/hostile: its \.symtab has entries of 1 bytes, not 24: refused$/);
      assert.ok(r.ms < 3000, `${r.ms} ms`);
      await stillServing(h, events);
    } finally {
      await end(h);
    }
  });

  test('--pid: a file the process does not map is refused, and never named; one it maps but the caller cannot read gives no symbol names', async () => {
    // Not mapped by PID 1 (busybox sh): refused before it is read, whoever asks.
    for (const env of [{ SUDO_UID: CALLER }, {}] as Record<string, string>[]) {
      const r = cliWith(env, 'trace', 'uprobe', '--container', C, '--pid', '1', '--target', '/opt/secret.so', '--function', 'ct_wrok', '--duration', '1');
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /\/opt\/secret\.so is not mapped by the traced process \(host PID \d+\): with one process \(--pid, --tid\), a uprobe goes only on a file it maps; it maps \/bin\/busybox/);
      assert.doesNotMatch(r.stderr, /ct_work|close matches/);
    }
    // A process in the container maps it (root in the container may read it; the caller may not).
    const mapper = spawn('docker', ['exec', C, '/bin/ct-target', 'map', '/opt/secret.so'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      let out = '';
      mapper.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('the mapping', () => out.includes('mapped') || undefined);
      const pid = docker('exec', C, 'pidof', 'ct-target').split(/\s+/)[0];
      const caller = cliWith({ SUDO_UID: CALLER }, 'trace', 'uprobe', '--container', C, '--pid', pid, '--target', '/opt/secret.so', '--function', 'ct_wrok', '--duration', '1');
      assert.equal(caller.code, 2, caller.stderr);
      assert.match(caller.stderr, /no function "ct_wrok" in \/opt\/secret\.so \(its symbols are not listed: you cannot read that file\)/);
      assert.doesNotMatch(caller.stderr, /ct_work|close matches/);
      // Root itself may read it: its close matches are shown.
      const root = cliWith({}, 'trace', 'uprobe', '--container', C, '--pid', pid, '--target', '/opt/secret.so', '--function', 'ct_wrok', '--duration', '1');
      assert.equal(root.code, 2, root.stderr);
      assert.match(root.stderr, /no function "ct_wrok" in \/opt\/secret\.so; close matches: ct_work/);
      // A file the process maps, that the caller may read: attached as before.
      const own = cliWith({ SUDO_UID: CALLER }, 'trace', 'uprobe', '--container', C, '--pid', pid, '--target', '/bin/ct-target', '--function', 'ct_work', '--duration', '1');
      assert.equal(own.code, 0, own.stderr);
    } finally {
      mapper.kill('SIGKILL');
      spawnSync('docker', ['exec', C, 'sh', '-c', 'pkill ct-target; true'], { stdio: 'ignore' });
    }
  });
});
