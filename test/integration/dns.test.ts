/**
 * trace dns against a real name server (test/fixtures/dns-server.py) on the
 * loopback of a container with no network, asked by glibc (getent, Python's
 * socket module) and busybox's nslookup: every query the server logged is
 * one event with its name, type, rcode, answers, server and protocol, and a
 * latency no shorter than the server took; the silent name times out, the
 * truncated answer is asked again over TCP; a lookup in another container
 * is not seen.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, docker, IMAGE, removeContainers, skipReason, sleep, startHelper, traceCli, waitFor } from '../support/integration';
import { TraceReceiver } from '../../src/client/trace-receiver';
import { REPO } from '../support/paths';
import { TraceEnded, TraceStart, TraceStop, type DnsEvent } from '../../src/protocol';

const skip = skipReason();
const C = `ct-it-dns-${process.pid}`;
const OTHER = `ct-it-dns-other-${process.pid}`;
const RCODES: Record<string, string> = { 0: 'NOERROR', 2: 'SERVFAIL', 3: 'NXDOMAIN' };
const QTYPES: Record<number, string> = { 1: 'A', 28: 'AAAA' };

interface Logged {
  protocol: 'udp' | 'tcp';
  name: string;
  qtype: number;
  txid: number;
  rcode: number | null;
  tc?: boolean;
  received: number;
  answered: number | null;
}

let dir = '';

/** A container with glibc and python3 (the host's /usr and /lib, read-only), its resolver the fixture server on its loopback. */
function startServer(name: string): void {
  removeContainers(name);
  docker(
    'run', '-d', '--network', 'none', '--label', 'container-trace.test=1', '--name', name,
    ...['/usr', '/lib', '/lib64'].flatMap((m) => ['-v', `${m}:${m}:ro`]),
    '-v', `${path.join(REPO, 'test', 'fixtures')}:/fixtures:ro`,
    '-v', `${path.join(dir, 'resolv.conf')}:/etc/resolv.conf:ro`,
    '-v', `${path.join(dir, 'nsswitch.conf')}:/etc/nsswitch.conf:ro`,
    IMAGE, 'sh', '-c', 'exec python3 /fixtures/dns-server.py > /tmp/server.log 2>&1',
  );
}

const serverLog = (name: string): Logged[] =>
  docker('exec', name, 'cat', '/tmp/server.log').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Logged & { ready?: true }).filter((l) => !l.ready);

/** Run `cmd` in C by sh, its first output line its PID (it execs the client or prints its own); a failed lookup's exit status is no error. */
function run(cmd: string): { pid: number; out: string } {
  const out = spawnSync('docker', ['exec', C, 'sh', '-c', cmd], { encoding: 'utf8' }).stdout;
  return { pid: Number(out.split('\n')[0]), out };
}

