/**
 * A selector trace's new PID namespaces, decided in user space over a fake
 * BPF object (the kernel's queue and scope map) and a fake runtime listing:
 * records of a pending namespace are held, never delivered, until its
 * container is known; a match delivers them (after its label, in order, the
 * ones that came meanwhile after them), a non-match drops them and the late
 * ones too; bounds are counted; a rematch that lists the container first
 * settles it the same way. The namespace of this test process stands for a
 * container's (its first task: this process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BpfObject } from '../../src/bpf/object';
import type { ContainerInfo } from '../../src/runtime';
import type { SessionCounters } from '../../src/engine/counters';
import { ScopeWatch } from '../../src/engine/scope-watch';
import { HELD_MAX_EVENTS, SCOPE_MEMBER, SCOPE_PENDING, SelectorMembers } from '../../src/engine/selector-members';
import type { SelectorMember } from '../../src/engine/resolve';
import { forEachRecord, recordSpan, RECORD_HEADER } from '../../src/protocol/records';
import { namespaceInode } from '../../src/proc/ns';
import type { ContainerLabel, ContainerSelector } from '../../src/protocol';

const OWN_NS = namespaceInode('self')!;
const OTHER_NS = 4026599999;

/** The maps the watch and the members use, as a BPF object holds them. */
class FakeObject {
  readonly queue: Buffer[] = [];
  readonly scope = new Map<number, Buffer>();
  pop(_name: string, size: number): Buffer | undefined {
    const v = this.queue.shift();
    return v && Buffer.concat([v, Buffer.alloc(Math.max(0, size - v.length))]);
  }
  putU32Key(_name: string, key: number, value: Buffer): boolean {
    this.scope.set(key, Buffer.from(value));
    return true;
  }
  lookupU32Key(_name: string, key: number): Buffer | undefined {
    return this.scope.get(key);
  }
  deleteU32Key(_name: string, key: number): boolean {
    return this.scope.delete(key);
  }
  /** The kernel: a namespace made (ct_scope_fork), `held` events let through so far. */
  made(pidns: number, hostPid: number, held = 0): void {
    const q = Buffer.alloc(16);
    q.writeUInt32LE(pidns, 0);
    q.writeUInt32LE(hostPid, 4);
    this.queue.push(q);
    const v = Buffer.alloc(8);
    v.writeUInt32LE(SCOPE_PENDING, 0);
    v.writeUInt32LE(held, 4);
    this.scope.set(pidns, v);
  }
}

/** A span of 48-byte records (struct ct_hdr), each with its PID namespace and a marker in its pid field. */
function span(...recs: [pidns: number, marker: number][]): { data: Buffer; count: number } {
  const size = recordSpan(48);
  const data = Buffer.alloc(size * recs.length);
  recs.forEach(([pidns, marker], i) => {
    data.writeUInt32LE(48, i * size);
    data.writeUInt32LE(marker, i * size + RECORD_HEADER + 8); // ids.pid
    data.writeUInt32LE(pidns, i * size + RECORD_HEADER + 24); // ids.pidns
  });
  return { data, count: recs.length };
}

const markers = (b: Buffer) => {
  const out: number[] = [];
  forEachRecord(b, (dv, _b, at) => out.push(dv.getUint32(at + 8, true)));
  return out;
};

function container(name: string, labels: Record<string, string>): ContainerInfo {
  return { runtime: 'docker', id: `${name}-0123456789abcdef`, name, image: 'img', state: 'created', hostPid: process.pid, labels, created: 0 };
}

function setup(listed: ContainerInfo[], selector: ContainerSelector = { labels: { app: 'web' } }) {
  const obj = new FakeObject();
  const labels = new Map<number, ContainerLabel>();
  const members = new SelectorMembers(obj as unknown as BpfObject, labels, () => true);
  const counters = { droppedHeld: 0, notMatched: 0, notMatchedEvents: 0 } as unknown as SessionCounters;
  const out: { what: 'label' | 'records'; pidns?: number; markers?: number[] }[] = [];
  const watch = new ScopeWatch({
    obj: obj as unknown as BpfObject,
    members,
    selector,
    counters,
    list: async () => listed,
    deliver: (s) => out.push({ what: 'records', markers: markers(s.data) }),
    joined: (m) => out.push({ what: 'label', pidns: m.pidns }),
    log: () => undefined,
    maxBatchBytes: 256 << 10,
    pollIntervalMs: 1000,
  });
  /** What the session's poller delivers of a span. */
  const take = (s: { data: Buffer; count: number }) => {
    const now = watch.records(s);
    if (now) out.push({ what: 'records', markers: markers(now.data) });
  };
  return { obj, members, counters, out, watch, take, labels };
}

const settle = () => new Promise((r) => setTimeout(r, 50));

test('a matching container: its first records are held until it is known, then delivered after its label and before what came later', async () => {
  const s = setup([container('web', { app: 'web' })]);
  try {
    s.obj.made(OWN_NS, process.pid);
    s.take(span([OTHER_NS, 1], [OWN_NS, 2], [OTHER_NS, 3], [OWN_NS, 4]));
    assert.deepEqual(s.out, [{ what: 'records', markers: [1, 3] }], 'only the records of decided namespaces pass');
    await settle();
    s.take(span([OWN_NS, 5]));
    assert.deepEqual(s.out.slice(1), [
      { what: 'label', pidns: OWN_NS },
      { what: 'records', markers: [2, 4] },
      { what: 'records', markers: [5] },
    ]);
    assert.equal(s.obj.scope.get(OWN_NS)!.readUInt32LE(0), SCOPE_MEMBER, 'a member in the kernel now');
    assert.equal(s.labels.get(OWN_NS)?.name, 'web');
    assert.equal(s.watch.undecided, 0);
  } finally {
    s.watch.close();
  }
});

