/**
 * advise seccomp: a profile from what a container ran lets a fresh container
 * of the same image and command start and do its work, and refuses with
 * EPERM a syscall it never made (chroot, which Docker's own default profile
 * allows: the refusal is the generated profile's). Both modes: --restart
 * (traced from the restarted container's first task: its runtime's init and
 * the entrypoint's exec are in the file) and a running container plus the
 * start set (said so). Bad input exits 2 with what to do.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, docker, IMAGE, removeContainers, skipReason } from '../support/integration';
import { CLI } from '../support/paths';
import { START_SET } from '../../src/kinds/syscalls/seccomp';

const skip = skipReason();
const TAG = `ct-it-sc-${process.pid}`;
const LABEL = ['--label', 'container-trace.test=1'];
/** A known workload: reads a file and sleeps, forever. */
const WORK = 'while :; do cat /etc/hostname; sleep 1; done';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-seccomp-'));

/** `advise seccomp …` to its end (async: the test's own timers keep running); `onStderr` sees its progress. */
function advise(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return adviseWatched(() => undefined, ...args);
}

function adviseWatched(onStderr: (text: string) => void, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'advise', 'seccomp', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr(stderr);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A fresh container run to its end under a profile: exit code and output. */
function runWith(profile: string, ...cmd: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('docker', ['run', '--rm', ...LABEL, '--network', 'none', '--security-opt', `seccomp=${profile}`, IMAGE, ...cmd], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function names(file: string): string[] {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as { defaultAction: string; defaultErrnoRet: number; architectures: string[]; syscalls: { names: string[]; action: string }[] };
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, 1);
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.equal(p.syscalls.length, 1);
  assert.equal(p.syscalls[0].action, 'SCMP_ACT_ALLOW');
  const n = p.syscalls[0].names;
  assert.deepEqual(n, [...new Set(n)].sort(), 'sorted, each once');
  return n;
}

/** The profile does the workload's work in a fresh container, and refuses chroot (allowed without it) with EPERM. */
function holds(file: string, n: string[]): void {
  const ok = runWith(file, 'sh', '-c', 'cat /etc/hostname; sleep 1; cat /etc/hostname; echo done');
  assert.equal(ok.code, 0, `the workload under its profile: ${ok.stderr}`);
  const lines = ok.stdout.trim().split('\n');
  assert.equal(lines.length, 3, ok.stdout);
  assert.equal(lines[0], lines[1], 'the same hostname read twice');
  assert.equal(lines[2], 'done');
  assert.ok(!n.includes('chroot'), 'the workload never called chroot');
  const control = spawnSync('docker', ['run', '--rm', ...LABEL, '--network', 'none', IMAGE, 'chroot', '/', 'true'], { encoding: 'utf8' });
  assert.equal(control.status, 0, `chroot works under Docker's default profile: ${control.stderr}`);
  const refused = runWith(file, 'chroot', '/', 'true');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /chroot: can't change root directory to '\/': Operation not permitted/);
}

describe('advise seccomp', { skip, concurrency: false }, () => {
  after(() => {
    removeContainers(`${TAG}-r`, `${TAG}-p`, `${TAG}-stopped`, `${TAG}-other`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--restart: traced from the restart (the runtime\'s init installing the profile, the entrypoint\'s exec), not another container started meanwhile; the profile runs the workload afresh and refuses chroot', async () => {
    const name = `${TAG}-r`;
    docker('run', '-d', '--name', name, ...LABEL, '--network', 'none', IMAGE, 'sh', '-c', WORK);
    const startedBefore = docker('inspect', '-f', '{{.State.StartedAt}}', name).trim();
    const file = path.join(dir, 'restart.json');
    // Another container started meanwhile calls chroot: its namespace is held while the helper decides, then left out.
    let other: Promise<number> | undefined;
    let otherDone = false;
    const r = await adviseWatched(
      (text) => {
        if (other || !/tracing for 5s/.test(text)) return;
        const child = spawn('docker', ['run', '--rm', '--name', `${TAG}-other`, ...LABEL, '--network', 'none', IMAGE, 'sh', '-c', 'chroot / true && chroot / true'], { stdio: 'ignore' });
        other = new Promise((done) => child.on('exit', (code) => ((otherDone = true), done(code ?? -1))));
      },
      '--container', name, '--restart', '--duration', '5', '--output', file,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(other && otherDone, 'the other container ran to its end during the trace');
    assert.equal(await other, 0, 'chroot worked in the other container');
    assert.match(r.stdout, new RegExp(`^wrote ${file}: \\d+ syscalls, traced from the container's restart`));
    assert.match(r.stdout, /docker run --security-opt seccomp=\S+restart\.json container-trace\/busybox:latest/);
    assert.notEqual(docker('inspect', '-f', '{{.State.StartedAt}}', name).trim(), startedBefore, 'the container was restarted');
    assert.equal(docker('inspect', '-f', '{{.State.Running}}', name).trim(), 'true');
    const n = names(file);
    // Seen only from the start: runc's init installs the profile (seccomp), the entrypoint's exec; the loop's own.
    for (const s of ['seccomp', 'execve', 'openat', 'read', 'write', 'wait4', 'exit_group']) assert.ok(n.includes(s), `${s} in ${n.join(' ')}`);
    assert.ok(n.includes('nanosleep') || n.includes('clock_nanosleep'), 'sleep');
    holds(file, n);
  });

  test('a running container: its syscalls plus the start set, said so; every syscall strace -f saw meanwhile is in it; the profile still starts the workload afresh and refuses chroot', async () => {
    const name = `${TAG}-p`;
    docker('run', '-d', '--name', name, ...LABEL, '--network', 'none', IMAGE, 'sh', '-c', WORK);
    const hostPid = Number(docker('inspect', '-f', '{{.State.Pid}}', name).trim());
    const file = path.join(dir, 'running.json');
    const straced = path.join(dir, 'strace.txt');
    // strace -f on the container's shell within the trace's time: what it sees, the profile must allow.
    let strace: ReturnType<typeof spawn> | undefined;
    let straceDone: Promise<unknown> | undefined;
    const r = await adviseWatched(
      (text) => {
        if (strace || !/tracing for 4s/.test(text)) return;
        strace = spawn('strace', ['-f', '-qq', '-o', straced, '-p', String(hostPid)], { stdio: 'ignore' });
        straceDone = new Promise((done) => strace!.on('exit', done));
        setTimeout(() => strace!.kill('SIGINT'), 2500);
      },
      '--container', name, '--duration', '4', '--output', file, '--format', 'kubernetes',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(straceDone, `strace started: ${r.stderr}`);
    await straceDone;
    const seenByStrace = new Set([...fs.readFileSync(straced, 'utf8').matchAll(/^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)[( ]/gm)].map((m) => m[1]));
    assert.ok(seenByStrace.has('execve') && seenByStrace.has('wait4'), [...seenByStrace].join(' '));
    assert.match(r.stdout, /from a running container \(4s\) plus the start set/);
    assert.match(r.stdout, /localhostProfile: profiles\/running\.json/);
    assert.match(r.stdout, /\/var\/lib\/kubelet\/seccomp\/profiles\/running\.json/);
    const n = names(file);
    for (const s of START_SET) assert.ok(n.includes(s), `start set's ${s}`);
    for (const s of seenByStrace) assert.ok(n.includes(s), `strace saw ${s}; the profile: ${n.join(' ')}`);
    holds(file, n);
  });

  test('Podman (rootful, its API): --restart restarts it, and the profile runs the workload in a fresh podman container and refuses chroot', { skip: fs.existsSync('/run/podman/podman.sock') ? undefined : 'no rootful Podman API socket' }, async () => {
    const name = `${TAG}-pm`;
    const podman = (...args: string[]) => spawnSync('podman', args, { encoding: 'utf8', timeout: 120_000 });
    const image = `localhost/${IMAGE}`;
    try {
      const run = podman('run', '-d', '--name', name, ...LABEL, '--network', 'none', image, 'sh', '-c', WORK);
      assert.equal(run.status, 0, run.stderr);
      const startedBefore = podman('inspect', '-f', '{{.State.StartedAt}}', name).stdout.trim();
      const file = path.join(dir, 'podman.json');
      const r = await advise('--container', `podman:${name}`, '--restart', '--duration', '3', '--output', file);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /traced from the container's restart/);
      assert.notEqual(podman('inspect', '-f', '{{.State.StartedAt}}', name).stdout.trim(), startedBefore, 'restarted');
      const n = names(file);
      for (const sc of ['seccomp', 'execve', 'wait4']) assert.ok(n.includes(sc), sc);
      assert.ok(!n.includes('chroot'));
      // The workload's own commands (a redirection would need dup2, which it never made).
      const ok = podman('run', '--rm', '--network', 'none', '--security-opt', `seccomp=${file}`, image, 'sh', '-c', 'cat /etc/hostname; sleep 1; echo; echo done');
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(ok.stdout.trim().split('\n').pop(), 'done');
      assert.equal(podman('run', '--rm', '--network', 'none', image, 'chroot', '/', 'true').status, 0, 'chroot works under the default profile');
      const refused = podman('run', '--rm', '--network', 'none', '--security-opt', `seccomp=${file}`, image, 'chroot', '/', 'true');
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /Operation not permitted/);
    } finally {
      podman('rm', '-f', name);
    }
  });

  test('bad input exits 2 with what to do: no such container, a stopped one without --restart, no output directory, an unknown format', async () => {
    const stopped = `${TAG}-stopped`;
    docker('create', '--name', stopped, ...LABEL, '--network', 'none', IMAGE, 'true');
    const cases: [string[], RegExp][] = [
      [['--container', `${TAG}-none`, '--output', path.join(dir, 'x.json')], /no container "ct-it-sc-\d+-none"/],
      [['--container', stopped, '--output', path.join(dir, 'x.json')], /is created, not running: start it, or give --restart/],
      [['--container', stopped, '--output', path.join(dir, 'missing', 'x.json')], /the directory \S+missing does not exist/],
      [['--container', stopped, '--output', path.join(dir, 'x.json'), '--format', 'yaml'], /--format must be docker or kubernetes, not "yaml"/],
      [['--output', path.join(dir, 'x.json')], /needs --container/],
    ];
    for (const [args, message] of cases) {
      const r = await advise(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(cli('advise', 'strace').code, 2);
    assert.ok(!fs.existsSync(path.join(dir, 'x.json')), 'nothing written');
  });
});
