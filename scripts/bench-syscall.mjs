#!/usr/bin/env node
// The syscall kind's cost (run as root: `node scripts/bench-syscall.mjs [--quick]`).
// A syscall flood in a container (test/fixtures/ct-syscall.c `flood`: a tight
// loop of getppid, or of openat + close of one file, timed inside the
// workload), run untraced; under `container-trace trace syscalls --stream
// --json` (every call a record, decoded and written as a JSON line); the
// same with --syscall naming a call the flood never makes (the kernel's mask
// rejects each call: the floor of having the kind attached); under
// `strace -f -tt -T` in the same container (ptrace: two stops per call); and
// under a bpftrace one-liner on raw_syscalls:sys_enter filtered to the
// container's cgroup, printing each call. Rounds interleave the tools;
// medians of the rounds, ratios against the untraced run. Prints the
// markdown section, then one JSON line of the figures.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
const C = `ct-bench-syscall-${process.pid}`;
const CLI = join(root, 'bin', 'container-trace');
const log = (m) => process.stderr.write(`[bench-syscall] ${m}\n`);
const sh = (cmd, a) => execFileSync(cmd, a, { encoding: 'utf8' }).trim();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (process.getuid() !== 0) {
  console.error('bench-syscall: needs root (it loads BPF programs)');
  process.exit(1);
}
const strace = spawnSync('sh', ['-c', 'command -v strace'], { encoding: 'utf8' }).stdout.trim();
const bpftrace = spawnSync('sh', ['-c', 'command -v bpftrace'], { encoding: 'utf8' }).stdout.trim();
log('building');
execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
sh('bash', [join(root, 'scripts/make-image.sh')]);
mkdirSync(join(root, 'build'), { recursive: true });
const binary = join(root, 'build', 'ct-syscall');
sh('gcc', ['-static', '-O1', '-g', '-o', binary, join(root, 'test/fixtures/ct-syscall.c')]);
spawnSync('docker', ['rm', '-f', C], { stdio: 'ignore' });
// strace runs inside it (the host's, with its libraries, read-only), so ptrace is allowed there.
sh('docker', [
  'run', '-d', '--network', 'none', '--label', 'container-trace.test=1', '--name', C, '--cap-add', 'SYS_PTRACE', '--security-opt', 'seccomp=unconfined',
  '-v', '/usr:/usr:ro', '-v', '/lib:/lib:ro', '-v', '/lib64:/lib64:ro', '-v', `${binary}:/bin/ct-syscall:ro`,
  'container-trace/busybox:latest', 'sleep', '3600',
]);
const id = sh('docker', ['inspect', '-f', '{{.Id}}', C]);
const cg = `/sys/fs/cgroup/unified/docker/${id}`;

const FLOODS = [
  { name: 'getppid', mode: '', n: quick ? 1_000_000 : 3_000_000, straceN: quick ? 100_000 : 300_000 },
  { name: 'openat + close', mode: 'open', n: quick ? 300_000 : 1_000_000, straceN: quick ? 50_000 : 150_000 },
];

/** The flood inside the container (optionally under strace there): its calls a second, as the workload timed them. */
function flood(f, n, prefix = []) {
  const r = spawnSync('docker', ['exec', C, ...prefix, '/bin/ct-syscall', 'flood', String(n), ...(f.mode ? [f.mode] : [])], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /ops\/s (\d+)/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`flood failed (${r.status}): ${r.stderr.slice(-400)}`);
  // openat + close: two calls an iteration.
  return Number(m[1]) * (f.mode === 'open' ? 2 : 1);
}

/** A tracer started and ready, its output thrown away (counted), with a stop that ends it and reads its summary. */
async function start(argv, ready) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let outLines = 0;
  child.stdout.on('data', (d) => {
    if (err.length < 4096) err += d;
    for (let i = 0; i < d.length; i++) if (d[i] === 10) outLines++;
  });
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((r) => child.on('exit', r));
  const until = Date.now() + 30_000;
  while (!ready.test(err)) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`${argv[0]} did not start: ${err.slice(-400)}`);
    await sleep(50);
  }
  return {
    lines: () => outLines,
    stop: async () => {
      child.kill('SIGINT');
      await exited;
      return err;
    },
  };
}

