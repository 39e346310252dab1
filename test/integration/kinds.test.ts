/**
 * exit, open, signal and tcp against real workloads in a container: the
 * exact file, errno, exit code, signal sender and target, loopback ports.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { docker, installTarget, removeContainers, runContainer, skipReason, sleep, traceCli, waitFor, cli } from '../support/integration';

const skip = skipReason();
const C = `ct-it-kinds-${process.pid}`;
type Ev = Record<string, unknown>;

/** Start a trace, run `work`, wait until `done(events)` holds, stop. */
async function traced(kind: string, args: string[], work: () => void, done: (evs: Ev[]) => unknown): Promise<Ev[]> {
  const t = traceCli(kind, '--container', C, ...args);
  await t.ready;
  work();
  await waitFor(`${kind} events`, () => done(t.events));
  await sleep(200);
  assert.equal(await t.stop(), 0, t.stderr());
  assert.match(t.stderr(), /summary: \d+ events received, 0 dropped/);
  return t.events;
}

function pidOf(cmdPart: string): { pid: number; hostPid: number } {
  const list = JSON.parse(cli('ps', C, '--json').stdout) as { pid: number; hostPid: number; cmdline: string[] }[];
  const p = list.find((x) => x.cmdline.join(' ').includes(cmdPart));
  assert.ok(p, `a process running ${cmdPart}`);
  return p;
}

