import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseCmdline, parseNsLink, parseStatus } from '../../src/proc/status';
import { ProcFs } from '../../src/proc/procfs';
import { scanContainer, ContainerGoneError } from '../../src/proc/container';
import { PidTable, UnknownPidError } from '../../src/proc/translate';
import { makeProcTree } from '../support/fake-proc';

const CONTAINER_NS = 4026532859;
const OTHER_NS = 4026532900;
const NESTED_NS = 4026533000;
const HOST_NS = 4026531836;
const ID = 'a7e4d10e87e1d749cd0c44f70c352ce62924462d36161621722221b4f2f01639';

/** A host with one container (init 3116 → 1), an exec'd shell, a nested namespace and a neighbour. */
function hostTree(readableNs = true, selfPidns?: number) {
  const ns = (n: number) => (readableNs ? n : undefined);
  const cg = `12:pids:/docker/${ID}\n`;
  return makeProcTree([
    { nspid: [1], name: 'systemd', ppid: 0, pidns: HOST_NS },
    { nspid: [3000], name: 'containerd-shim', ppid: 1, pidns: HOST_NS },
    { nspid: [3116, 1], name: 'sh', ppid: 3000, pidns: ns(CONTAINER_NS), cmdline: ['sh', '-c', 'sleep 1000'], cgroup: cg },
    { nspid: [3120, 7], name: 'nginx', ppid: 3116, pidns: ns(CONTAINER_NS), uid: 101, cgroup: cg, threads: [[3121, 8], [3122, 9]] },
    // docker exec: parent is the shim, outside the container
    { nspid: [4000, 20], name: 'bash', ppid: 3000, pidns: ns(CONTAINER_NS), cgroup: cg },
    // unshare -p -f inside the container: a nested namespace
    { nspid: [4100, 21], name: 'unshare', ppid: 4000, pidns: ns(CONTAINER_NS), cgroup: cg },
    { nspid: [4101, 22, 1], name: 'sandbox', ppid: 4100, pidns: ns(NESTED_NS), cgroup: cg },
    { nspid: [4102, 23, 2], name: 'worker', ppid: 4101, pidns: ns(NESTED_NS), cgroup: cg },
    // another container at the same level, with the same inner PIDs
    { nspid: [5000, 1], name: 'redis', ppid: 3000, pidns: ns(OTHER_NS), cgroup: '12:pids:/docker/ffff\n' },
    { nspid: [5001, 7], name: 'redis-cli', ppid: 5000, pidns: ns(OTHER_NS), cgroup: '12:pids:/docker/ffff\n' },
  ], undefined, selfPidns);
}

/** A ProcFs that counts the status files it reads. */
class CountingProcFs extends ProcFs {
  statusReads = 0;
  override status(pid: number, tid?: number) {
    if (tid === undefined) this.statusReads++;
    return super.status(pid, tid);
  }
}

describe('status parsing', () => {
  test('NSpid, NStgid, PPid, Uid, Name', () => {
    const s = parseStatus('Name:\tnginx\nTgid:\t3120\nPid:\t3121\nPPid:\t3116\nUid:\t101\t101\t101\t101\nNStgid:\t3120\t7\nNSpid:\t3121\t8\nThreads:\t3\n');
    assert.deepEqual(s, { name: 'nginx', tgid: 3120, pid: 3121, ppid: 3116, uid: 101, nspid: [3121, 8], nstgid: [3120, 7], threads: 3 });
  });
  test('a kernel without NSpid has one level', () => {
    const s = parseStatus('Name:\tx\nTgid:\t5\nPid:\t5\nPPid:\t1\n');
    assert.deepEqual(s.nspid, [5]);
  });
  test('names with spaces and colons survive', () => {
    assert.equal(parseStatus('Name:\tnginx: worker\nTgid:\t5\nPid:\t5\n').name, 'nginx: worker');
  });
  test('garbage is an error', () => {
    assert.throws(() => parseStatus('hello'), /no Pid/);
  });
  test('namespace links and cmdlines', () => {
    assert.equal(parseNsLink('pid:[4026532859]'), 4026532859);
    assert.throws(() => parseNsLink('mnt'), /not a namespace link/);
    assert.deepEqual(parseCmdline(Buffer.from('sh\0-c\0echo hi\0')), ['sh', '-c', 'echo hi']);
    assert.deepEqual(parseCmdline(''), []);
  });
});

