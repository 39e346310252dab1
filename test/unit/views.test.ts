/**
 * The live view's summaries and exports, without VS Code: each kind's
 * summary built from events as a trace delivers them, the CSV of its table,
 * the Perfetto file, and "Copy as CLI" parsed back by the CLI's own parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_KIND_BY_NAME } from '../../src/kinds/client-registry';
import type { ExecEvent, ExitEvent, KindName, OpenEvent, ProctreeEvent, ProfileEvent, SyscallsEvent, TcpEvent, TraceEvent, TraceStartParams, UprobeEvent } from '../../src/protocol';
import type { Panel, TablePanel, TreePanel } from '../../src/webview/panels';
import { perfettoTrace, summaryCsv, eventMicros, jsonLines } from '../../src/ext/model/export';
import { cliCommand } from '../../src/cli/command-line';
import { request } from '../../src/cli/commands/trace';
import { decodeSyscallsEntry, sumSyscalls, syscallsEntry, SYSCALLS_KEY_SIZE, SYSCALLS_VALUE_SIZE } from '../../src/kinds/syscalls/decode';

const base = (pid: number, hostPid: number, comm: string, ns = 0) => ({
  time: `2026-11-22T06:00:0${Math.min(9, ns)}.123456789Z`,
  container: { id: 'c'.repeat(64), name: 'web' },
  pid,
  tid: pid,
  hostPid,
  hostTid: hostPid,
  comm,
});
const summary = (kind: KindName) => CLIENT_KIND_BY_NAME[kind].summary!();
const table = (panels: Panel[]) => panels.find((p): p is TablePanel => p.type === 'table')!;

test('process tree: the child under its parent, command lines, exit codes and signals; exited processes marked', () => {
  const s = summary('exec');
  const execs: ExecEvent[] = [
    { ...base(1, 5001, 'sh'), gadget: 'exec', ppid: 0, hostPpid: 4000, uid: 0, gid: 0, filename: '/bin/sh', args: ['sh', '-c', 'worker'], argsTruncated: false, ret: 0 },
    { ...base(7, 5007, 'worker'), gadget: 'exec', ppid: 1, hostPpid: 5001, uid: 0, gid: 0, filename: '/bin/worker', args: ['worker', '--fast'], argsTruncated: false, ret: 0 },
  ];
  s.add(execs);
  const exits: ExitEvent[] = [{ ...base(7, 5007, 'worker'), gadget: 'exit', exitCode: null, signal: 'SIGKILL', coreDumped: false, lifetimeMs: 1500, thread: false, ppid: 1, hostPpid: 5001 }];
  CLIENT_KIND_BY_NAME.exit.summary!(); // exit builds the same tree
  s.add(exits as never);
  const tree = s.panels().find((p): p is TreePanel => p.type === 'tree')!;
  const child = tree.nodes.find((n) => n.pid === 7)!;
  assert.equal(child.parent, '5001', 'the child hangs under its parent (host PID key)');
  assert.match(child.detail, /worker --fast .*killed by SIGKILL after 1\.5 s/);
  assert.equal(child.ended, true);
  assert.equal(child.failed, true);
  assert.equal(tree.nodes.find((n) => n.pid === 1)!.ended, false);
  const forks: ProctreeEvent[] = [{ ...base(1, 5001, 'sh'), gadget: 'proctree', kind: 'fork', ppid: 0, hostPpid: 4000, childPid: 9, childHostPid: 5009 }];
  const p = summary('proctree');
  p.add(forks);
  assert.equal((p.panels()[0] as TreePanel).nodes.find((n) => n.hostPid === 5009)?.parent, '5001');
  const csv = summaryCsv(s.panels())!;
  assert.match(csv, /^PID,Host PID,Parent PID,Comm,Command and end,Exited\r\n/);
  assert.match(csv, /\r\n7,5007,1,worker,worker --fast .*,yes\r\n/);
});

test('open by path: failures first with their errnos and processes; CSV matches the table', () => {
  const s = summary('open');
  const open = (path: string, errno?: string, pid = 3): OpenEvent => ({ ...base(pid, 5000 + pid, 'app'), gadget: 'open', path, pathTruncated: false, flags: ['O_RDONLY'], mode: null, dirfd: 'AT_FDCWD', syscall: 'openat', fd: errno ? undefined : 3, errno });
  s.add([open('/etc/hosts'), open('/etc/hosts'), open('/etc/hosts'), open('/missing', 'ENOENT'), open('/missing', 'ENOENT', 4), open('/secret', 'EACCES'), open('/a,"b"')]);
  const t = table(s.panels());
  assert.deepEqual(t.rows.map((r) => r.cells[0]), ['/missing', '/secret', '/etc/hosts', '/a,"b"']);
  assert.deepEqual(t.rows[0].cells.slice(1, 5), [2, 2, 'ENOENT ×2', 'app 3, app 4']);
  assert.equal(t.rows[0].failed, true);
  const csv = summaryCsv([t])!.split('\r\n');
  assert.equal(csv[0], 'Path,Opens,Failed,Errors,Processes,PID');
  assert.equal(csv.length - 2, t.rows.length);
  assert.equal(csv[4], '"/a,""b""",1,0,,app 3,3', 'quoted as RFC 4180');
});

test('connections: one row per connection updated through its states (from before its port is chosen), closed ones kept, attribution kept from the task', () => {
  const s = summary('tcp');
  const tcp = (state: string, attributed: TcpEvent['attributed'], extra: Partial<TcpEvent> = {}): TcpEvent => ({
    ...base(attributed === 'none' ? 0 : 12, attributed === 'none' ? 0 : 5012, attributed === 'none' ? '' : 'curl'),
    gadget: 'tcp', family: 'IPv4', saddr: '127.0.0.1', sport: 40000, daddr: '127.0.0.1', dport: 8080, state, oldState: '', durationMs: null, bytesSent: null, bytesReceived: null, attributed, ...extra,
  });
  s.add([tcp('SYN_SENT', 'task', { saddr: '127.0.0.1', sport: 0 }), tcp('SYN_SENT', 'task'), tcp('ESTABLISHED', 'none'), tcp('CLOSE', 'task', { durationMs: 12.5, bytesSent: 100, bytesReceived: 2000 })]);
  s.add([tcp('SYN_SENT', 'task', { sport: 40001 })]);
  const t = table(s.panels());
  assert.equal(t.rows.length, 2);
  const first = t.rows.find((r) => r.cells[2] === '127.0.0.1:40000')!;
  assert.deepEqual(first.cells, [12, 'curl', '127.0.0.1:40000', '127.0.0.1:8080', 'CLOSE', 'SYN_SENT → ESTABLISHED → CLOSE', 12.5, 100, 2000], 'the port-0 SYN_SENT is the same connection');
});

test('syscalls top: rows per process and syscall, rate from the last report, totals and latency across reports; a chart of calls per second', () => {
  const s = summary('syscalls');
  const report = (count: number, errors: number): SyscallsEvent => ({
    ...base(0, 0, ''), gadget: 'syscalls', interval: 1000, totalCalls: count + 5,
    top: [
      { pid: 3, hostPid: 5003, comm: 'app', syscall: 'getppid', count, errors: 0, latencyNs: { total: 0, avg: 0, max: 900, p50: 64, p99: 128, histogram: [[64, count - 1], [1024, 1]] } },
      { pid: 3, hostPid: 5003, comm: 'app', syscall: 'openat', count: 5, errors, latencyNs: { total: 0, avg: 0, max: 5000, p50: 4096, p99: 8192, histogram: [[8192, 5]] } },
    ],
  });
  s.add([report(1000, 2), report(3000, 1)]);
  const panels = s.panels();
  const t = table(panels);
  assert.deepEqual(t.rows[0].cells.slice(0, 6), [3, 'app', 'getppid', 3000, 4000, 0]);
  assert.deepEqual(t.rows[1].cells.slice(2, 6), ['openat', 5, 10, 3]);
  assert.equal(t.rows[1].failed, true);
  assert.deepEqual(t.rows[0].hist, [[64, 3998], [1024, 2]]);
  assert.deepEqual((panels.find((p) => p.type === 'chart') as { points: [number, number][] }).points.map((p) => p[1]), [1005, 3005]);
});

test('syscalls top of a count-only trace: counts and errors, no latency columns nor histograms, the title says latency was not measured; its text line too', () => {
  const s = summary('syscalls');
  const report: SyscallsEvent = {
    ...base(0, 0, ''), gadget: 'syscalls', interval: 1000, totalCalls: 1005, latency: false,
    top: [
      { pid: 3, hostPid: 5003, comm: 'app', syscall: 'getppid', count: 1000, errors: 0 },
      { pid: 3, hostPid: 5003, comm: 'app', syscall: 'openat', count: 5, errors: 2 },
    ],
  };
  s.add([report]);
  const t = table(s.panels());
  assert.match(t.title, /latency not measured/);
  assert.deepEqual(t.columns.map((c) => c.label), ['PID', 'Comm', 'Syscall', 'Calls/s', 'Calls', 'Errors']);
  assert.deepEqual(t.rows.map((r) => r.cells), [[3, 'app', 'getppid', 1000, 1000, 0], [3, 'app', 'openat', 5, 5, 2]]);
  assert.ok(t.rows.every((r) => r.hist === undefined));
  const text = CLIENT_KIND_BY_NAME.syscalls.text(report);
  assert.match(text, /latency not measured/);
  assert.doesNotMatch(text, /p99/);
});

test('uprobe: a latency histogram and calls per second', () => {
  const s = summary('uprobe');
  const calls: UprobeEvent[] = [100, 200, 5000].map((ns, i) => ({ ...base(3, 5003, 'app'), gadget: 'uprobe', target: '/lib/libc.so.6', function: 'malloc', calls: i + 1, latencyNs: ns, args: [1], ret: 0 }));
  s.add(calls);
  const hist = s.panels().find((p) => p.type === 'histogram') as { buckets: [number, number][]; title: string };
  assert.deepEqual(hist.buckets, [[128, 1], [256, 1], [8192, 1]]);
  assert.match(hist.title, /p99 ≤ 5\.0 µs, max 5\.0 µs/);
});

test('Perfetto export: valid trace-event JSON, processes and threads named by container PID and comm, instants, slices and counters', () => {
  const events: TraceEvent[] = [
    { ...base(1, 5001, 'sh', 1), gadget: 'exec', ppid: 0, hostPpid: 4000, uid: 0, gid: 0, filename: '/bin/sh', args: ['sh'], argsTruncated: false, ret: 0 },
    { ...base(3, 5003, 'app', 2), gadget: 'uprobe', target: '/lib/libc.so.6', function: 'malloc', calls: 1, latencyNs: 2000, args: [1], ret: 0 },
    { ...base(0, 0, '', 3), gadget: 'syscalls', interval: 1000, totalCalls: 10, top: [{ pid: 3, hostPid: 5003, comm: 'app', syscall: 'read', count: 10, errors: 0, latencyNs: { total: 0, avg: 0, max: 0, p50: 0, p99: 0, histogram: [] } }] },
  ];
  const trace = JSON.parse(JSON.stringify(perfettoTrace(events))) as { traceEvents: { ph: string; name: string; pid: number; tid?: number; ts?: number; dur?: number; args?: { name?: string } }[] };
  const names = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args!.name);
  assert.ok(names.includes('sh · pid 1 in web (host 5001)'), names.join('; '));
  assert.ok(trace.traceEvents.some((e) => e.ph === 'M' && e.name === 'thread_name' && e.args!.name === 'app · tid 3'));
  const instant = trace.traceEvents.find((e) => e.ph === 'i')!;
  assert.equal(instant.pid, 5001);
  assert.equal(instant.ts, eventMicros(events[0].time));
  assert.equal(eventMicros('2026-11-22T06:00:01.123456789Z'), Date.parse('2026-11-22T06:00:01Z') * 1000 + 123456.789);
  const slice = trace.traceEvents.find((e) => e.ph === 'X')!;
  assert.deepEqual([slice.name, slice.dur, slice.ts! + slice.dur!], ['malloc', 2, eventMicros(events[1].time)]);
  assert.equal(trace.traceEvents.filter((e) => e.ph === 'C').length, 1);
  assert.equal(jsonLines(events).split('\n').length, 4);
});

test('Perfetto export of a profile: per report and process, a counter of samples a second and a slice over the report naming its busiest innermost functions', () => {
  const f = (fn: string, kernel = false) => ({ function: fn, file: null, line: null, module: kernel ? '[kernel]' : '/bin/app', offset: 0, ...(kernel ? { kernel: true as const } : {}) });
  const at = '2026-12-02T05:00:05.000000000Z';
  const prof = (samples: number, stack: ReturnType<typeof f>[], extra: Partial<ProfileEvent> = {}): ProfileEvent => ({ ...base(7, 5007, 'app'), time: at, gadget: 'profile', interval: 5000, samples, totalSamples: 400, stack, ...extra });
  const events: TraceEvent[] = [prof(300, [f('spin'), f('main')]), prof(80, [f('ksys_write', true), f('flush'), f('main')]), prof(20, [f('spin'), f('main')], { ...base(8, 5008, 'w2'), time: at })];
  const trace = perfettoTrace(events);
  const counters = trace.traceEvents.filter((e) => e.ph === 'C');
  assert.deepEqual(counters.map((c) => [c.pid, c.args]), [[5007, { 'CPU samples a second': 76 }], [5008, { 'CPU samples a second': 4 }]], '380 and 20 samples over 5 s');
  const slice = trace.traceEvents.find((e) => e.ph === 'X' && e.pid === 5007)!;
  assert.deepEqual([slice.name, slice.ts, slice.dur], ['profile: spin …', eventMicros(at) - 5e6, 5e6]);
  assert.deepEqual(slice.args, { samples: 380, innermost: { spin: '78.9 %', flush: '21.1 %' } }, 'the user frame under a kernel one');
  assert.ok(trace.traceEvents.some((e) => e.ph === 'M' && e.args?.name === 'app · pid 7 in web (host 5007)'));
  const off = perfettoTrace([prof(3, [f('do_nanosleep', true), f('wait')], { blockedNs: 2_500_000_000, totalBlockedNs: 2_500_000_000 })]);
  assert.deepEqual(off.traceEvents.find((e) => e.ph === 'C')!.args, { 'ms off the CPU a second': 500 });
  assert.deepEqual(off.traceEvents.find((e) => e.ph === 'X')!.args, { blocks: 3, offCpuMs: 2500, innermost: { wait: '100.0 %' } });
});

test('Copy as CLI: the command line parses back to the same trace (container, scope, options, selectors, awkward names)', () => {
  const cases: TraceStartParams[] = [
    { gadget: 'exec', container: 'web', scope: { pid: 12, follow: true } },
    { gadget: 'syscalls', container: 'cri:shop/web-1/nginx', options: { intervalMs: 2500, top: 5 } },
    { gadget: 'syscalls', container: 'web', options: { latency: false } },
    { gadget: 'open', container: "it's web", scope: { tid: 40 }, options: { failedOnly: true }, bufferBytes: 1 << 24 },
    { gadget: 'uprobe', container: 'api', options: { target: 'libc', function: 'malloc' } },
    { gadget: 'tcp', selector: { namespace: 'shop', labels: { app: 'web', tier: 'front' } } },
    { gadget: 'exec', selector: { composeProject: 'demo', composeService: 'db', runtime: 'docker' } },
  ];
  for (const params of cases) {
    const line = cliCommand(params);
    // Split as a POSIX shell would (single quotes only, as shellWord writes them).
    const words = [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]));
    assert.deepEqual(words.slice(0, 2), ['container-trace', 'trace']);
    const parsed = request(words.slice(2)).params;
    const same = (p: TraceStartParams) => JSON.parse(JSON.stringify({ ...p, bufferBytes: p.bufferBytes ?? 8 << 20 })) as unknown;
    assert.deepEqual(same(parsed), same(params), line);
  }
});

test('syscalls per-CPU copies: counts and histograms summed, the largest maximum, names from a copy that has them', () => {
  const key = Buffer.alloc(SYSCALLS_KEY_SIZE);
  key.writeUInt32LE(5003, 0);
  key.writeUInt32LE(110, 4); // getppid
  const copy = (count: number, max: number, named: boolean) => {
    const v = Buffer.alloc(SYSCALLS_VALUE_SIZE);
    v.writeBigUInt64LE(BigInt(count), 0);
    v.writeBigUInt64LE(BigInt(count * 100), 8);
    v.writeBigUInt64LE(BigInt(max), 16);
    if (named) {
      v.writeUInt32LE(7, 24);
      v.write('app\0', 32, 'latin1');
    }
    v.writeUInt32LE(count, 48 + 4 * 6);
    return v;
  };
  // The process moved: the copy of the CPU it started on is not the first one.
  const e = decodeSyscallsEntry(key, [copy(0, 0, false), copy(300, 900, false), copy(200, 5000, true)]);
  assert.deepEqual([e.pid, e.hostPid, e.comm, e.syscall, e.count, e.latencyNs?.max, e.latencyNs?.total], [7, 5003, 'app', 'getppid', 500, 5000, 50000]);
  assert.deepEqual(e.latencyNs?.histogram, [[128, 500]]);
  // Count-only: the same counts, and no latency (the kernel's zeros are not measurements).
  const counted = syscallsEntry(key, sumSyscalls([copy(300, 0, false), copy(200, 0, true)]), false);
  assert.deepEqual(counted, { pid: 7, hostPid: 5003, comm: 'app', syscall: 'getppid', runtime: undefined, count: 500, errors: 0 });
  assert.ok(!('latencyNs' in counted));
});

test('latency percentiles from log2 buckets never exceed the largest latency seen (a bucket bound is not a value)', async () => {
  const { Log2Histogram } = await import('../../src/kinds/shared/rates');
  const h = new Log2Histogram();
  h.merge([[262144, 10], [524288, 1]]); // ≤ 256 µs ×10, ≤ 512 µs ×1, the largest 384 µs
  assert.equal(h.quantile(0.99, 384_000), 384_000);
  assert.equal(h.quantile(0.5, 384_000), 262144);
  assert.equal(h.quantile(0.99), 524288, 'without a known maximum: the bucket bound');
});

test('process tree facts: the kernel lifetime of a proctree exit, busybox applets by argv[0], parents it never saw start, exits it cannot see', () => {
  const p = summary('proctree');
  // exec and exit in one batch: the lifetime is the kernel's (5 s), not the time between the two rows.
  p.add([
    { ...base(9, 5009, 'sleep'), gadget: 'proctree', kind: 'exec', ppid: 1, hostPpid: 5001, filename: '/bin/sleep' },
    { ...base(9, 5009, 'sleep'), gadget: 'proctree', kind: 'exit', ppid: 1, hostPpid: 5001, exitCode: 0, signal: null, lifetimeMs: 5003 },
  ] as ProctreeEvent[]);
  const ptree = p.panels()[0] as TreePanel;
  assert.match(ptree.nodes.find((n) => n.pid === 9)!.detail, /exit 0 after 5\.0 s/);
  assert.match(ptree.nodes.find((n) => n.pid === 1)!.detail, /started before the trace/, 'proctree sees forks: an unseen parent predates the trace');
  // A busybox applet exec'd as /proc/self/exe: named by the argv[0] the kernel read.
  p.add([{ ...base(10, 5010, 'exe'), gadget: 'proctree', kind: 'exec', ppid: 1, hostPpid: 5001, filename: '/proc/self/exe', argv0: 'sleep' }] as ProctreeEvent[]);
  const busybox = (p.panels()[0] as TreePanel).nodes.find((n) => n.pid === 10)!;
  assert.equal(busybox.label, 'sleep', 'proctree: the applet by argv[0], not "exe"');
  assert.match(busybox.detail, /^sleep +\(kernel: \/proc\/self\/exe, comm exe\)/);

  const e = summary('exec');
  e.add([{ ...base(12, 5012, 'exe'), gadget: 'exec', ppid: 11, hostPpid: 5011, uid: 0, gid: 0, filename: '/proc/self/exe', args: ['wget', '-q', 'http://127.0.0.1/'], argsTruncated: false, ret: 0 }] as ExecEvent[]);
  const etree = e.panels()[0] as TreePanel;
  const applet = etree.nodes.find((n) => n.pid === 12)!;
  assert.equal(applet.label, 'wget', 'busybox applet named by argv[0]');
  assert.match(applet.detail, /wget -q http:\/\/127\.0\.0\.1\/ +\(kernel: \/proc\/self\/exe, comm exe\)/);
  const parent = etree.nodes.find((n) => n.pid === 11)!;
  assert.doesNotMatch(parent.detail, /before the trace/, 'exec cannot know: a subshell forked during the trace looks the same');
  assert.match(parent.detail, /not seen starting \(exec does not see forks\)/);
  assert.match(summaryCsv(e.panels())!, /\r\n12,5012,11,wget,.*,not traced\r\n/, 'exec sees no exits: the CSV does not claim "no"');
});
