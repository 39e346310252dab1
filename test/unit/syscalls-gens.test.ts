/**
 * The syscalls kind's reads lose no call: the programs count into one
 * generation at a time and each read moves them on, so a program still adding
 * to the generation being read (it started before the move) is counted at the
 * next read instead of lost with a deleted entry. Against a simulated map
 * with writes landing before, during and after each read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import syscalls from '../../src/kinds/syscalls/root';
import { SYSCALLS_KEY_LAYOUT, SYSCALLS_KEY_SIZE, SYSCALLS_VALUE_SIZE } from '../../src/kinds/syscalls/decode';
import type { MapReader } from '../../src/kinds/root-part';
import { FileRegistry } from '../../src/engine/files';
import type { SyscallsEvent } from '../../src/protocol';
import type { DecodeContext } from '../../src/kinds/shared/decode';

/** One CPU's hash of (host PID, syscall, runtime, gen) → counts, and the generation array. */
class FakeMaps implements MapReader {
  gen = 0;
  readonly entries = new Map<string, Buffer>();
  written = 0;

  /** A program's syscall exit: counted into the generation it read (maybe before a move). */
  count(hostPid: number, gen = this.gen): void {
    const key = Buffer.alloc(SYSCALLS_KEY_SIZE);
    key.writeUInt32LE(hostPid, SYSCALLS_KEY_LAYOUT.fields.host_pid);
    key.writeUInt32LE(39, SYSCALLS_KEY_LAYOUT.fields.nr); // getppid
    key.writeUInt32LE(gen, SYSCALLS_KEY_LAYOUT.fields.gen);
    const id = key.toString('hex');
    let v = this.entries.get(id);
    if (!v) {
      v = Buffer.alloc(SYSCALLS_VALUE_SIZE);
      v.writeUInt32LE(7, 24);
      v.write('app\0', 32, 'latin1');
      this.entries.set(id, v);
    }
    v.writeBigUInt64LE(v.readBigUInt64LE(0) + 1n, 0);
    v.writeBigUInt64LE(v.readBigUInt64LE(8) + 100n, 8);
    v.writeUInt32LE(v.readUInt32LE(48 + 4 * 6) + 1, 48 + 4 * 6);
    this.written++;
  }

  drainHash(): { key: Buffer; value: Buffer }[] {
    return []; // names: none
  }
  drainPercpuHash(): { key: Buffer; values: Buffer[] }[] {
    throw new Error('the syscalls kind reads generations, it does not drain');
  }
  readHash(): { key: Buffer; value: Buffer }[] {
    throw new Error('the syscalls map is per CPU');
  }
  lookupU32Key(): Buffer | undefined {
    return undefined;
  }
  readPercpuHash(): { key: Buffer; values: Buffer[] }[] {
    return [...this.entries].map(([id, v]) => ({ key: Buffer.from(id, 'hex'), values: [Buffer.from(v)] }));
  }
  deleteKey(_name: string, key: Buffer): void {
    this.entries.delete(key.toString('hex'));
  }
  putU32Key(name: string, _key: number, value: Buffer): boolean {
    assert.equal(name, 'syscalls_gen');
    this.gen = value.readUInt32LE(0);
    return true;
  }
}

const ctx = { clock: { format: () => '2026-12-02T00:00:00.000000000Z' }, container: { id: 'c', name: 'web' } } as unknown as DecodeContext;
const read = (maps: FakeMaps, final = false) => syscalls.collect!(maps as never, ctx, { intervalMs: 100, top: 100, final, files: new FileRegistry(), options: {} }) as SyscallsEvent[];
const calls = (reports: SyscallsEvent[]) => reports.flatMap((r) => r.top).reduce((n, e) => n + e.count, 0);

test('a call counted into the generation being read (its program started before the move) is reported at the next read', () => {
  const maps = new FakeMaps();
  for (let i = 0; i < 5; i++) maps.count(100);
  const before = maps.gen;
  const first = read(maps);
  assert.equal(calls(first), 5);
  maps.count(100, before); // a late one, into the generation just read
  maps.count(100); // into the new one
  const second = read(maps);
  assert.equal(calls(second), 2, 'the late call and the new one');
  assert.equal(calls(read(maps, true)), 0);
  assert.equal(maps.entries.size, 0, 'every entry deleted in the end');
});

test('whatever the interleaving of calls, late calls and reads, every call is reported once', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant('call'), fc.constant('late'), fc.constant('read')), { maxLength: 300 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 300 }), (ops, pids) => {
      const maps = new FakeMaps();
      let reported = 0;
      let lastGen: number | undefined;
      ops.forEach((op, i) => {
        const pid = pids[i % pids.length];
        if (op === 'read') {
          lastGen = maps.gen;
          reported += calls(read(maps));
        } else if (op === 'late' && lastGen !== undefined) {
          maps.count(pid, lastGen); // only into the generation the last read moved away from
        } else {
          maps.count(pid);
        }
      });
      reported += calls(read(maps, true));
      assert.equal(reported, maps.written);
      assert.equal(maps.entries.size, 0);
    }),
    { numRuns: 500 },
  );
});