describe('trace kinds (integration)', { skip }, () => {
  before(() => {
    runContainer(C, 'mkdir -p /www; echo hello > /www/index.html; trap "echo usr1" USR1; httpd -p 127.0.0.1:8080 -h /www; while :; do sleep 0.5; done');
    installTarget(C);
  });
  after(() => removeContainers(C));

  test('exit: the exit code and the PID of a process that exits', async () => {
    const evs = await traced('exit', [], () => docker('exec', C, 'sh', '-c', 'sh -c "exit 7"; true'), (e) => e.some((x) => x.exitCode === 7));
    const e = evs.find((x) => x.exitCode === 7)!;
    assert.equal(e.signal, null);
    assert.equal(e.thread, false);
    assert.ok((e.pid as number) > 1 && (e.hostPid as number) > (e.pid as number));
    assert.ok((e.lifetimeMs as number) >= 0 && (e.lifetimeMs as number) < 5000);
  });

  test('exit: a process killed by a signal', async () => {
    docker('exec', '-d', C, 'sleep', '51.5');
    const target = await waitFor('the sleep', () => {
      try {
        return pidOf('51.5');
      } catch {
        return undefined;
      }
    });
    const evs = await traced('exit', ['--pid', String(target.pid)], () => docker('exec', C, 'kill', '-KILL', String(target.pid)), (e) => e.length > 0);
    assert.equal(evs.length, 1, JSON.stringify(evs));
    assert.equal(evs[0].signal, 'SIGKILL');
    assert.equal(evs[0].exitCode, null);
    assert.equal(evs[0].pid, target.pid);
    assert.equal(evs[0].hostPid, target.hostPid);
  });

  test('open: the file the test opened, failed and successful, with flags, mode and errno', async () => {
    const evs = await traced(
      'open',
      [],
      () => docker('exec', C, 'sh', '-c', 'cat /no/such/file-ct 2>/dev/null; echo x > /tmp/created-ct; true'),
      (e) => e.some((x) => x.path === '/no/such/file-ct') && e.some((x) => x.path === '/tmp/created-ct'),
    );
    const failed = evs.find((x) => x.path === '/no/such/file-ct')!;
    assert.equal(failed.errno, 'ENOENT');
    assert.equal(failed.fd, undefined);
    assert.deepEqual(failed.flags, ['O_RDONLY']);
    assert.equal(failed.comm, 'cat');
    const created = evs.find((x) => x.path === '/tmp/created-ct')!;
    assert.deepEqual(created.flags, ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
    assert.equal(created.mode, '0666');
    assert.equal(typeof created.fd, 'number');
  });

  test('open: the runtime\'s own tasks (runc init before its exec) are marked runtime, the container\'s program is not', async () => {
    const evs = await traced('open', [], () => docker('exec', C, 'cat', '/etc/hostname'), (e) => e.some((x) => x.comm === 'cat' && x.path === '/etc/hostname'));
    const runtime = evs.filter((x) => x.runtime === true);
    assert.ok(runtime.length > 0, `docker exec's init opened files before its exec: ${JSON.stringify(evs.slice(0, 5))}`);
    // The kernel's view: those tasks ran the runtime's binary (runc names its init runc:[N:…]).
    assert.ok(runtime.every((x) => /^(runc|crun|conmon)/.test(x.comm as string)), JSON.stringify(runtime.map((x) => x.comm)));
    const cat = evs.find((x) => x.comm === 'cat' && x.path === '/etc/hostname')!;
    assert.equal(cat.runtime, undefined, 'the container\'s own program');
    assert.ok(!evs.some((x) => x.runtime === true && x.comm === 'cat'));
  });

  test('open --failed: only failures', async () => {
    const evs = await traced(
      'open',
      ['--failed'],
      () => docker('exec', C, 'sh', '-c', 'cat /etc/passwd >/dev/null; cat /no/such/again-ct 2>/dev/null; true'),
      (e) => e.some((x) => x.path === '/no/such/again-ct'),
    );
    assert.ok(evs.every((x) => x.errno !== undefined), JSON.stringify(evs.filter((x) => x.errno === undefined)));
    assert.ok(!evs.some((x) => x.path === '/etc/passwd'));
  });

  test('signal: sender and target at the container level, handler delivery', async () => {
    const evs = await traced(
      'signal',
      [],
      () => docker('exec', C, 'sh', '-c', 'kill -USR1 1'),
      (e) => e.some((x) => x.sig === 'SIGUSR1' && x.phase === 'delivered'),
    );
    const gen = evs.find((x) => x.sig === 'SIGUSR1' && x.phase === 'generated')!;
    assert.equal(gen.targetPid, 1);
    assert.ok((gen.pid as number) > 1, 'the sender is the shell in the container');
    assert.equal(gen.comm, 'sh');
    assert.equal(gen.result, 'delivered');
    assert.equal(gen.code, 'SI_USER');
    assert.equal(gen.senderOutside, false);
    const del = evs.find((x) => x.sig === 'SIGUSR1' && x.phase === 'delivered')!;
    assert.equal(del.pid, 1);
    assert.equal(del.result, 'handler');
    assert.equal(del.fatal, false, 'caught by its handler: not fatal');
  });

  test('signal: a fatal SIGUSR1 is shown as SIGUSR1, fatal (the kernel delivers it as SIGKILL), as the wait status says', async () => {
    let status = '';
    const evs = await traced(
      'signal',
      [],
      () => (status = docker('exec', C, 'sh', '-c', 'sleep 30 & p=$!; sleep 0.3; kill -USR1 $p; wait $p; echo "pid $p status $?"')),
      (e) => e.some((x) => x.phase === 'delivered' && x.fatal === true),
    );
    const [, pid, code] = /pid (\d+) status (\d+)/.exec(status)!.map(Number);
    assert.equal(code, 128 + 10, `the shell saw the sleep killed by signal 10 (SIGUSR1): ${status}`);
    const del = evs.filter((x) => x.phase === 'delivered' && x.pid === pid);
    assert.ok(del.length >= 1, JSON.stringify(evs));
    assert.ok(del.every((x) => x.sig === 'SIGUSR1' && x.fatal === true), JSON.stringify(del));
    const gen = evs.find((x) => x.phase === 'generated' && x.targetPid === pid)!;
    assert.equal(gen.sig, 'SIGUSR1');
    assert.equal(gen.code, 'SI_USER');
  });

  test('signal: threads the kernel ends at exec or exit_group are not "fatal" (SIGKILL without siginfo, the process goes on or exits 0)', async () => {
    for (const [mode, arg, end] of [['threadexec', '/bin/true', 'exec'], ['threadexit', '0', 'exit']] as const) {
      let status = '';
      const evs = await traced(
        'signal',
        [],
        () => (status = docker('exec', C, 'sh', '-c', `/bin/ct-target ${mode} ${arg} & p=$!; wait $p; echo "pid $p status $?"`)),
        (e) => e.filter((x) => x.phase === 'delivered' && x.threadEnd === end).length >= 3,
      );
      const [, pid, code] = /pid (\d+) status (\d+)/.exec(status)!.map(Number);
      assert.equal(code, 0, `${mode}: the process ended well (${status})`);
      const del = evs.filter((x) => x.phase === 'delivered' && x.pid === pid);
      assert.equal(del.length, 3, `${mode}: one SIGKILL for each of its 3 other threads: ${JSON.stringify(del)}`);
      assert.ok(del.every((x) => x.sig === 'SIGKILL' && x.fatal === false && x.threadEnd === end && x.tid !== pid), JSON.stringify(del));
    }
  });

  test('signal: a sender outside the container (docker kill) is shown as outside', async () => {
    const evs = await traced('signal', [], () => docker('kill', '-s', 'USR2', C), (e) => e.some((x) => x.sig === 'SIGUSR2'));
    const gen = evs.find((x) => x.sig === 'SIGUSR2')!;
    assert.equal(gen.targetPid, 1);
    assert.equal(gen.senderOutside, true);
    assert.equal(gen.pid, 0, 'not a process of the container');
    assert.ok((gen.hostPid as number) > 0);
  });

  test('tcp: a loopback connection with the right ports, states, duration and bytes', async () => {
    const evs = await traced(
      'tcp',
      [],
      () => docker('exec', C, 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/'),
      (e) => e.filter((x) => x.state === 'CLOSE').length >= 2,
    );
    const connect = evs.find((x) => x.state === 'SYN_SENT' && x.dport === 8080)!;
    assert.ok(connect, JSON.stringify(evs));
    assert.equal(connect.comm, 'wget');
    assert.equal(connect.daddr, '127.0.0.1');
    assert.equal(connect.family, 'IPv4');
    const established = evs.find((x) => x.state === 'ESTABLISHED' && x.dport === 8080 && x.comm === 'wget')!;
    const clientPort = established.sport as number;
    assert.ok(clientPort > 1024);
    assert.equal(established.pid, connect.pid);
    const clientClose = evs.find((x) => x.state === 'CLOSE' && x.sport === clientPort && x.dport === 8080)!;
    assert.ok((clientClose.bytesSent as number) > 0 && (clientClose.bytesReceived as number) > 0);
    assert.ok((clientClose.durationMs as number) >= 0);
    const serverClose = evs.find((x) => x.state === 'CLOSE' && x.sport === 8080 && x.dport === clientPort)!;
    assert.equal(serverClose.comm, 'httpd');
    // tcp_sock.bytes_received follows rcv_nxt, which also counts the peer's FIN.
    const extra = (serverClose.bytesReceived as number) - (clientClose.bytesSent as number);
    assert.ok(extra === 0 || extra === 1, `what the client sent (${clientClose.bytesSent}) the server received (${serverClose.bytesReceived})`);
  });
});
