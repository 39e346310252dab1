/**
 * The profile kind's reads lose no sample and no stack: the program counts
 * into one of three generations (each with its own stack map) and each read
 * moves it on, so a sample still being counted into the generation just read
 * (its program read the generation before the move) is reported at the next
 * read, with its stack, instead of lost with a deleted entry or stack map.
 * Against simulated maps with samples landing before, during and after reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import profile from '../../src/kinds/profile/root';
import { PROFILE_GENS, PROFILE_KEY_LAYOUT, PROFILE_LAYOUT, PROFILE_STACK_BYTES } from '../../src/kinds/profile/decode';
import { FileRegistry } from '../../src/engine/files';
import type { MapReader } from '../../src/kinds/root-part';
import type { ProfileEvent } from '../../src/protocol';
import type { DecodeContext } from '../../src/kinds/shared/decode';

/** The counts hash, the generation slot and three stack trace maps (id → leaf-first addresses). */
class FakeProfileMaps implements MapReader {
  gen = 0;
  readonly counts = new Map<string, Buffer>();
  readonly stacks = Array.from({ length: PROFILE_GENS }, () => new Map<number, bigint[]>());
  written = 0;
  drained: string[] = [];

  /** A sample of a kernel stack (its frames' addresses) counted into the generation its program read. */
  sample(hostPid: number, frames: bigint[], gen = this.gen, blockedNs = 0n, stacksOf = gen): void {
    const map = this.stacks[stacksOf];
    let id = [...map].find(([, f]) => f.join() === frames.join())?.[0];
    if (id === undefined) map.set((id = map.size + 1), frames);
    const key = Buffer.alloc(PROFILE_KEY_LAYOUT.size);
    const K = PROFILE_KEY_LAYOUT.fields;
    key.writeUInt32LE(hostPid, K.host_pid);
    key.writeUInt32LE(hostPid - 100, K.pid);
    key.writeInt32LE(-14, K.ustack); // a kernel thread: no user stack
    key.writeInt32LE(id, K.kstack);
    key.writeUInt32LE(gen, K.gen);
    const hex = key.toString('hex');
    let v = this.counts.get(hex);
    if (!v) {
      v = Buffer.alloc(PROFILE_LAYOUT.size);
      v.write('worker\0', PROFILE_LAYOUT.fields.comm, 'latin1');
      this.counts.set(hex, v);
    }
    v.writeBigUInt64LE(v.readBigUInt64LE(0) + 1n, 0);
    v.writeBigUInt64LE(v.readBigUInt64LE(PROFILE_LAYOUT.fields.blocked_ns) + blockedNs, PROFILE_LAYOUT.fields.blocked_ns);
    this.written++;
  }

  readHash(name: string): { key: Buffer; value: Buffer }[] {
    if (name === 'offcpu_starts') return [];
    assert.equal(name, 'counts');
    return [...this.counts].map(([hex, v]) => ({ key: Buffer.from(hex, 'hex'), value: Buffer.from(v) }));
  }
  deleteKey(name: string, key: Buffer): void {
    assert.equal(name, 'counts');
    this.counts.delete(key.toString('hex'));
  }
  lookupU32Key(name: string, id: number): Buffer | undefined {
    const frames = this.stacks[Number(name.replace('stacks', ''))].get(id);
    if (!frames) return undefined;
    const v = Buffer.alloc(PROFILE_STACK_BYTES);
    frames.forEach((a, i) => v.writeBigUInt64LE(a, i * 8));
    return v;
  }
  drainHash(name: string): { key: Buffer; value: Buffer }[] {
    assert.match(name, /^stacks[0-2]$/, 'only stack maps are emptied whole');
    this.drained.push(name);
    this.stacks[Number(name.slice(6))].clear();
    return [];
  }
  drainPercpuHash(): never {
    throw new Error('no per-CPU map');
  }
  readPercpuHash(): never {
    throw new Error('no per-CPU map');
  }
  putU32Key(name: string, _key: number, value: Buffer): boolean {
    assert.equal(name, 'gen');
    this.gen = value.readUInt32LE(0);
    return true;
  }
}

