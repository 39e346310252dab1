#!/usr/bin/env node
// The dns kind's cost (run as root: `node scripts/bench-dns.mjs [--quick]`).
// Two floods in a container with no network whose resolver is the test
// fixture server (test/fixtures/dns-server.py) on its loopback: lookups
// (Python's socket.gethostbyname in a loop, glibc's resolver over UDP), and
// plain reads and writes of a pipe (`dd bs=1`: the dns programs sit on
// read/write too, for DNS over TCP, and look at every call's fd in the
// container). Each untraced, with `container-trace trace dns`, and with a
// bpftrace one-liner printing the container's sendto/sendmmsg/recvfrom (what
// glibc's resolver calls over UDP: the nearest peer on a kernel without
// kprobes), interleaved, medians of the runs, ratios against the untraced run
// of the same round. Prints the markdown section, then one JSON line.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
const C = `ct-bench-dns-${process.pid}`;
const CLI = join(root, 'bin', 'container-trace');
const log = (m) => process.stderr.write(`[bench-dns] ${m}\n`);
const sh = (cmd, a) => execFileSync(cmd, a, { encoding: 'utf8' }).trim();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (process.getuid() !== 0) {
  console.error('bench-dns: needs root (it loads BPF programs)');
  process.exit(1);
}
const bpftrace = spawnSync('sh', ['-c', 'command -v bpftrace'], { encoding: 'utf8' }).stdout.trim();
log('building');
execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
sh('bash', [join(root, 'scripts/make-image.sh')]);
const dir = mkdtempSync(join(tmpdir(), 'ct-bench-dns-'));
writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
writeFileSync(join(dir, 'nsswitch.conf'), 'hosts: dns\n');
spawnSync('docker', ['rm', '-f', C], { stdio: 'ignore' });
sh('docker', [
  'run', '-d', '--network', 'none', '--label', 'container-trace.test=1', '--name', C,
  ...['/usr', '/lib', '/lib64'].flatMap((m) => ['-v', `${m}:${m}:ro`]),
  '-v', `${join(root, 'test', 'fixtures')}:/fixtures:ro`,
  '-v', `${join(dir, 'resolv.conf')}:/etc/resolv.conf:ro`, '-v', `${join(dir, 'nsswitch.conf')}:/etc/nsswitch.conf:ro`,
  'container-trace/busybox:latest', 'sh', '-c', 'exec python3 /fixtures/dns-server.py > /dev/null 2>&1',
]);
const id = sh('docker', ['inspect', '-f', '{{.Id}}', C]);
const cg = `/sys/fs/cgroup/unified/docker/${id}`;
for (let i = 0; i < 100 && spawnSync('docker', ['exec', C, 'getent', 'hosts', 'a.ct.test']).status !== 0; i++) await sleep(100);

const LOOKUPS = quick ? 1500 : 4000;
const BYTES = quick ? 100_000 : 300_000;
const FLOODS = [
  { name: 'lookups', unit: 'lookups/s', n: LOOKUPS, cmd: `python3 -c 'import socket\nfor i in range(${LOOKUPS}): socket.gethostbyname("a.ct.test")'` },
  { name: 'reads+writes (not DNS)', unit: 'calls/s', n: BYTES * 2, cmd: `dd if=/dev/zero bs=1 count=${BYTES} 2>/dev/null | cat > /dev/null` },
  // A process outside the trace pays too: the raw tracepoints run for every syscall on the host.
  { name: 'reads+writes of a host process (outside the trace)', unit: 'calls/s', n: BYTES * 2, host: true, cmd: `dd if=/dev/zero of=/dev/null bs=1 count=${BYTES} 2>/dev/null` },
];

function timed(cmd, host) {
  const t0 = process.hrtime.bigint();
  const r = host ? spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }) : spawnSync('docker', ['exec', C, 'sh', '-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`workload failed (${r.status}): ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** A tracer started and ready (its output says so), with a stop that ends it. */
async function start(argv, ready) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  // Its output is read (and dropped past the first lines) as a terminal or a pipe would take it.
  child.stdout.on('data', (d) => (err = err.length < 4096 ? err + d : err));
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
  };
}

