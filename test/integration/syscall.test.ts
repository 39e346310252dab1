/**
 * trace syscalls --stream (the syscall kind) against strace: one workload
 * (test/fixtures/ct-syscall.c: files opened, one missing, read, written,
 * stat'ed, a connect to a closed loopback port, a fork + exec of a child),
 * run in the same image once under the trace and once under
 * `strace -f -tt -T -qq` (the host's strace, mounted read-only with its
 * libraries). Per process, the workload's own calls must read the same:
 * same syscalls, same arguments, same results, in order. Also: a long path
 * cut and flagged, --class %file and --syscall filtering in the kernel,
 * children followed from --pid --follow, a misspelt name refused.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { cli, docker, fixtureBinary, IMAGE, removeContainers, skipReason, traceCli, waitFor, type TraceRun } from '../support/integration';
import type { SyscallEvent } from '../../src/protocol';
import { callText, resultText } from '../../src/kinds/syscall/text';
import { inClass } from '../../src/kinds/syscall/filter';
import { BpfObject } from '../../src/bpf/object';
import { RingBufferReader } from '../../src/bpf/ringbuf';
import { decodeSyscall } from '../../src/kinds/syscall/decode';
import { WallClock } from '../../src/kinds/shared/decode';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from '../support/paths';

const STRACE = '/usr/bin/strace';
const skip = skipReason() ?? (fs.existsSync(STRACE) ? undefined : 'strace is not installed (apt-get install strace)');
const C = `ct-it-syscall-${process.pid}`;
const LABEL = 'container-trace.test=1';
/** Paths the workload uses (ct-syscall.c). */
const DATA = '/tmp/ct-syscall-data';

let binary = '';

/** One call as strace writes it, `name(args) = result`, with its process. */
interface Call {
  pid: number;
  text: string;
}

/** The workload in a fresh container that waits for /tmp/ct-go, so the trace attaches first. */
function startWorkload(name: string): void {
  removeContainers(name);
  docker('run', '-d', '--network', 'none', '--label', LABEL, '--name', name, '-v', `${binary}:/bin/ct-syscall:ro`, IMAGE, 'sh', '-c', 'while [ ! -e /tmp/ct-go ]; do sleep 0.05; done; /bin/ct-syscall; sleep 1000');
}