describe('container processes', () => {
  const container = { id: ID, name: 'web', hostPid: 3116 };

  test('members by PID namespace, nested ones included, neighbours excluded', () => {
    const scan = scanContainer(container, new ProcFs(hostTree()));
    assert.equal(scan.membership, 'pidns');
    assert.equal(scan.level, 1);
    assert.equal(scan.pidns, CONTAINER_NS);
    assert.deepEqual(
      scan.processes.map((p) => [p.pid, p.hostPid, p.comm]),
      [
        [1, 3116, 'sh'],
        [7, 3120, 'nginx'],
        [20, 4000, 'bash'],
        [21, 4100, 'unshare'],
        [22, 4101, 'sandbox'],
        [23, 4102, 'worker'],
      ],
    );
  });

  test('parents at the container level; 0 when outside; full NSpid chains', () => {
    const scan = scanContainer(container, new ProcFs(hostTree()));
    const by = new Map(scan.processes.map((p) => [p.pid, p]));
    assert.equal(by.get(7)!.ppid, 1);
    assert.equal(by.get(1)!.ppid, 0, 'init: parent is the shim');
    assert.equal(by.get(20)!.ppid, 0, 'docker exec: parent outside');
    assert.equal(by.get(23)!.ppid, 22);
    assert.deepEqual(by.get(23)!.nspids, [4102, 23, 2]);
    assert.equal(by.get(23)!.nested, true);
    assert.equal(by.get(7)!.nested, false);
    assert.equal(by.get(7)!.uid, 101);
    assert.deepEqual(by.get(1)!.cmdline, ['sh', '-c', 'sleep 1000']);
  });

  test('threads with container-level and host TIDs', () => {
    const scan = scanContainer(container, new ProcFs(hostTree()));
    const nginx = scan.processes.find((p) => p.pid === 7)!;
    assert.deepEqual(
      nginx.threads.map((t) => [t.tid, t.hostTid]),
      [
        [7, 3120],
        [8, 3121],
        [9, 3122],
      ],
    );
  });

  test('a reader that knows its own namespace reads no status of a process in it (none can be a member or a member\'s ancestor): the same members', () => {
    const full = scanContainer(container, new ProcFs(hostTree()));
    const proc = new CountingProcFs(hostTree(true, HOST_NS));
    const scan = scanContainer(container, proc);
    assert.deepEqual(scan.processes, full.processes);
    // the 10 processes less the 2 in the host's namespace, and the reader's own and the container's init read first
    assert.equal(proc.statusReads, 2 + 8);
  });

  test('a container sharing the reader\'s PID namespace (--pid host) still has every process in it', () => {
    const shared = { id: ID, name: 'hostpid', hostPid: 3000 };
    const tree = makeProcTree([
      { nspid: [1], name: 'systemd', ppid: 0, pidns: HOST_NS },
      { nspid: [3000], name: 'agent', ppid: 1, pidns: HOST_NS },
      { nspid: [3116, 1], name: 'sh', ppid: 3000, pidns: CONTAINER_NS },
    ], [999999], HOST_NS);
    const scan = scanContainer(shared, new ProcFs(tree));
    assert.equal(scan.pidns, HOST_NS);
    assert.deepEqual(scan.processes.map((p) => p.hostPid), [1, 3000, 3116]);
  });

  test('without access to namespace links, the cgroup decides', () => {
    const scan = scanContainer(container, new ProcFs(hostTree(false)));
    assert.equal(scan.membership, 'cgroup');
    assert.deepEqual(
      scan.processes.map((p) => p.pid),
      [1, 7, 20, 21, 22, 23],
    );
  });

  test('a reader inside a PID namespace reports its own level', () => {
    const scan = scanContainer(container, new ProcFs(makeProcTree([{ nspid: [3116, 1], name: 'sh', ppid: 0, pidns: CONTAINER_NS }], [40, 1])));
    assert.equal(scan.hostLevel, 1);
    assert.equal(scan.absoluteLevel, 2);
  });

  test('a container whose init is gone is an error', () => {
    assert.throws(() => scanContainer({ ...container, hostPid: 9999 }, new ProcFs(hostTree())), ContainerGoneError);
  });
});

describe('PID translation', () => {
  const container = { id: ID, name: 'web', hostPid: 3116 };
  const table = new PidTable(container, scanContainer(container, new ProcFs(hostTree())));

  test('container PID ⇄ host PID, processes and threads', () => {
    assert.equal(table.toHost(7), 3120);
    assert.equal(table.toContainer(3120), 7);
    assert.equal(table.toContainer(3122), 9);
    assert.equal(table.toHost(23), 4102);
    const t = table.task(8);
    assert.equal(t.process.pid, 7);
    assert.equal(t.thread?.hostTid, 3121);
  });

  test('a thread is not a process, and the error says what to do', () => {
    assert.throws(() => table.process(8), /8 is a thread of process 7 \(nginx\).*--pid 7.*--tid 8/);
  });

  test('an unknown PID names the container and the PIDs that exist', () => {
    assert.throws(
      () => table.toHost(42),
      (err: Error) => err instanceof UnknownPidError && /no process with PID 42 in container web \(a7e4d10e87e1\); its PIDs are 1, 7, 20, 21, 22, 23/.test(err.message),
    );
    assert.throws(() => table.toContainer(5000), /host PID 5000 is not a process of container web/);
  });

  test('descendants follow host parents, nested namespaces included', () => {
    assert.deepEqual(table.descendants(4000).sort(), [4000, 4100, 4101, 4102]);
    assert.deepEqual(table.descendants(3120), [3120]);
  });
});
