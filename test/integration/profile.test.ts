/**
 * profile against a workload with a known profile (test/fixtures/ct-profile.c:
 * ct_spin_long does three times the work of ct_spin_short): the shares of
 * the two functions, their file and lines from the container's own binary,
 * one process only with --pid, and a host file at the same path never used.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, docker, fixtureBinary, ourPrograms, removeContainers, runContainer, skipReason, traceCliWith, waitFor } from '../support/integration';
import { REPO } from '../support/paths';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

const skip = skipReason();
const C = `ct-it-prof-${process.pid}`;
/** The workload's path in the container; on the host the same path holds a different program. */
const SAME = `/usr/local/bin/ct-prof-same-${process.pid}`;
const SRC = path.join(REPO, 'test', 'fixtures', 'ct-profile.c');
/**
 * The kernel walks user stacks by frame pointers, and GCC leaves leaf
 * functions without a frame at -O1 even with -fno-omit-frame-pointer (their
 * caller would be skipped): built at -O0, both loops still do the same work
 * per iteration.
 */
const workload = () => fixtureBinary('ct-profile', ['-O0', '-fno-omit-frame-pointer']);

interface Frame { function: string | null; file: string | null; line: number | null; module: string; offset: number; buildId?: string; inlined?: true; kernel?: true; fileId?: string }
interface Stack { gadget: string; pid: number; hostPid: number; comm: string; samples: number; totalSamples: number; stack: Frame[]; container: { name: string }; blockedNs?: number; totalBlockedNs?: number; stillBlocked?: number }
type Proc = { pid: number; hostPid: number; cmdline: string[] };

/** The lines of a function's body in the fixture's source: from its signature to its closing brace. */
function linesOf(fn: string): [number, number] {
  const lines = fs.readFileSync(SRC, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('__attribute__') && l.includes(` ${fn}(`)) + 1;
  const end = lines.findIndex((l, i) => i >= start && l === '}') + 1;
  return [start, end];
}

function buildIdOf(file: string): string {
  return /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', file], { encoding: 'utf8' }))![1];
}

async function startWorkload(seconds: number): Promise<Proc> {
  const before = new Set((JSON.parse(cli('ps', C, '--json').stdout) as Proc[]).map((p) => p.hostPid));
  docker('exec', '-d', C, SAME, String(seconds));
  return waitFor('the workload', () => (JSON.parse(cli('ps', C, '--json').stdout) as Proc[]).find((p) => !before.has(p.hostPid) && p.cmdline[0] === SAME));
}

/** Profile while the workload spins (it starts once the trace is ready), until the duration ends. */
async function profile(args: string[], cacheDir: string, go = true): Promise<{ stacks: Stack[]; stderr: string }> {
  const t = traceCliWith({ CONTAINER_TRACE_CACHE_DIR: cacheDir }, 'profile', '--container', C, ...args);
  await t.ready;
  if (go) docker('exec', C, 'touch', '/tmp/ct-go');
  const code = await t.exited;
  assert.equal(code, 0, t.stderr());
  return { stacks: t.events as unknown as Stack[], stderr: t.stderr() };
}

const isTracer = (f: Frame | undefined) => !!f?.function && /^(bpf_prog_|bpf_trace_run|__bpf_trace_)/.test(f.function);

/** A Go program stripped of its symbols, which the setup installs (the CNI plugins). */
const GO_STRIPPED = '/usr/lib/cni/loopback';

/** The virtual address of a file offset (the program is not position-independent: its loaded segments say where). */
function goAddress(file: string, offset: number): number {
  const segs = execFileSync('readelf', ['-l', '-W', file], { encoding: 'utf8' }).split('\n').map((l) => /^\s*LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+)/.exec(l)).filter((m): m is RegExpExecArray => !!m);
  const seg = segs.map(([, off, va, sz]) => [parseInt(off, 16), parseInt(va, 16), parseInt(sz, 16)]).find(([off, , sz]) => offset >= off && offset < off + sz)!;
  return offset - seg[0] + seg[1];
}

/** Samples whose innermost frame is `fn`. */
const selfOf = (stacks: Stack[], fn: string) => stacks.filter((s) => s.stack[0]?.function === fn).reduce((n, s) => n + s.samples, 0);