const CALLS = ['sendto', 'sendmsg', 'sendmmsg', 'write', 'writev', 'recvfrom', 'recvmsg', 'recvmmsg', 'read', 'readv'];
const TRACERS = {
  none: null,
  ours: () => start([process.execPath, CLI, 'trace', 'dns', '--container', C, '--json'], /^ready$/m),
  ...(bpftrace
    ? {
        bpftrace: () =>
          start(
            [bpftrace, '-e', `tracepoint:syscalls:sys_enter_sendto,tracepoint:syscalls:sys_enter_sendmmsg /cgroup == cgroupid("${cg}")/ { printf("%d %s send fd %d\\n", pid, comm, args->fd); } tracepoint:syscalls:sys_exit_recvfrom /cgroup == cgroupid("${cg}")/ { printf("%d %s recv %d\\n", pid, comm, args->ret); }`],
            /Attaching \d+ probes/,
          ),
        // The floor of being on the same calls as ours (enter and exit of all ten), counting only.
        'bpftrace-same-calls': () =>
          start(
            [bpftrace, '-e', `${CALLS.flatMap((c) => [`tracepoint:syscalls:sys_enter_${c}`, `tracepoint:syscalls:sys_exit_${c}`]).join(',')} /cgroup == cgroupid("${cg}")/ { @[probe] = count(); }`],
            /Attaching \d+ probes/,
          ),
      }
    : {}),
};

const results = {};
try {
  for (const f of FLOODS) {
    const secs = Object.fromEntries(Object.keys(TRACERS).map((k) => [k, []]));
    for (let run = 0; run < RUNS; run++) {
      // Interleaved, in a different order each round: the machine's drift falls on all of them.
      const order = Object.keys(TRACERS);
      for (let i = 0; i < run % order.length; i++) order.push(order.shift());
      for (const who of order) {
        const stop = TRACERS[who] ? await TRACERS[who]() : null;
        secs[who].push(timed(f.cmd, f.host));
        if (stop) await stop();
      }
      log(`${f.name} round ${run + 1}: ${Object.entries(secs).map(([k, v]) => `${k} ${v[v.length - 1].toFixed(3)} s`).join(', ')}`);
    }
    const m = Object.fromEntries(Object.entries(secs).map(([k, v]) => [k, median(v)]));
    results[f.name] = {
      unit: f.unit,
      n: f.n,
      rate: Object.fromEntries(Object.entries(m).map(([k, s]) => [k, Math.round(f.n / s)])),
      slowdown: Object.fromEntries(Object.keys(m).filter((k) => k !== 'none').map((k) => [k, +(m[k] / m.none).toFixed(3)])),
    };
  }
} finally {
  spawnSync('docker', ['rm', '-f', C], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

const kernel = sh('uname', ['-r']);
const na = (v) => (v === undefined ? 'n/a' : v);
const lines = [
  '## dns',
  '',
  `Three floods, two in a container with no network whose resolver is the fixture server on its loopback (${kernel}, ${RUNS} interleaved runs each, medians):`,
  'Python `socket.gethostbyname` in a loop (glibc over UDP: a query and its answer a lookup), and reads and writes that are not DNS',
  '(`dd bs=1 | cat`: the dns programs are on read/write too, for DNS over TCP), and the same on the host, outside the trace. Untraced, with `container-trace trace dns --json`',
  '(one event a lookup: query and answer paired, the answer parsed), and with a bpftrace one-liner printing the container\'s',
  '`sendto`/`sendmmsg` entries and `recvfrom` exits (two lines a lookup, no payload, no pairing, not on read/write).',
  'Also bpftrace on the same ten calls\' enter and exit as ours, counting only: the floor of being on those tracepoints',
  '(ours uses raw `sys_enter`/`sys_exit` where the kernel has them). Time taken relative to the untraced run (1.00 = no cost).',
  '',
  '| Flood | Untraced | Container Trace | bpftrace (sendto/recvfrom, printing) | bpftrace (same calls, counting) | Container Trace / untraced | bpftrace / untraced | bpftrace same calls / untraced |',
  '|---|---|---|---|---|---|---|---|',
  ...Object.entries(results).map(
    ([name, r]) =>
      `| ${name} (${r.n}) | ${r.rate.none} ${r.unit} | ${r.rate.ours} ${r.unit} | ${na(r.rate.bpftrace)} | ${na(r.rate['bpftrace-same-calls'])} | ${r.slowdown.ours.toFixed(2)} | ${r.slowdown.bpftrace?.toFixed(2) ?? 'n/a'} | ${r.slowdown['bpftrace-same-calls']?.toFixed(2) ?? 'n/a'} |`,
  ),
  '',
];
console.log(lines.join('\n'));
console.log(JSON.stringify({ dns: results }));