const ctx = { clock: { format: () => '2026-12-02T00:00:00.000000000Z' }, container: { id: 'c', name: 'web' } } as unknown as DecodeContext;
const read = (maps: FakeProfileMaps, final = false, offCpu = false) =>
  profile.collect!(maps as never, ctx, { intervalMs: 100, top: 100, final, files: new FileRegistry(), options: offCpu ? { offCpu } : {} }) as ProfileEvent[];
const samples = (events: ProfileEvent[]) => events.reduce((n, e) => n + e.samples, 0);
const STACKS = [[0xffffffff81000010n, 0xffffffff81000200n], [0xffffffff81000300n]];

test('a sample counted into the generation just read is reported at the next read, with its stack', () => {
  const maps = new FakeProfileMaps();
  for (let i = 0; i < 5; i++) maps.sample(200, STACKS[0]);
  const left = maps.gen;
  assert.equal(samples(read(maps)), 5);
  maps.sample(200, STACKS[1], left); // late: its program read the generation before the move
  maps.sample(200, STACKS[0]);
  const second = read(maps);
  assert.equal(samples(second), 2, 'the late sample and the new one');
  assert.ok(second.every((e) => !e.lost && e.stack.length > 0), 'each with its stack');
  assert.deepEqual(second.map((e) => e.stack.length).sort(), [1, 2]);
  assert.equal(samples(read(maps, true)), 0);
  assert.equal(maps.counts.size, 0, 'every entry deleted in the end');
});

test('whatever the interleaving of samples, late samples and reads, every sample is reported once with its stack', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('sample', 'late', 'read'), { maxLength: 300 }),
      fc.array(fc.tuple(fc.integer({ min: 201, max: 203 }), fc.integer({ min: 0, max: 1 })), { minLength: 1, maxLength: 300 }),
      (ops, who) => {
        const maps = new FakeProfileMaps();
        let reported = 0;
        let lastGen: number | undefined;
        const check = (events: ProfileEvent[]) => {
          for (const e of events) assert.ok(!e.lost && e.stack.length > 0, `a stack for ${e.samples} samples`);
          reported += samples(events);
        };
        ops.forEach((op, i) => {
          const [pid, stack] = who[i % who.length];
          if (op === 'read') {
            lastGen = maps.gen;
            check(read(maps));
          } else if (op === 'late' && lastGen !== undefined) {
            maps.sample(pid, STACKS[stack], lastGen);
          } else {
            maps.sample(pid, STACKS[stack]);
          }
        });
        check(read(maps, true));
        assert.equal(reported, maps.written);
        assert.equal(maps.counts.size, 0);
      },
    ),
    { numRuns: 500 },
  );
});

test('off-CPU: a block is reported once with its time, whichever generation it ended in, and its stack is never emptied', () => {
  const maps = new FakeProfileMaps();
  // Off-CPU stacks all live in stacks0; blocks land in the generation current when they end.
  maps.sample(200, STACKS[0], maps.gen, 5_000n, 0);
  const first = read(maps, false, true);
  assert.deepEqual(first.map((e) => [e.samples, e.blockedNs, e.totalBlockedNs]), [[1, 5000, 5000]]);
  maps.sample(200, STACKS[0], maps.gen, 7_000n, 0);
  maps.sample(200, STACKS[1], maps.gen, 1_000_000n, 0);
  const mid: ProfileEvent[] = [];
  for (let i = 0; i < 4; i++) mid.push(...read(maps, false, true)); // the generations go round more than once
  assert.deepEqual([samples(mid), mid.reduce((n, e) => n + (e.blockedNs ?? 0), 0)], [2, 1_007_000], 'each block once, with its time');
  assert.ok(mid.every((e) => e.stack.length > 0));
  assert.deepEqual(maps.drained, [], 'off-CPU never empties a stack map (a block may span any number of reads)');
  maps.sample(200, STACKS[0], maps.gen, 3_000n, 0);
  const last = read(maps, true, true);
  assert.deepEqual(last.map((e) => [e.samples, e.blockedNs, e.stack.length]), [[1, 3000, 2]], 'only the new block, with the stack taken reads ago');
});