const TOOLS = {
  untraced: null,
  'container-trace (trace syscalls --stream --json)': { argv: [process.execPath, CLI, 'trace', 'syscalls', '--stream', '--container', C, '--json'], ready: /^ready$/m },
  'container-trace, none selected (--syscall mount)': { argv: [process.execPath, CLI, 'trace', 'syscalls', '--stream', '--container', C, '--syscall', 'mount', '--json'], ready: /^ready$/m },
  ...(bpftrace ? { 'bpftrace (raw_syscalls:sys_enter, cgroup filter, printf)': { argv: [bpftrace, '-e', `tracepoint:raw_syscalls:sys_enter /cgroup == cgroupid("${cg}")/ { printf("%d %d\\n", tid, args->id); }`], ready: /Attaching/ } } : {}),
  ...(strace ? { 'strace -f -tt -T (in the container)': 'strace' } : {}),
};

const results = [];
for (const f of FLOODS) {
  const runs = Object.fromEntries(Object.keys(TOOLS).map((k) => [k, []]));
  const received = [];
  const dropped = [];
  const droppedKernel = [];
  for (let round = 0; round < RUNS; round++) {
    for (const [name, t] of Object.entries(TOOLS)) {
      if (t === null) runs[name].push(flood(f, f.n));
      else if (t === 'strace') runs[name].push(flood(f, f.straceN, [strace, '-f', '-tt', '-T', '-qq', '-o', '/dev/null']));
      else {
        const p = await start(t.argv, t.ready);
        runs[name].push(flood(f, f.n));
        await sleep(300);
        const err = await p.stop();
        const s = /summary: (\d+) events received, (\d+) dropped \(kernel (\d+)/.exec(err);
        if (s && name.includes('--stream --json')) {
          received.push(Number(s[1]));
          dropped.push(Number(s[2]));
          droppedKernel.push(Number(s[3]));
        }
      }
    }
    log(`${f.name} round ${round + 1}: ${Object.entries(runs).map(([k, v]) => `${k.split(' (')[0]} ${v[v.length - 1]}`).join(', ')}`);
  }
  const base = median(runs.untraced);
  results.push({
    flood: f.name,
    calls: f.n,
    callsPerSec: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])),
    ratio: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, Math.round((median(v) / base) * 1000) / 1000])),
    streamEventsReceived: median(received),
    streamEventsDropped: median(dropped),
    streamEventsDroppedKernel: median(droppedKernel),
  });
}
spawnSync('docker', ['rm', '-f', C], { stdio: 'ignore' });

const fmt = (n) => n.toLocaleString('en-US');
const lines = [
  '## syscall: the stream of calls, against strace and bpftrace',
  '',
  `A flood of syscalls in a container (\`ct-syscall flood\`: getppid in a loop, or openat + close of one file), calls a second as the workload times them, median of ${RUNS} interleaved rounds; ratio = that speed over the untraced run's (1 = no cost). Ours: \`trace syscalls --stream --json\` as root (every call a record, decoded, one JSON line each, to a pipe); "none selected": the kind attached with \`--syscall mount\`, which the flood never calls (each call stopped by the kernel's mask). strace runs in the same container (\`-f -tt -T -qq -o /dev/null\`, fewer calls: ptrace stops each one twice). bpftrace: a raw_syscalls:sys_enter one-liner on the container's cgroup printing each call.`,
  '',
  '| flood | tool | calls/s | ratio to untraced |',
  '|---|---|---:|---:|',
  ...results.flatMap((r) => Object.keys(r.callsPerSec).map((k) => `| ${r.flood} | ${k} | ${fmt(r.callsPerSec[k])} | ${r.ratio[k].toFixed(3)} |`)),
  '',
  ...results.map((r) => `${r.flood}: the stream received ${fmt(r.streamEventsReceived)} records a run (all the container's calls, its sleep included) and dropped ${fmt(r.streamEventsDropped)}, counted (${fmt(r.streamEventsDroppedKernel)} in the kernel, its ring buffer full; the rest in transport, stdout backed up). strace ${r.ratio['strace -f -tt -T (in the container)'] !== undefined ? `is ${(r.ratio['container-trace (trace syscalls --stream --json)'] / r.ratio['strace -f -tt -T (in the container)']).toFixed(1)}× slower for the workload than ours` : 'was not measured (not installed)'}.`),
];
console.log(lines.join('\n'));
console.log(JSON.stringify({ syscall: results }));