describe('profile (integration)', { skip }, () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-prof-cache-'));
  let decoy = '';
  before(() => {
    // A different program at the workload's path on the host: a symbolizer that looked there would name its functions.
    decoy = path.join(os.tmpdir(), `ct-prof-decoy-${process.pid}.c`);
    fs.writeFileSync(decoy, 'volatile long s;\n__attribute__((noinline)) void host_decoy_a(long n) { for (long i = 0; i < n; i++) s += i; }\nint main(void) { host_decoy_a(10); return 0; }\n');
    execFileSync('gcc', ['-static', '-O1', '-g', '-o', SAME, decoy]);
    runContainer(C, 'mkdir -p /usr/local/bin; while :; do sleep 1; done');
    docker('exec', C, 'mkdir', '-p', '/usr/local/bin'); // the container's own mkdir may not have run yet
    docker('cp', workload(), `${C}:${SAME}`);
  });
  after(() => {
    removeContainers(C);
    fs.rmSync(SAME, { force: true });
    fs.rmSync(decoy, { force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  test('the workload\'s two functions by their known shares (3:1), with file and line, from the container\'s binary', async () => {
    docker('exec', C, 'sh', '-c', `pkill ct-prof; rm -f /tmp/ct-go; true`);
    const p = await startWorkload(30);
    const { stacks, stderr } = await profile(['--duration', '7', '--interval', '3'], cache);
    const mine = stacks.filter((s) => s.hostPid === p.hostPid);
    assert.ok(mine.length > 0, `stacks of the workload (host PID ${p.hostPid}): ${JSON.stringify(stacks.slice(0, 3))}`);
    for (const s of mine) {
      assert.equal(s.gadget, 'profile');
      assert.equal(s.pid, p.pid, 'its PID in the container');
      assert.equal(s.comm, SAME.split('/').pop()!.slice(0, 15));
      assert.equal(s.container.name, C);
      assert.ok(s.samples > 0 && s.samples <= s.totalSamples);
      for (const f of s.stack) assert.equal(f.fileId, undefined, 'handles do not reach the output');
    }
    const long = selfOf(mine, 'ct_spin_long');
    const short = selfOf(mine, 'ct_spin_short');
    const all = mine.reduce((n, s) => n + s.samples, 0);
    // 99 Hz for about 7 s of one CPU: a few hundred samples, nearly all in the two loops.
    assert.ok(long + short >= 200, `${long} + ${short} samples in the loops of ${all}`);
    assert.ok((long + short) / all > 0.9, `the loops are where it runs: ${long + short} of ${all}`);
    const share = long / (long + short);
    assert.ok(Math.abs(share - 0.75) < 0.05, `ct_spin_long has ${(100 * share).toFixed(1)}% of the loops' samples (${long} vs ${short}), known 75%`);
    // File and line from the container binary's DWARF: inside each function's body.
    const buildId = buildIdOf(workload());
    for (const [fn, [from, to]] of [['ct_spin_long', linesOf('ct_spin_long')], ['ct_spin_short', linesOf('ct_spin_short')]] as const) {
      const leaves = mine.filter((s) => s.stack[0]?.function === fn).map((s) => s.stack[0]);
      assert.ok(leaves.length > 0, fn);
      for (const f of leaves) {
        assert.equal(path.basename(f.file ?? ''), 'ct-profile.c', JSON.stringify(f));
        assert.ok(f.line! >= from && f.line! <= to, `${fn} at line ${f.line}, its body is lines ${from}-${to}`);
        assert.equal(f.module, SAME);
        assert.equal(f.buildId, buildId);
      }
      // Called from main: the next frame names it.
      assert.ok(
        mine.some((s) => s.stack[0]?.function === fn && s.stack[1]?.function === 'main'),
        `${fn} ← main: ${JSON.stringify(mine.filter((s) => s.stack[0]?.function === fn).map((s) => s.stack.map((f) => f.function ?? `${f.module}+${f.offset}`)).slice(0, 4))}`,
      );
    }
    assert.ok(!stacks.some((s) => s.stack.some((f) => f.function?.startsWith('host_decoy'))), 'no symbol of the host file at the same path');
    assert.notEqual(buildIdOf(SAME), buildId, 'the host file is another build');
    // Kept by build ID, the very bytes of the container's file.
    assert.deepEqual(fs.readFileSync(path.join(cache, buildId)), fs.readFileSync(workload()));
    assert.match(stderr, /summary: \d+ events received, 0 dropped/);
    assert.deepEqual(ourPrograms(), [], 'no program left attached');
  });

  test('--pid: only that process is sampled; the table names the functions with their shares', async () => {
    docker('exec', C, 'sh', '-c', `pkill ct-prof; rm -f /tmp/ct-go; true`);
    const a = await startWorkload(30);
    const b = await startWorkload(30);
    const t = traceCliWith({ CONTAINER_TRACE_CACHE_DIR: cache }, 'profile', '--container', C, '--pid', String(a.pid), '--duration', '4');
    await t.ready;
    docker('exec', C, 'touch', '/tmp/ct-go');
    assert.equal(await t.exited, 0, t.stderr());
    const stacks = t.events as unknown as Stack[];
    assert.ok(stacks.length > 0);
    assert.deepEqual([...new Set(stacks.map((s) => s.hostPid))], [a.hostPid], `only host PID ${a.hostPid}, not ${b.hostPid}`);
    // The same trace without --json: a table of functions by self and total share.
    docker('exec', C, 'sh', '-c', `pkill ct-prof; rm -f /tmp/ct-go; true`);
    const c = await startWorkload(30);
    const table = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'trace', 'profile', '--container', C, '--pid', String(c.pid), '--duration', '5', '--hz', '297', '--top', '5'], {
        env: { ...process.env, CONTAINER_TRACE_CACHE_DIR: cache },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => {
        err += d;
        if (/^ready$/m.test(err)) docker('exec', C, 'touch', '/tmp/ct-go');
      });
      child.on('exit', () => resolve(out));
    });
    const rows = table.split('\n').filter((l) => /ct_spin_(long|short)/.test(l));
    assert.ok(rows.length >= 2, table);
    const selfPct = (fn: string) => Number(/^\s*([\d.]+)/.exec(rows.find((r) => r.includes(fn))!)![1]);
    const share = selfPct('ct_spin_long') / (selfPct('ct_spin_long') + selfPct('ct_spin_short'));
    assert.ok(Math.abs(share - 0.75) < 0.05, `table: ct_spin_long ${selfPct('ct_spin_long')}%, ct_spin_short ${selfPct('ct_spin_short')}%\n${table}`);
    assert.match(table, /ct-profile\.c:\d+/);
    assert.match(table, /SELF% +TOTAL% +SAMPLES +FUNCTION/);
  });

  test('a stripped binary gets functions and lines from the container\'s separate debug info; a FIFO where debug info is looked for is refused unopened', async () => {
    docker('exec', C, 'sh', '-c', `pkill ct-prof; rm -f /tmp/ct-go; true`);
    // Stripped of its symbols and DWARF, with a .gnu_debuglink; its debug file beside it in the container only.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-prof-dbg-'));
    const stripped = path.join(dir, 'ct-prof-strip');
    execFileSync('objcopy', ['--only-keep-debug', workload(), path.join(dir, 'ct-prof-strip.debug')]);
    execFileSync('objcopy', ['--strip-all', `--add-gnu-debuglink=${path.join(dir, 'ct-prof-strip.debug')}`, workload(), stripped]);
    const buildId = buildIdOf(stripped);
    docker('exec', C, 'mkdir', '-p', '/opt/app', `/usr/lib/debug/.build-id/${buildId.slice(0, 2)}`);
    docker('cp', stripped, `${C}:/opt/app/ct-prof-strip`);
    docker('cp', path.join(dir, 'ct-prof-strip.debug'), `${C}:/opt/app/ct-prof-strip.debug`);
    // The build-ID place, looked at first, is a FIFO no one writes: opening it for reading would block the helper.
    docker('exec', C, 'mkfifo', `/usr/lib/debug/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug`);
    const before = new Set((JSON.parse(cli('ps', C, '--json').stdout) as Proc[]).map((p) => p.hostPid));
    docker('exec', '-d', C, '/opt/app/ct-prof-strip', '30');
    const w = await waitFor('the stripped workload', () => (JSON.parse(cli('ps', C, '--json').stdout) as Proc[]).find((p) => !before.has(p.hostPid) && p.cmdline[0] === '/opt/app/ct-prof-strip'));
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-prof-cache-dbg-'));
    try {
      const { stacks, stderr } = await profile(['--pid', String(w.pid), '--duration', '4', '--interval', '2'], fresh);
      const frames = stacks.flatMap((x) => x.stack).filter((f) => f.module === '/opt/app/ct-prof-strip');
      assert.ok(frames.length > 0, JSON.stringify(stacks.slice(0, 2)));
      const long = frames.find((f) => f.function === 'ct_spin_long');
      assert.ok(long, `functions: ${[...new Set(frames.map((f) => f.function))].join(', ')}\n${stderr}`);
      assert.equal(path.basename(long.file ?? ''), 'ct-profile.c');
      const [lo, hi] = linesOf('ct_spin_long');
      assert.ok(long.line! >= lo && long.line! <= hi, `line ${long.line} in ${lo}-${hi}`);
      // Kept by the binary's build ID: the very bytes of the container's debug file.
      assert.deepEqual(fs.readFileSync(path.join(fresh, 'debug', `${buildId}.debug`)), fs.readFileSync(path.join(dir, 'ct-prof-strip.debug')));
    } finally {
      docker('exec', C, 'sh', '-c', `pkill ct-prof-strip; rm -rf /usr/lib/debug/.build-id /opt/app; true`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  test('JIT code: named from the perf map its process wrote in its container (by its PID there), not from a map by another PID or the host\'s', async () => {
    docker('exec', C, 'sh', '-c', `pkill ct-jit; rm -f /tmp/ct-go /tmp/perf-*.map; true`);
    docker('cp', fixtureBinary('ct-jit', ['-O0', '-fno-omit-frame-pointer']), `${C}:/usr/local/bin/ct-jit`);
    const before = new Set((JSON.parse(cli('ps', C, '--json').stdout) as Proc[]).map((p) => p.hostPid));
    docker('exec', '-d', C, '/usr/local/bin/ct-jit', '30');
    const w = await waitFor('the JIT workload', () => (JSON.parse(cli('ps', C, '--json').stdout) as Proc[]).find((p) => !before.has(p.hostPid) && p.cmdline[0] === '/usr/local/bin/ct-jit'));
    assert.notEqual(w.pid, w.hostPid, 'its PID in the container is not its host PID');
    await waitFor('its perf map', () => docker('exec', C, 'cat', `/tmp/perf-${w.pid}.map`).includes('jit_spin_loop'));
    // What a tool looking in the host's /tmp by the host PID would read.
    const hostDecoy = `/tmp/perf-${w.hostPid}.map`;
    const hadHostMap = fs.existsSync(hostDecoy);
    if (!hadHostMap) fs.writeFileSync(hostDecoy, docker('exec', C, 'cat', `/tmp/perf-${w.pid}.map`).replace('jit_spin_loop', 'host_decoy'));
    try {
      const { stacks } = await profile(['--pid', String(w.pid), '--duration', '4', '--interval', '2'], cache);
      const all = stacks.reduce((n, x) => n + x.samples, 0);
      const jit = stacks.filter((x) => x.stack[0]?.function === 'jit_spin_loop');
      const inJit = jit.reduce((n, x) => n + x.samples, 0);
      assert.ok(all >= 50 && inJit / all > 0.8, `${inJit} of ${all} samples in jit_spin_loop: ${JSON.stringify(stacks.slice(0, 2).map((x) => x.stack.slice(0, 3)))}`);
      for (const x of jit) assert.equal(x.stack[0].module, `/tmp/perf-${w.pid}.map`);
      assert.ok(jit.some((x) => x.stack[1]?.function === 'main'), 'its caller from the binary\'s symbols');
      const names = new Set(stacks.flatMap((x) => x.stack.map((f) => f.function)));
      assert.ok(!names.has('wrong_pid_code') && !names.has('host_decoy'), [...names].join(', '));
      for (const x of stacks) for (const f of x.stack) assert.equal((f as { perfMap?: string }).perfMap, undefined, 'handles do not reach the output');
    } finally {
      if (!hadHostMap) fs.rmSync(hostDecoy, { force: true });
      docker('exec', C, 'sh', '-c', 'pkill ct-jit; rm -f /tmp/perf-*.map; true');
    }
  });

  test('Node with --perf-basic-prof in a container: its JavaScript functions named from its perf map', async () => {
    const node = `ct-it-prof-node-${process.pid}`;
    // The Node running this test and the libraries it links, read-only, in a container of its own.
    const nodeBin = fs.realpathSync(process.execPath);
    const libs = [...new Set(execFileSync('ldd', [nodeBin], { encoding: 'utf8' }).split('\n').map((l) => /=> (\/\S+)/.exec(l)?.[1]).filter((x): x is string => !!x).flatMap((x) => [path.dirname(x), path.dirname(fs.realpathSync(x))]))];
    const mounts = [nodeBin, '/lib64', ...libs].flatMap((m) => ['-v', `${m}:${m}:ro`]);
    const js = 'function hotLoop(n) { let a = 0; for (let i = 0; i < n; i++) a += Math.sqrt(i) * (i & 7); return a; } ' +
      'const fs = require("fs"); const t = setInterval(() => { if (!fs.existsSync("/tmp/ct-go")) return; clearInterval(t); let s = 0; const end = Date.now() + 30000; while (Date.now() < end) s += hotLoop(100000); }, 10);';
    runContainer(node, `exec ${nodeBin} --perf-basic-prof --interpreted-frames-native-stack -e '${js}'`, mounts);
    try {
      const w = await waitFor('node in its container', () => (JSON.parse(cli('ps', node, '--json').stdout) as Proc[]).find((p) => p.cmdline[0] === nodeBin));
      assert.equal(w.pid, 1, 'node is its container\'s PID 1 (its map is /tmp/perf-1.map there)');
      const t = traceCliWith({ CONTAINER_TRACE_CACHE_DIR: cache }, 'profile', '--container', node, '--duration', '5', '--interval', '2');
      await t.ready;
      docker('exec', node, 'touch', '/tmp/ct-go');
      assert.equal(await t.exited, 0, t.stderr());
      const stacks = t.events as unknown as Stack[];
      const all = stacks.reduce((n, x) => n + x.samples, 0);
      // Its JavaScript, named by V8 in the map ("JS:*hotLoop [eval]:1:17"; TurboFan may inline hotLoop into its caller).
      const inJs = stacks.filter((x) => x.stack.some((f) => f.module === '/tmp/perf-1.map' && /^JS:/.test(f.function ?? ''))).reduce((n, x) => n + x.samples, 0);
      const hot = stacks.filter((x) => x.stack.some((f) => f.module === '/tmp/perf-1.map' && /hotLoop/.test(f.function ?? '')));
      const leaves = [...new Set(stacks.map((x) => x.stack[0]?.function ?? x.stack[0]?.module))].slice(0, 12).join(' | ');
      assert.ok(all > 0 && inJs / all > 0.5, `${inJs} of ${all} samples through named JavaScript; leaves: ${leaves}`);
      assert.ok(hot.length > 0, `no frame named hotLoop; leaves: ${leaves}`);
    } finally {
      removeContainers(node);
    }
  });

  test('--off-cpu: where the threads wait, by the time they waited (the known 3:1), the kernel path they slept in, and a thread still asleep at the end counted until then', async () => {
    const OFF = '/usr/local/bin/ct-offcpu';
    docker('cp', fixtureBinary('ct-offcpu', ['-O0', '-fno-omit-frame-pointer', '-pthread']), `${C}:${OFF}`);
    docker('exec', C, 'sh', '-c', 'rm -f /tmp/ct-go; true');
    const before = new Set((JSON.parse(cli('ps', C, '--json').stdout) as Proc[]).map((p) => p.hostPid));
    docker('exec', '-d', C, OFF, '60');
    const p = await waitFor('the off-CPU workload', () => (JSON.parse(cli('ps', C, '--json').stdout) as Proc[]).find((x) => !before.has(x.hostPid) && x.cmdline[0] === OFF));
    // One process: the shell's loop beside it makes a new process (its own stacks, by ASLR) a second.
    const t = traceCliWith({ CONTAINER_TRACE_CACHE_DIR: cache }, 'profile', '--container', C, '--pid', String(p.pid), '--off-cpu', '--duration', '6', '--interval', '2');
    await t.ready;
    docker('exec', C, 'touch', '/tmp/ct-go');
    const go = Date.now();
    assert.equal(await t.exited, 0, t.stderr());
    const ended = Date.now();
    try {
      const mine = (t.events as unknown as Stack[]).filter((s) => s.hostPid === p.hostPid);
      const through = (fn: string) => mine.filter((s) => s.stack.some((f) => f.function === fn));
      const ns = (list: Stack[]) => list.reduce((n, s) => n + (s.blockedNs ?? 0), 0);
      for (const s of mine) {
        assert.equal(s.pid, p.pid);
        assert.ok(s.samples > 0 && s.blockedNs! > 0 && s.blockedNs! <= s.totalBlockedNs!, JSON.stringify(s).slice(0, 300));
        assert.ok(!isTracer(s.stack[0]), `the tracer's own frames are dropped: ${s.stack[0]?.function}`);
      }
      const long = ns(through('ct_wait_long'));
      const short = ns(through('ct_wait_short'));
      assert.ok(long + short > 3e9, `the two waits took most of the ~6 s: ${long} + ${short} ns`);
      const share = long / (long + short);
      assert.ok(Math.abs(share - 0.75) < 0.04, `ct_wait_long has ${(100 * share).toFixed(1)}% of the time waited (${long} vs ${short} ns), known 75%`);
      // Blocks: 30 ms and 10 ms sleeps, one each per 40 ms round. A thread woken from its sleep may
      // also wait for a CPU on its way back to user mode (schedule from exit_to_user_mode_loop, a
      // preemption): off-CPU time too, short and rare, so the sleep holds nearly all of the time.
      const sleeps = through('ct_wait_long').filter((s) => s.stack.some((f) => f.function === 'do_nanosleep'));
      const slept = ns(sleeps);
      assert.ok(slept / long > 0.97, `ct_wait_long's time is its sleep in do_nanosleep: ${slept} of ${long} ns`);
      const blocksLong = sleeps.reduce((n, s) => n + s.samples, 0);
      const mean = slept / blocksLong;
      assert.ok(mean > 30e6 && mean < 34e6, `a ct_wait_long block lasts its 30 ms sleep: ${mean} ns on average over ${blocksLong}`);
      for (const s of through('ct_wait_long')) {
        const names = s.stack.map((f) => f.function);
        const kernel = names.includes('do_nanosleep') ? 'do_nanosleep' : 'schedule';
        assert.ok(names.includes(kernel) && names.indexOf(kernel) < names.indexOf('ct_nanosleep'), `the kernel's sleep (or a preemption) above the user frames: ${names.join(' < ')}`);
        assert.deepEqual(names.slice(names.indexOf('ct_nanosleep'), names.indexOf('ct_nanosleep') + 3), ['ct_nanosleep', 'ct_wait_long', 'main']);
      }
      // The other thread sleeps from the go to the end: one block, never ended, counted until the trace ended.
      const forever = through('ct_wait_forever');
      assert.equal(forever.reduce((n, s) => n + (s.stillBlocked ?? 0), 0), 1, JSON.stringify(forever.map((s) => [s.samples, s.blockedNs, s.stillBlocked])));
      const asleep = ns(forever);
      assert.ok(asleep > (ended - go - 1500) * 1e6 && asleep < (ended - go + 500) * 1e6, `ct_wait_forever asleep ${asleep / 1e6} ms, the trace ran ${ended - go} ms after the go`);
      assert.deepEqual(ourPrograms(), [], 'no program left attached');
    } finally {
      docker('exec', C, 'sh', '-c', `kill ${p.pid} 2>/dev/null; true`);
    }
  });

  test('a selector trace profiles its members: each stack names the container it was taken in', async () => {
    docker('exec', C, 'sh', '-c', `rm -f /tmp/ct-go; true`);
    const p = await startWorkload(30);
    const t = traceCliWith({ CONTAINER_TRACE_CACHE_DIR: cache }, 'profile', '--names', C, '--duration', '4', '--interval', '2');
    await t.ready;
    docker('exec', C, 'touch', '/tmp/ct-go');
    assert.equal(await t.exited, 0, t.stderr());
    const stacks = t.events as unknown as Stack[];
    const stderr = t.stderr();
    try {
      const mine = stacks.filter((s) => s.hostPid === p.hostPid);
      assert.ok(mine.length > 0, stderr);
      assert.ok(stacks.every((s) => s.container.name === C), JSON.stringify([...new Set(stacks.map((s) => s.container.name))]));
      assert.ok(selfOf(mine, 'ct_spin_long') > selfOf(mine, 'ct_spin_short'), 'the workload\'s functions, symbolized');
      assert.deepEqual(ourPrograms(), [], 'no program left attached');
    } finally {
      docker('exec', C, 'sh', '-c', `kill ${p.pid} 2>/dev/null; true`);
    }
  });

  test('a stripped Go program (no .symtab, its .dynsym only libc\'s): its goroutines\' stacks named from .gopclntab', { skip: fs.existsSync(GO_STRIPPED) ? false : `no ${GO_STRIPPED} (containernetworking-plugins)` }, async () => {
    const G = `ct-it-prof-go-${process.pid}`;
    try {
      // A glibc image (the program links libc); it reads its config from stdin, which a slow writer feeds.
      docker('run', '-d', '--network', 'none', '--name', G, 'container-trace/node:latest', 'sh', '-c', 'mkdir -p /usr/local/bin; while :; do sleep 1; done');
      // Made before the copy: the container's own mkdir may not have run yet (docker cp needs the directory).
      docker('exec', G, 'mkdir', '-p', '/usr/local/bin');
      docker('cp', GO_STRIPPED, `${G}:/usr/local/bin/ct-gocni`);
      docker('exec', '-d', G, 'sh', '-c', 'while :; do echo x; sleep 0.02; done | CNI_COMMAND=ADD CNI_CONTAINERID=x CNI_NETNS=/x CNI_IFNAME=lo CNI_PATH=/ /usr/local/bin/ct-gocni');
      const p = await waitFor('the Go program', () => (JSON.parse(cli('ps', G, '--json').stdout) as Proc[]).find((x) => x.cmdline[0] === '/usr/local/bin/ct-gocni'));
      const t = traceCliWith({ CONTAINER_TRACE_CACHE_DIR: cache }, 'profile', '--container', G, '--pid', String(p.pid), '--off-cpu', '--duration', '3');
      assert.equal(await t.exited, 0, t.stderr());
      const stacks = t.events as unknown as Stack[];
      const user = (s: Stack) => s.stack.filter((f) => !f.kernel).map((f) => f.function);
      // The goroutine reading stdin: from main.main through the io and os packages to the syscall.
      const reader = stacks.find((s) => user(s).includes('io.ReadAll'));
      assert.ok(reader, JSON.stringify(stacks.map(user)).slice(0, 1500));
      const names = user(reader!);
      for (const fn of ['syscall.read', 'os.(*File).Read', 'io.ReadAll', 'main.main', 'runtime.main']) assert.ok(names.includes(fn), `${fn} in ${names.join(' < ')}`);
      assert.ok(names.indexOf('io.ReadAll') < names.indexOf('main.main'), 'innermost first');
      // None of it from a symbol table: llvm-symbolizer alone names no Go function in this file.
      const at = reader!.stack.find((f) => f.function === 'io.ReadAll')!;
      const text = execFileSync('llvm-symbolizer', [`--obj=${GO_STRIPPED}`, `0x${goAddress(GO_STRIPPED, at.offset).toString(16)}`], { encoding: 'utf8' });
      assert.match(text, /^\?\?/, `llvm-symbolizer: ${text}`);
      assert.deepEqual(ourPrograms(), [], 'no program left attached');
    } finally {
      removeContainers(G);
    }
  });

  test('--output writes the stacks as pprof or folded stacks at the end; --output with a kind without stacks is refused', async () => {
    docker('exec', C, 'sh', '-c', `pkill ct-prof; rm -f /tmp/ct-go; true`);
    const w = await startWorkload(30);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-prof-out-'));
    try {
      const pb = path.join(dir, 'cpu.pb.gz');
      const folded = path.join(dir, 'cpu.folded');
      const first = await profile(['--pid', String(w.pid), '--duration', '3', '--output', pb], cache);
      assert.match(first.stderr, /wrote \d+ samples \(\d+ stacks\)/);
      assert.ok(first.stderr.includes(`to ${pb} as a pprof profile`), first.stderr);
      const prof = Profile.decode(gunzipSync(fs.readFileSync(pb)));
      const str = (i: number | bigint) => prof.stringTable.strings[Number(i)];
      assert.equal(prof.sample.reduce((n, x) => n + Number(x.value[0]), 0), first.stacks.reduce((n, x) => n + x.samples, 0), 'the samples the JSON lines had');
      assert.ok(prof.function.some((f) => str(f.name) === 'ct_spin_long' && /ct-profile\.c$/.test(str(f.filename))));
      const second = await profile(['--pid', String(w.pid), '--duration', '2', '--output', folded], cache, false);
      assert.match(second.stderr, /as folded stacks/);
      const lines = fs.readFileSync(folded, 'utf8').trim().split('\n');
      const comm = SAME.split('/').pop()!.slice(0, 15);
      assert.ok(lines.some((l) => l.startsWith(`${comm};`) && /;ct_spin_long \d+$/.test(l)), lines.slice(0, 3).join('\n'));
      const bad = cli('trace', 'exec', '--container', C, '--output', path.join(dir, 'x'));
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--output and --format write stacks: they go with profile, not exec/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
