/**
 * Integration prerequisites and tools: root, dockerd, BPF; local busybox
 * image; containers with --network none; CLI and helper processes.
 * Missing prerequisites skip locally with the reason, and fail under CI.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { connectHelper } from '../../src/client/helper-reader';
import { Initialize, PROTOCOL_VERSION } from '../../src/protocol';
import { CLI, REPO } from './paths';

export const IMAGE = 'container-trace/busybox:latest';
const LABEL = 'container-trace.test=1';

let reason: string | undefined | null = null;

/** Why integration tests cannot run here, or undefined. Throws under CI. */
export function skipReason(): string | undefined {
  if (reason !== null) return reason;
  reason = undefined;
  if (process.getuid?.() !== 0) reason = 'needs root (BPF)';
  else if (spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore' }).status !== 0) reason = 'dockerd is not reachable';
  else if (!fs.existsSync('/sys/kernel/btf/vmlinux')) reason = 'the kernel has no BTF';
  else if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) reason = 'not built (npm run build)';
  if (reason && process.env.CI) throw new Error(`integration prerequisites missing under CI: ${reason}`);
  if (!reason) execFileSync('bash', [path.join(REPO, 'scripts', 'make-image.sh'), IMAGE], { stdio: 'inherit' });
  return reason;
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Start a container (no network) running `cmd`; returns its name. */
export function runContainer(name: string, cmd: string, extra: string[] = []): string {
  spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  docker('run', '-d', '--network', 'none', '--label', LABEL, '--name', name, ...extra, IMAGE, 'sh', '-c', cmd);
  return name;
}

export function removeContainers(...names: string[]): void {
  for (const n of names) spawnSync('docker', ['rm', '-f', n], { stdio: 'ignore' });
}

export function hostPidOf(name: string): number {
  return Number(docker('inspect', '-f', '{{.State.Pid}}', name));
}

/** NSpid and NStgid of a host task, outermost first. */
export function nsIds(hostPid: number): { nspid: number[]; nstgid: number[] } {
  const status = fs.readFileSync(`/proc/${hostPid}/status`, 'utf8');
  const ints = (k: string) => new RegExp(`^${k}:\\s+(.*)$`, 'm').exec(status)![1].trim().split(/\s+/).map(Number);
  return { nspid: ints('NSpid'), nstgid: ints('NStgid') };
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The CLI run to completion. */
export function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface TraceRun {
  child: ChildProcess;
  events: Record<string, unknown>[];
  stderr: () => string;
  ready: Promise<void>;
  exited: Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** `container-trace trace … --json` in the background, events parsed as they come. */
export function traceCli(...args: string[]): TraceRun {
  return traceCliWith({}, ...args);
}

/** traceCli with extra environment variables. */
export function traceCliWith(env: Record<string, string>, ...args: string[]): TraceRun {
  return watchTrace(spawn(process.execPath, [CLI, 'trace', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
}

/** A `trace … --json` process however it was started (another user, another environment): events parsed as they come. */
export function watchTrace(child: ChildProcess): TraceRun {
  const events: Record<string, unknown>[] = [];
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line) events.push(JSON.parse(line));
    }
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/^ready$/m.test(err)) resolve();
    });
    void exited.then((code) => reject(new Error(`trace exited with ${code} before ready: ${err}`)));
  });
  return {
    child,
    events,
    stderr: () => err,
    ready,
    exited,
    stop: (signal = 'SIGINT') => {
      child.kill(signal);
      return exited;
    },
  };
}

export interface HelperRun {
  child: ChildProcess;
  connection: MessageConnection;
  stderr: () => string;
  exited: Promise<number | string>;
}

/** `container-trace helper` (or `argv`, e.g. the installed launcher through sudo) with a JSON-RPC client on its stdio, initialized. */
export async function startHelper(argv: string[] = [process.execPath, CLI, 'helper']): Promise<HelperRun> {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  const connection = connectHelper({ stdout: child.stdout!, stdin: child.stdin! });
  connection.onError(() => undefined);
  connection.listen();
  await connection.sendRequest(Initialize, { protocolVersion: PROTOCOL_VERSION, client: { name: 'integration-test', version: '1' } });
  return { child, connection, stderr: () => err, exited };
}

/** IDs of this project's BPF programs loaded in the kernel right now. */
export function ourPrograms(): number[] {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as { id: number; name?: string }[];
  return progs.filter((p) => /^(exec_|exit_|open_|signal_|tcp_|syscalls?_|uprobe_|proctree_|profile_|probe_|ct_follow_|ct_scope_|oomkill_|dns_)/.test(p.name ?? '')).map((p) => p.id);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The symbol-rich test workload (test/fixtures/ct-target.c), built static so any image runs it. */
export function targetBinary(): string {
  const src = path.join(REPO, 'test', 'fixtures', 'ct-target.c');
  const out = path.join(REPO, 'build', 'ct-target');
  if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(src).mtimeMs) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    execFileSync('gcc', ['-static', '-O1', '-g', '-pthread', '-o', out, src], { stdio: 'inherit' });
  }
  return out;
}

/**
 * A test program of test/fixtures/<name>.c built static with symbols and
 * line tables (-g) into build/<name>, with `flags` (e.g. frame pointers:
 * the kernel walks user stacks by them).
 */
export function fixtureBinary(name: string, flags: string[] = ['-O1']): string {
  const src = path.join(REPO, 'test', 'fixtures', `${name}.c`);
  const out = path.join(REPO, 'build', name);
  const stamp = `${out}.flags`;
  const same = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === flags.join(' ');
  if (!same || !fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(src).mtimeMs) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    execFileSync('gcc', ['-static', '-g', ...flags, '-o', out, src], { stdio: 'inherit' });
    fs.writeFileSync(stamp, flags.join(' '));
  }
  return out;
}

/** Copy the workload into a container as /bin/ct-target. */
export function installTarget(container: string): void {
  docker('cp', targetBinary(), `${container}:/bin/ct-target`);
}

/**
 * A kind-like node: a container running its own containerd (the node image
 * from scripts/runtimes-setup.sh), started and ready; its host PID.
 */
export async function startNode(name: string): Promise<number> {
  docker(
    'run', '-d', '--name', name, '--network', 'none', '--label', LABEL,
    '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_PTRACE', '--cap-add', 'MKNOD',
    '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined', '--cgroupns', 'host',
    '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw', '--tmpfs', '/run', '--tmpfs', '/tmp', 'container-trace/node:latest',
  );
  const pid = hostPidOf(name);
  await waitFor('the node runtime', () => fs.existsSync(`/proc/${pid}/root/run/node-ready`), 30_000);
  return pid;
}
