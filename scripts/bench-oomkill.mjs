#!/usr/bin/env node
// The oomkill kind's cost (run as root: `node scripts/bench-oomkill.mjs [--quick]`).
// OOM kills are rare; what a trace costs is on the paths its programs sit on:
// oom/mark_victim itself (a kill), signal_generate (its program for kernels
// before 6.9: on newer ones it returns at once) and fork/exit (the scope
// programs every object has). Three floods in a 48 MiB container, each
// untraced, with `container-trace trace oomkill`, and with a bpftrace
// one-liner on the same tracepoint, interleaved, medians of the runs, ratios
// against the untraced run of the same round. Prints the markdown section,
// then one JSON line of the figures.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
const C = `ct-bench-oomkill-${process.pid}`;
const CLI = join(root, 'bin', 'container-trace');
const log = (m) => process.stderr.write(`[bench-oomkill] ${m}\n`);
const sh = (cmd, a) => execFileSync(cmd, a, { encoding: 'utf8' }).trim();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (process.getuid() !== 0) {
  console.error('bench-oomkill: needs root (it loads BPF programs)');
  process.exit(1);
}
log('building');
execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
sh('bash', [join(root, 'scripts/make-image.sh')]);
spawnSync('docker', ['rm', '-f', C], { stdio: 'ignore' });
sh('docker', ['run', '-d', '--network', 'none', '--memory', '48m', '--memory-swap', '48m', '--label', 'container-trace.test=1', '--name', C, 'container-trace/busybox:latest', 'sleep', '3600']);

const FORKS = quick ? 1000 : 3000;
const SIGNALS = quick ? 50_000 : 200_000;
const KILLS = quick ? 3 : 5;
/** Each flood: what it runs in the container, what it counts. */
const FLOODS = [
  { name: 'fork+exit', unit: 'processes/s', n: FORKS, cmd: `i=0; while [ $i -lt ${FORKS} ]; do /bin/true; i=$((i+1)); done` },
  { name: 'signals', unit: 'signals/s', n: SIGNALS, cmd: `trap : USR1; i=0; while [ $i -lt ${SIGNALS} ]; do kill -USR1 $$; i=$((i+1)); done` },
  { name: 'OOM kills', unit: 'kills/s', n: KILLS, cmd: `i=0; while [ $i -lt ${KILLS} ]; do sh -c 'exec tail /dev/zero'; i=$((i+1)); done; true` },
];

function timed(cmd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('docker', ['exec', C, 'sh', '-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`workload failed (${r.status}): ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** A tracer started and ready (its stderr says so), with a stop that ends it. */
async function start(argv, ready) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  // bpftrace says "Attaching 1 probe..." on stdout, ours "ready" on stderr: both looked at.
  child.stdout.on('data', (d) => (err += d));
  child.stderr.on('data', (d) => (err += d));
  const until = Date.now() + 30_000;
  while (!ready.test(err)) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`${argv.join(' ')} did not start: ${err}`);
    await sleep(50);
  }
  await sleep(300);
  return async () => {
    child.kill('SIGINT');
    await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    return err;
  };
}

const TRACERS = {
  none: null,
  ours: () => start([process.execPath, CLI, 'trace', 'oomkill', '--container', C, '--json'], /^ready$/m),
  bpftrace: () => start(['bpftrace', '-e', 'tracepoint:oom:mark_victim { printf("%d %s\\n", args->pid, str(args->comm)); }'], /Attaching 1 probe/),
};

const results = {};
try {
  for (const f of FLOODS) {
    const secs = { none: [], ours: [], bpftrace: [] };
    for (let run = 0; run < RUNS; run++) {
      // Interleaved, in a different order each round: the machine's drift falls on all three.
      const order = Object.keys(TRACERS);
      for (let i = 0; i < run % order.length; i++) order.push(order.shift());
      for (const who of order) {
        const stop = TRACERS[who] ? await TRACERS[who]() : null;
        secs[who].push(timed(f.cmd));
        if (stop) await stop();
      }
      log(`${f.name} round ${run + 1}: ${Object.entries(secs).map(([k, v]) => `${k} ${v[v.length - 1].toFixed(3)} s`).join(', ')}`);
    }
    const m = Object.fromEntries(Object.entries(secs).map(([k, v]) => [k, median(v)]));
    results[f.name] = {
      unit: f.unit,
      n: f.n,
      rate: Object.fromEntries(Object.entries(m).map(([k, s]) => [k, Math.round(f.n / s)])),
      slowdown: { ours: +(m.ours / m.none).toFixed(3), bpftrace: +(m.bpftrace / m.none).toFixed(3) },
    };
  }
} finally {
  spawnSync('docker', ['rm', '-f', C], { stdio: 'ignore' });
}

const kernel = sh('uname', ['-r']);
const lines = [
  '## oomkill',
  '',
  `Three floods in a 48 MiB container (${kernel}, ${RUNS} interleaved runs each, medians): untraced, with`,
  '`container-trace trace oomkill`, and with `bpftrace -e \'tracepoint:oom:mark_victim { printf(...) }\'`.',
  'Time taken relative to the untraced run (1.00 = no cost).',
  '',
  '| Flood | Untraced | Container Trace | bpftrace | Container Trace / untraced | bpftrace / untraced |',
  '|---|---|---|---|---|---|',
  ...Object.entries(results).map(([name, r]) => `| ${name} (${r.n}) | ${r.rate.none} ${r.unit} | ${r.rate.ours} ${r.unit} | ${r.rate.bpftrace} ${r.unit} | ${r.slowdown.ours.toFixed(2)} | ${r.slowdown.bpftrace.toFixed(2)} |`),
  '',
];
console.log(lines.join('\n'));
console.log(JSON.stringify({ oomkill: results }));