/** strace -f on the workload in the same image: its calls, unfinished and resumed lines joined. */
function straceCalls(extra: string[] = []): Call[] {
  const r = spawnSync(
    'docker',
    [
      'run', '--rm', '--network', 'none', '--label', LABEL, '--name', `${C}-strace`, '--cap-add', 'SYS_PTRACE', '--security-opt', 'seccomp=unconfined',
      '-v', '/usr:/usr:ro', '-v', '/lib:/lib:ro', '-v', '/lib64:/lib64:ro', '-v', `${binary}:/bin/ct-syscall:ro`, IMAGE,
      'sh', '-c', `${STRACE} -f -tt -T -qq -s 255 ${extra.join(' ')} -o /tmp/st /bin/ct-syscall >/dev/null && cat /tmp/st`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, `strace run failed: ${r.stderr}`);
  const pending = new Map<number, string>();
  const out: Call[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(\d+)\s+\d\d:\d\d:\d\d\.\d{6} (.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    let rest = m[2];
    if (rest.startsWith('---') || rest.startsWith('+++')) continue;
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(pid, rest.slice(0, -'<unfinished ...>'.length).replace(/ $/, ''));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    if (resumed) {
      rest = (pending.get(pid) ?? '') + resumed[1];
      pending.delete(pid);
    }
    out.push({ pid, text: rest.replace(/ <\d+\.\d+>$/, '') });
  }
  return out;
}

/** Our events as strace writes them (without -y's descriptor names, which strace prints only with -y). */
function ourCalls(events: SyscallEvent[]): Call[] {
  return events.map((e) => {
    const args = Object.fromEntries(Object.entries(e.args).map(([k, v]) => [k, v && typeof v === 'object' && 'fd' in v ? { fd: v.fd } : v]));
    const plain = { ...e, args, retPath: undefined };
    return { pid: e.pid, text: callText(plain) + resultText(plain) };
  });
}

/** Both sides alike where runs differ by nature: addresses, the env's count, spacing before `=`, the child's PID. */
function normalize(calls: Call[], childPid: number): string[] {
  return calls.map((c) =>
    c.text
      .replace(/ \/\* \d+ vars? \*\//g, '')
      .replace(/0x[0-9a-f]+/g, '0x_')
      .replace(/\s+= /, ' = ')
      // The child's PID, where it is one (fork's result, wait4's argument and result).
      .replace(/^(fork|wait4)(.*)$/, (_, n: string, rest: string) => n + rest.replace(new RegExp(`\\b${childPid}\\b`, 'g'), 'CHILD')),
  );
}

/** The workload's own calls: the parent's from its begin marker to its exit, the child's exec and its marked part to its exit. */
function workload(calls: Call[]): { parent: Call[]; child: Call[]; childPid: number } {
  const begin = calls.findIndex((c) => c.text.startsWith('write(-1, "ct-begin"'));
  assert.ok(begin >= 0, 'the workload began');
  const parentPid = calls[begin].pid;
  const mine = calls.slice(begin).filter((c) => c.pid === parentPid);
  const parent = mine.slice(0, mine.findIndex((c) => c.text.startsWith('exit_group(')) + 1);
  const fork = parent.find((c) => c.text.startsWith('fork()'));
  assert.ok(fork, 'the workload forked');
  const childPid = Number(/= (\d+)$/.exec(fork.text)![1]);
  const all = calls.filter((c) => c.pid === childPid);
  const from = all.findIndex((c) => c.text.startsWith('write(-1, "ct-child-begin"'));
  const child = [all[0], ...all.slice(from, all.findIndex((c) => c.text.startsWith('exit_group(')) + 1)];
  return { parent, child, childPid };
}

/** A trace of a fresh workload container: started, the workload let go, until its parent's last call. */
async function traced(...flags: string[]): Promise<{ run: TraceRun; events: SyscallEvent[] }> {
  const name = `${C}-${flags.join('').replace(/[^a-z]/g, '') || 'all'}`;
  startWorkload(name);
  const run = traceCli('syscalls', '--stream', '--container', name, ...flags.map((f) => f.replace('{C}', name)));
  try {
    await run.ready;
    docker('exec', name, 'touch', '/tmp/ct-go');
    await waitFor('the workload to finish', () => docker('top', name).includes('sleep 1000'), 30_000);
    // The last records reach the trace within a poll or two.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await run.stop(), 0, run.stderr());
  } finally {
    run.child.kill('SIGKILL');
    removeContainers(name);
  }
  return { run, events: run.events as unknown as SyscallEvent[] };
}

describe('trace syscalls --stream (integration)', { skip }, () => {
  before(() => {
    binary = fixtureBinary('ct-syscall');
  });
  after(() => removeContainers(C, `${C}-strace`));

  test('the workload reads as strace -f shows it: same syscalls, arguments and results, in order per process', async () => {
    const ref = straceCalls();
    const { events, run } = await traced();
    assert.match(run.stderr(), /0 dropped/);
    const theirs = workload(ref);
    const ours = workload(ourCalls(events));
    // The 400-byte path: strace prints paths whole, the trace keeps 255 bytes and says so.
    const longRef = theirs.parent.find((c) => c.text.startsWith('openat(AT_FDCWD, "/aaa'))!;
    const longOurs = ours.parent.find((c) => c.text.startsWith('openat(AT_FDCWD, "/aaa'))!;
    const cutAt = longOurs.text.indexOf('"...');
    assert.ok(cutAt > 0, `the long path is marked as cut: ${longOurs.text}`);
    assert.ok(longRef.text.startsWith(longOurs.text.slice(0, cutAt)), 'what was kept of the long path is its start');
    assert.equal(longOurs.text.slice(cutAt + 4), longRef.text.slice(longRef.text.indexOf('", O_RDONLY') + 1), 'the rest of the call after the path is the same');
    const drop = (cs: Call[]) => cs.filter((c) => !c.text.startsWith('openat(AT_FDCWD, "/aaa'));
    assert.deepEqual(normalize(drop(ours.parent), ours.childPid), normalize(drop(theirs.parent), theirs.childPid));
    assert.deepEqual(normalize(ours.child, ours.childPid), normalize(theirs.child, theirs.childPid));
    assert.ok(ours.parent.length >= 20 && ours.child.length >= 4, `the workload's calls are all there (${ours.parent.length} + ${ours.child.length})`);

    // JSON: the fields as documented, fds named by what they were opened as.
    const mine = events.filter((e) => e.comm === 'ct-syscall');
    const opened = mine.find((e) => e.name === 'openat' && e.args.filename === DATA && e.ret === 3)!;
    assert.equal(opened.retPath, DATA);
    assert.equal(opened.args.flags, 'O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC');
    assert.equal(opened.args.mode, '0644');
    const write = mine.find((e) => e.name === 'write' && (e.args.fd as { fd: number }).fd === 3)!;
    assert.deepEqual(write.args.fd, { fd: 3, path: DATA });
    assert.equal(write.args.buf, 'hello from ct-syscall\n');
    assert.equal(write.ret, 22);
    const missing = mine.find((e) => e.name === 'openat' && e.args.filename === '/nonexistent/ct-missing')!;
    assert.equal(missing.error, 'ENOENT');
    assert.equal(missing.ret, -2);
    const long = mine.find((e) => e.name === 'openat' && String(e.args.filename).startsWith('/aaa'))!;
    assert.equal(String(long.args.filename).length, 255);
    assert.deepEqual(long.truncated, { filename: null });
    const connect = mine.find((e) => e.name === 'connect')!;
    assert.deepEqual(connect.args.uservaddr, { family: 'AF_INET', address: '127.0.0.1', port: 9 });
    assert.equal(connect.error, 'ECONNREFUSED');
    assert.deepEqual(connect.args.fd, { fd: 3, path: 'TCP' });
    const fstat = mine.find((e) => e.name === 'fstat')!;
    assert.deepEqual(fstat.args.statbuf, { st_mode: 'S_IFREG|0644', st_size: 22 });
    const exec = events.find((e) => e.name === 'execve' && e.args.filename === '/bin/ct-syscall' && Array.isArray(e.args.argv) && e.args.argv[1] === 'child')!;
    assert.deepEqual(exec.args.argv, ['ct-syscall', 'child']);
    assert.ok(mine.every((e) => e.durationNs >= 0 && e.durationNs < 10e9));
  });

  test('--class %file: only strace\'s file calls, traced in the kernel; the workload\'s in order', async () => {
    const { events } = await traced('--class', '%file');
    // strace's own judgement of what %file is, on the same workload.
    const ref = straceCalls(['-e', 'trace=%file']);
    const names = new Set(events.map((e) => e.name));
    // Every call is one strace's syscall table puts in %file (what the kind's table was generated from).
    for (const n of names) assert.ok(inClass(n, '%file'), `${n} is a %file call`);
    for (const c of ref) assert.ok(inClass(/^(\w+)\(/.exec(c.text)![1], '%file'), `strace's %file call ${c.text} is in the table's %file`);
    for (const n of ['write', 'read', 'close', 'socket', 'connect', 'fstat', 'lseek', 'wait4', 'fork', 'exit_group']) assert.ok(!names.has(n), `${n} is not a %file call`);
    // The workload's %file calls, from its first open to its unlink, as strace -e trace=%file shows them.
    const span = (cs: Call[]) => {
      const from = cs.findIndex((c) => c.text.startsWith(`openat(AT_FDCWD, "${DATA}"`));
      assert.ok(from >= 0, 'the first open is there');
      const pid = cs[from].pid;
      const mine = cs.slice(from).filter((c) => c.pid === pid);
      return mine.slice(0, mine.findIndex((c) => c.text.startsWith('unlink(')) + 1).filter((c) => !c.text.includes('"/aaa'));
    };
    const ours = span(ourCalls(events));
    assert.equal(ours.length, 7);
    assert.deepEqual(normalize(ours, -1), normalize(span(ref), -1));
    assert.ok(events.some((e) => e.name === 'openat' && String(e.args.filename).startsWith('/aaa') && e.truncated?.filename === null));
  });

  test('--syscall openat,connect: those two only; the workload\'s four opens and its connect', async () => {
    const { events } = await traced('--syscall', 'openat,connect');
    assert.ok(events.length > 0);
    assert.deepEqual([...new Set(events.map((e) => e.name))].sort(), ['connect', 'openat']);
    const mine = events.filter((e) => e.comm === 'ct-syscall');
    assert.equal(mine.filter((e) => e.name === 'openat').length, 4);
    assert.equal(mine.filter((e) => e.name === 'connect').length, 1);
  });

  test('children followed: --pid 1 --follow has the forked and exec\'d child\'s calls', async () => {
    const { events } = await traced('--pid', '1', '--follow');
    const child = events.find((e) => e.name === 'write' && e.args.buf === 'child\n');
    assert.ok(child, 'the grandchild\'s write is traced');
    assert.equal(child.comm, 'ct-syscall');
    assert.notEqual(child.pid, 1);
  });

  test('the tracepoint variant (raw_syscalls tracepoints, for kernels without BTF raw_tp) records the same calls', async () => {
    // One host process traced by its PID with the raw_tp programs left out, as the engine does where raw_tp is missing.
    const child = spawn('sh', ['-c', 'read x; [ -e /nonexistent-ct-tp ]; exit 3'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const size = 1 << 20;
    const obj = BpfObject.load(path.join(REPO, 'dist', 'bpf', 'syscall.bpf.o'), { rodata: { targ_tgid: child.pid! }, skip: ['syscall_enter', 'syscall_exit', 'ct_scope_fork'], maxEntries: { events: size } });
    const ring = new RingBufferReader(obj.mapFd('events'), size);
    try {
      obj.attachAll();
      const exited = new Promise((r) => child.on('exit', r));
      child.stdin!.write('go\n');
      await exited;
      const t = ring.take(100_000, 1 << 22);
      assert.ok(t, 'records came');
      const ctx = { container: { id: 'host', name: 'host' }, clock: new WallClock() };
      const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.length);
      const events: SyscallEvent[] = [];
      for (let at = 0, n = 0; n < t.count; n++) {
        const len = dv.getUint32(at, true) & 0x3fffffff;
        events.push(decodeSyscall(dv, t.data, at + 8, len, ctx));
        at += 8 + ((len + 7) & ~7);
      }
      const stat = events.find((e) => Object.values(e.args).includes('/nonexistent-ct-tp'));
      assert.ok(stat, `the test's stat: ${events.map((e) => e.name).join(' ')}`);
      assert.equal(stat.error, 'ENOENT');
      const exit = events.find((e) => e.name === 'exit_group');
      assert.deepEqual(exit?.args, { error_code: 3 });
      assert.ok(events.every((e) => e.hostPid === child.pid));
    } finally {
      ring.close();
      obj.destroy();
    }
  });

  test('a misspelt syscall or class is refused with what exists', () => {
    const r = cli('trace', 'syscalls', '--stream', '--container', C, '--syscall', 'opnat');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown syscall "opnat"; did you mean .*openat/);
    const c = cli('trace', 'syscalls', '--stream', '--container', C, '--class', '%files');
    assert.equal(c.code, 2);
    assert.match(c.stderr, /unknown syscall class "%files"; strace's classes are .*%file/);
    const s = cli('trace', 'syscalls', '--container', C, '--class', '%file');
    assert.equal(s.code, 2);
    assert.match(s.stderr, /--stream/);
  });
});