test('a container the selector does not match: its records are never delivered, late ones neither, and it is counted', async () => {
  const s = setup([container('db', { app: 'db' })]);
  try {
    s.obj.made(OWN_NS, process.pid, 2);
    s.take(span([OWN_NS, 1], [OWN_NS, 2]));
    await settle();
    assert.equal(s.obj.scope.has(OWN_NS), false, 'its entry left the kernel map');
    s.take(span([OWN_NS, 3], [OTHER_NS, 4])); // in flight when it was dropped
    assert.deepEqual(s.out, [{ what: 'records', markers: [4] }]);
    assert.equal(s.counters.notMatched, 1);
    assert.equal(s.counters.notMatchedEvents, 3);
    assert.equal(s.members.size, 0);
  } finally {
    s.watch.close();
  }
});

test('a namespace no runtime names is held, not delivered, and its records are not reported when the trace ends', async () => {
  const s = setup([]);
  s.obj.made(OTHER_NS, 999_999_999);
  s.take(span([OTHER_NS, 1]));
  await settle();
  assert.deepEqual(s.out, []);
  assert.equal(s.watch.undecided, 1);
  s.watch.close();
  assert.equal(s.counters.droppedHeld, 1, 'counted as lost: it may have been a match');
});

test('bounds: past the events held per namespace (and the kernel\'s own excess) the rest are counted as lost when it matches', async () => {
  const s = setup([container('web', { app: 'web' })]);
  try {
    s.obj.made(OWN_NS, process.pid, HELD_MAX_EVENTS + 7);
    const recs = Array.from({ length: HELD_MAX_EVENTS + 5 }, (_, i): [number, number] => [OWN_NS, i]);
    s.take(span(...recs));
    await settle();
    const delivered = s.out.filter((o) => o.what === 'records').flatMap((o) => o.markers!);
    assert.equal(delivered.length, HELD_MAX_EVENTS);
    assert.deepEqual(delivered.slice(0, 3), [0, 1, 2], 'in order');
    assert.equal(s.counters.droppedHeld, 5 + 7);
  } finally {
    s.watch.close();
  }
});

test('a rematch that lists the container first settles it: label, then its held records', async () => {
  const s = setup([]);
  try {
    s.obj.made(OWN_NS, process.pid);
    s.take(span([OWN_NS, 1]));
    const m: SelectorMember = { pidns: OWN_NS, container: { ...container('web', { app: 'web' }), state: 'running' }, label: { id: 'x', name: 'web' } };
    const { joined } = s.members.set([m]);
    assert.equal(joined.length, 1);
    s.out.push({ what: 'label', pidns: OWN_NS }); // the session tells the receiver first
    s.watch.settled(m);
    s.take(span([OWN_NS, 2]));
    assert.deepEqual(s.out, [
      { what: 'label', pidns: OWN_NS },
      { what: 'records', markers: [1] },
      { what: 'records', markers: [2] },
    ]);
  } finally {
    s.watch.close();
  }
});

test('members found early stay while their namespace lives, though no listing shows them running yet', () => {
  const obj = new FakeObject();
  let alive = true;
  const members = new SelectorMembers(obj as unknown as BpfObject, new Map(), () => alive);
  const m: SelectorMember = { pidns: OWN_NS, container: container('web', {}), label: { id: 'x', name: 'web' } };
  members.add(m, true);
  assert.deepEqual(members.set([]).left, []);
  alive = false;
  assert.deepEqual(members.set([]).left, [m]);
  assert.equal(obj.scope.has(OWN_NS), false);
});

test("a member's PID namespace inode reused by a new namespace (the old one gone): the member is forgotten, the new one decided like any other, and another container's records never pass as the member's", async () => {
  const web = container('web', { app: 'web' });
  const s = setup([container('db', { app: 'db' })]);
  try {
    s.members.set([{ pidns: OWN_NS, container: web, label: { id: web.id, name: 'web' } }]);
    assert.equal(s.obj.scope.get(OWN_NS)!.readUInt32LE(0), SCOPE_MEMBER);
    // The kernel (ct_scope_fork): a first task in a namespace with the member's inode, made pending.
    s.obj.made(OWN_NS, process.pid);
    s.take(span([OWN_NS, 1], [OTHER_NS, 2]));
    assert.equal(s.members.has(OWN_NS), false, 'the gone member is forgotten');
    assert.deepEqual(s.out, [{ what: 'records', markers: [2] }], "the new namespace's records are held, not delivered as web's");
    await settle();
    assert.equal(s.obj.scope.has(OWN_NS), false, 'db is not the selector\'s: its entry left the kernel map');
    s.take(span([OWN_NS, 3]));
    assert.deepEqual(s.out, [{ what: 'records', markers: [2] }], 'nothing of it ever passes');
    assert.equal((s.counters as unknown as { notMatched: number }).notMatched, 1);
  } finally {
    s.watch.close();
  }
});