describe('trace dns (integration)', { skip }, () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-dns-'));
    // One try of one second per query: the silent name costs seconds, not tens.
    fs.writeFileSync(path.join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
    fs.writeFileSync(path.join(dir, 'nsswitch.conf'), 'hosts: dns\n');
    startServer(C);
    startServer(OTHER);
    for (const n of [C, OTHER]) await waitFor(`the DNS server in ${n}`, () => docker('exec', n, 'cat', '/tmp/server.log').includes('"ready"'));
  });
  after(() => {
    removeContainers(C, OTHER);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every query the server saw is one event: name, type, rcode, answers, latency, server, protocol, the asking process; timeouts; TCP after TC', async () => {
    const t = traceCli('dns', '--container', C, '--timeout', '2');
    await t.ready;
    // Lookups in another container all along: none may show up.
    docker('exec', '-d', OTHER, 'sh', '-c', 'for i in $(seq 40); do getent hosts outside.ct.test; sleep 0.1; done');
    const getent = run('echo $$; exec getent hosts a.ct.test');
    assert.match(getent.out, /fd00::1\s+a\.ct\.test/);
    const py = run(`exec python3 -c '
import os, socket
print(os.getpid(), flush=True)
print(socket.gethostbyname_ex("alias.ct.test"))
print(socket.gethostbyname("slow.ct.test"))
print(socket.gethostbyname("big.ct.test"))
for n in ("missing.ct.test", "broken.ct.test"):
    try:
        socket.gethostbyname(n)
    except OSError as e:
        print(n, e)
# An unconnected UDP socket: the server is the datagram address, not a peer of the socket.
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes.fromhex("424201000001000000000000") + bytes([3]) + b"raw" + bytes([2]) + b"ct" + bytes([4]) + b"test" + bytes.fromhex("0000010001"), ("127.0.0.1", 53))
print(s.recvfrom(512)[1])
'`);
    assert.match(py.out, /10\.0\.0\.9/);
    const ns = run('echo $$; exec nslookup a.ct.test 127.0.0.1');
    const silent = run('echo $$; exec getent hosts silent.ct.test');
    const evs = (): DnsEvent[] => t.events as unknown as DnsEvent[];
    await waitFor('both silent queries timed out', () => evs().filter((e) => e.name === 'silent.ct.test').length === 2, 15_000);
    await sleep(300);
    assert.equal(await t.stop(), 0, t.stderr());
    assert.match(t.stderr(), /summary: \d+ events received, 0 dropped/);

    const all = evs();
    // Nothing from the other container, every event this container's.
    assert.ok(!all.some((e) => e.name === 'outside.ct.test'), 'a lookup in another container was reported');
    for (const e of all) assert.equal(e.container.name, C);
    // Exactly the server's queries (the other container's server has its own log), one event each.
    const logged = serverLog(C);
    const key = (p: string, txid: number, name: string, qtype: string) => `${p} ${txid} ${name} ${qtype}`;
    assert.deepEqual(all.map((e) => key(e.protocol, e.txid, e.name, e.qtype)).sort(), logged.map((l) => key(l.protocol, l.txid, l.name, QTYPES[l.qtype])).sort());
    for (const l of logged) {
      const e = all.find((x) => x.txid === l.txid && x.protocol === l.protocol && x.name === l.name)!;
      assert.equal(e.server, '127.0.0.1:53');
      if (l.answered === null) {
        assert.equal(e.rcode, 'TIMEOUT');
        assert.equal(e.unanswered, 'timeout');
        assert.equal(e.latencyNs, 2e9);
        continue;
      }
      assert.equal(e.rcode, RCODES[l.rcode!]);
      assert.equal(e.tc, l.tc ? true : undefined);
      // From the send to the receive: at least what the server took between receiving and answering.
      assert.ok(e.latencyNs! >= l.answered - l.received, `${e.name} ${e.qtype}: ${e.latencyNs} ns < the server's ${l.answered - l.received} ns`);
    }
    const one = (pid: number, name: string, qtype: string, protocol = 'udp') => {
      const found = all.filter((e) => e.pid === pid && e.name === name && e.qtype === qtype && e.protocol === protocol);
      assert.equal(found.length, 1, `${name} ${qtype} ${protocol} of PID ${pid}: ${JSON.stringify(all)}`);
      return found[0];
    };
    // getent hosts asks AAAA first, and has its answer.
    const g = one(getent.pid, 'a.ct.test', 'AAAA');
    assert.equal(g.comm, 'getent');
    assert.deepEqual(g.answers, ['fd00::1']);
    assert.ok(g.hostPid > g.pid);
    // Python (glibc's gethostbyname): a CNAME chain, a slow answer, NXDOMAIN, SERVFAIL, TC then TCP.
    // (gethostbyname_ex asks twice, the server's log says: each its own exchange.)
    const alias = all.filter((e) => e.pid === py.pid && e.name === 'alias.ct.test');
    assert.equal(alias.length, logged.filter((l) => l.name === 'alias.ct.test').length);
    for (const e of alias) assert.deepEqual([e.qtype, e.answers], ['A', ['a.ct.test', '10.0.0.1', '10.0.0.2']]);
    const slow = one(py.pid, 'slow.ct.test', 'A');
    assert.deepEqual(slow.answers, ['10.0.0.3']);
    assert.ok(slow.latencyNs! >= 300e6, `slow: ${slow.latencyNs}`);
    assert.equal(one(py.pid, 'missing.ct.test', 'A').rcode, 'NXDOMAIN');
    assert.equal(one(py.pid, 'broken.ct.test', 'A').rcode, 'SERVFAIL');
    const raw = one(py.pid, 'raw.ct.test', 'A');
    assert.deepEqual([raw.txid, raw.rcode, raw.server], [0x4242, 'NXDOMAIN', '127.0.0.1:53']);
    const udp = one(py.pid, 'big.ct.test', 'A');
    assert.equal(udp.tc, true);
    assert.deepEqual(udp.answers, []);
    const tcp = one(py.pid, 'big.ct.test', 'A', 'tcp');
    assert.deepEqual(tcp.answers, ['10.0.0.9']);
    assert.equal(tcp.rcode, 'NOERROR');
    assert.equal(tcp.comm, 'python3');
    for (const e of all.filter((x) => x.pid === py.pid)) assert.equal(e.comm, 'python3');
    // busybox nslookup: A and AAAA.
    assert.deepEqual(one(ns.pid, 'a.ct.test', 'A').answers, ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(one(ns.pid, 'a.ct.test', 'AAAA').answers, ['fd00::1']);
    assert.equal(one(ns.pid, 'a.ct.test', 'A').comm, 'nslookup');
    // The silent name: AAAA, then A, neither answered.
    assert.equal(one(silent.pid, 'silent.ct.test', 'AAAA').rcode, 'TIMEOUT');
    assert.equal(one(silent.pid, 'silent.ct.test', 'A').rcode, 'TIMEOUT');
    for (const e of all) if (e.rcode !== 'TIMEOUT') assert.ok(e.latencyNs! > 0);
  });

  test('a query still waiting when the trace ends is reported as such (TIMEOUT, no answer before the trace ended)', async () => {
    const t = traceCli('dns', '--container', C, '--timeout', '60');
    await t.ready;
    const before = serverLog(C).length;
    docker('exec', '-d', C, 'sh', '-c', 'exec getent hosts silent.ct.test');
    await waitFor('the server saw the query', () => serverLog(C).length > before);
    assert.equal(await t.stop(), 0, t.stderr());
    const evs = t.events as unknown as DnsEvent[];
    const e = evs.find((x) => x.name === 'silent.ct.test' && x.qtype === 'AAAA');
    assert.ok(e, JSON.stringify(evs));
    assert.equal(e.rcode, 'TIMEOUT');
    assert.equal(e.unanswered, 'trace ended');
    assert.ok(e.latencyNs! > 0 && e.latencyNs! < 60e9);
    assert.equal(e.comm, 'getent');
  });

  test('a query with no answer is reported once its timeout passed, while the trace runs and no other records come', async () => {
    const t = traceCli('dns', '--container', C, '--timeout', '1');
    await t.ready;
    const silent = run('echo $$; exec getent hosts silent.ct.test');
    const evs = () => (t.events as unknown as DnsEvent[]).filter((e) => e.pid === silent.pid);
    // The A query is the last record of the trace: its TIMEOUT comes from the wait alone.
    await waitFor('both timeouts', () => evs().length === 2, 15_000);
    assert.equal(await t.stop(), 0, t.stderr());
    assert.deepEqual(evs().map((e) => [e.qtype, e.rcode, e.unanswered, e.latencyNs]).sort(), [['A', 'TIMEOUT', 'timeout', 1e9], ['AAAA', 'TIMEOUT', 'timeout', 1e9]]);
  });

  test('--port: only sockets whose peer has that port are read', async () => {
    const t = traceCli('dns', '--container', C, '--port', '5353');
    await t.ready;
    const before = serverLog(C).length;
    run('echo $$; exec getent hosts a.ct.test');
    await waitFor('the server answered', () => serverLog(C).length > before);
    await sleep(500);
    assert.equal(await t.stop(), 0, t.stderr());
    assert.deepEqual(t.events, []);
    assert.match(t.stderr(), /summary: 0 events received/);
  });

  test('through the helper as the extension takes it: paired events, and the held query at trace/ended', async () => {
    const helper = await startHelper();
    const events: DnsEvent[] = [];
    let ended = false;
    const receiver = new TraceReceiver((_id, batch) => events.push(...(batch as DnsEvent[])));
    receiver.listen(helper.connection);
    // As src/ext/helper.ts does: what the decoder holds comes out before the end is told.
    helper.connection.onNotification(TraceEnded, (p) => {
      receiver.ended(p.sessionId);
      ended = true;
    });
    const options = { dnsTimeoutMs: 60_000 };
    const result = await helper.connection.sendRequest(TraceStart, { gadget: 'dns', container: C, options });
    receiver.started('dns', result, options);
    const g = run('echo $$; exec getent hosts alias.ct.test');
    await waitFor('the answered lookup', () => events.some((e) => e.pid === g.pid && e.rcode === 'NOERROR'));
    const before = serverLog(C).length;
    docker('exec', '-d', C, 'sh', '-c', 'exec getent hosts silent.ct.test');
    await waitFor('the server saw the silent query', () => serverLog(C).length > before);
    await sleep(300);
    await helper.connection.sendRequest(TraceStop, { sessionId: result.sessionId });
    await waitFor('trace/ended', () => ended);
    helper.child.stdin!.end();
    await helper.exited;
    const ok = events.find((e) => e.pid === g.pid)!;
    assert.deepEqual([ok.name, ok.qtype, ok.answers], ['alias.ct.test', 'AAAA', ['a.ct.test', 'fd00::1']]);
    const held = events.find((e) => e.name === 'silent.ct.test');
    assert.ok(held, JSON.stringify(events));
    assert.deepEqual([held.rcode, held.unanswered], ['TIMEOUT', 'trace ended']);
  });

  test('no dns program stays loaded after the traces ended', () => {
    const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as { name?: string }[];
    assert.deepEqual(progs.filter((p) => /^dns_/.test(p.name ?? '')), []);
  });

  test('bad options are refused with what to give', () => {
    const r = traceCliSync('dns', '--container', C, '--timeout', 'soon');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--timeout must be 0\.1 to 600 seconds/);
    const p = traceCliSync('dns', '--container', C, '--port', '70000');
    assert.equal(p.code, 2);
    assert.match(p.stderr, /--port must be a whole number from 1 to 65535/);
  });
});

function traceCliSync(...args: string[]) {
  return cli('trace', ...args, '--json');
}
