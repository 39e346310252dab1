/**
 * The TS decoder must read the event struct exactly as the compiled BPF
 * object lays it out: offsets come from the object's own BTF.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { structMembers, structSize, withObjectBtf } from '../../src/bpf/btf';
import { SYSCALLS_KEY_LAYOUT, SYSCALLS_NAME_LAYOUT } from '../../src/kinds/syscalls/decode';
import { OFFCPU_START_LAYOUT, PROFILE_KEY_LAYOUT, PROFILE_MAX_DEPTH } from '../../src/kinds/profile/decode';
import { EXEC_LAYOUT, decodeExec } from '../../src/kinds/exec/decode';
import { WallClock, HDR_LAYOUT, HDR_SIZE } from '../../src/kinds/shared/decode';
import { BUILD_ID_FRAME_LAYOUT, STACK_FOOTER_LAYOUT } from '../../src/kinds/shared/stack';
import { ROOT_KINDS } from '../../src/kinds/root-registry';
import { BPF_DIR, REPO } from '../support/paths';
import { bpfObjectsSkip } from '../support/bpf-objects';

const EXEC_OBJ = path.join(BPF_DIR, 'exec.bpf.o');
// Read from the compiled objects: skipped (saying why) when they are not built or are stale, failed under CI.
const skip = bpfObjectsSkip();

test('exec decoder offsets match struct exec_event in exec.bpf.o', { skip }, () => {
  withObjectBtf(EXEC_OBJ, (btf) => {
    const members = structMembers(btf, EXEC_LAYOUT.struct);
    assert.deepEqual(
      Object.fromEntries(members.map((m) => [m.name, m.offset])),
      EXEC_LAYOUT.fields,
      'field offsets differ: update src/kinds/exec/decode.ts to match bpf/exec.h',
    );
    const size = (name: string) => members.find((m) => m.name === name)!.size;
    assert.equal(structMembers(btf, 'ct_hdr').find((m) => m.name === 'comm')!.size, 16);
    assert.equal(size('filename'), EXEC_LAYOUT.sizes.filename);
    assert.equal(size('args'), EXEC_LAYOUT.sizes.args);
    assert.deepEqual(
      structMembers(btf, 'ct_ids').map((m) => [m.name, m.offset, m.size]),
      [
        ['pid', 0, 4],
        ['tid', 4, 4],
        ['host_pid', 8, 4],
        ['host_tid', 12, 4],
        ['pidns', 16, 4],
        ['level', 20, 4],
      ],
    );
  });
});

for (const g of Object.values(ROOT_KINDS)) {
  test(`${g.name} decoder offsets match struct ${g.layout.struct} in ${g.object}`, { skip }, () => {
    withObjectBtf(path.join(BPF_DIR, g.object), (btf) => {
      const members = structMembers(btf, g.layout.struct);
      assert.deepEqual(Object.fromEntries(members.map((m) => [m.name, m.offset])), g.layout.fields, `update src/kinds/${g.name}/decode.ts to match bpf/${g.name}.h`);
      // The C constants a decoder bounds by (string and array lengths, the struct's size).
      for (const [field, size] of Object.entries(g.layout.sizes ?? {})) {
        assert.equal(members.find((m) => m.name === field)?.size, size, `${g.layout.struct}.${field} is not ${size} bytes: update src/kinds/${g.name}/decode.ts`);
      }
      if (g.layout.size !== undefined) assert.equal(structSize(btf, g.layout.struct), g.layout.size, `sizeof(struct ${g.layout.struct})`);
      if ('hdr' in g.layout.fields) {
        assert.deepEqual(Object.fromEntries(structMembers(btf, 'ct_hdr').map((m) => [m.name, m.offset])), HDR_LAYOUT);
        assert.equal(members[0].size, HDR_SIZE, 'struct ct_hdr comes first');
      }
    });
  });
}

test('a record laid out by BTF offsets decodes to the right event', { skip }, () => {
  withObjectBtf(EXEC_OBJ, (btf) => {
    const at = Object.fromEntries(structMembers(btf, 'exec_event').map((m) => [m.name, m.offset]));
    const hdr = Object.fromEntries(structMembers(btf, 'ct_hdr').map((m) => [m.name, at.hdr + m.offset]));
    const args = Buffer.from('sh\0-c\0echo hi\0');
    const rec = Buffer.alloc(at.args + args.length + 24);
    const base = 16; // records sit at arbitrary 8-byte offsets in the ring
    rec.writeBigUInt64LE(123_456_789n, base + hdr.ts_ns);
    [7, 8, 3120, 3121].forEach((v, i) => rec.writeUInt32LE(v, base + hdr.ids + 4 * i));
    rec.writeUInt32LE(1, base + at.ppid);
    rec.writeUInt32LE(3116, base + at.host_ppid);
    rec.writeUInt32LE(101, base + at.uid);
    rec.writeUInt32LE(102, base + at.gid);
    rec.writeInt32LE(-2, base + at.ret);
    rec.writeUInt32LE(1, base + at.flags);
    rec.writeUInt32LE(3, base + at.args_count);
    rec.writeUInt32LE(args.length, base + at.args_size);
    rec.write('sh\0', base + hdr.comm);
    rec.write('/bin/sh\0', base + at.filename);
    args.copy(rec, base + at.args);
    const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    const ev = decodeExec(dv, rec, base, at.args + args.length, { container: { id: 'c', name: 'web' }, clock: new WallClock() });
    assert.deepEqual({ ...ev, time: undefined }, {
      gadget: 'exec',
      time: undefined,
      container: { id: 'c', name: 'web' },
      pid: 7,
      tid: 8,
      hostPid: 3120,
      hostTid: 3121,
      ppid: 1,
      hostPpid: 3116,
      uid: 101,
      gid: 102,
      hostUid: undefined,
      hostGid: undefined,
      comm: 'sh',
      runtime: undefined,
      filename: '/bin/sh',
      args: ['sh', '-c', 'echo hi'],
      argsTruncated: true,
      ret: -2,
      error: 'ENOENT',
    });
    assert.match(ev.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    // Bit 63 of ts_ns (CT_TS_RUNTIME) marks the runtime's task; the time is the same.
    const clock = new WallClock();
    const plain = decodeExec(dv, rec, base, at.args + args.length, { container: { id: 'c', name: 'web' }, clock });
    rec.writeBigUInt64LE(123_456_789n | (1n << 63n), base + hdr.ts_ns);
    const marked = decodeExec(dv, rec, base, at.args + args.length, { container: { id: 'c', name: 'web' }, clock });
    assert.equal(marked.runtime, true);
    assert.equal(marked.time, plain.time);
  });
});

test('monotonic timestamps become wall-clock time with nanoseconds', () => {
  const clock = new WallClock();
  const now = process.hrtime.bigint();
  const t = clock.format(now);
  assert.ok(Math.abs(Date.parse(t) - Date.now()) < 1000, t);
  const frac = (iso: string) => BigInt(iso.slice(20, 29));
  assert.equal((frac(clock.format(now + 1n)) - frac(t) + 1_000_000_000n) % 1_000_000_000n, 1n, 'one nanosecond apart');
  assert.equal((frac(clock.format(now + 999n)) - frac(t) + 1_000_000_000n) % 1_000_000_000n, 999n);
});

test('--stack: the record footer matches struct ct_stack_footer, and a frame struct bpf_stack_build_id, in every object that takes stacks', { skip }, () => {
  for (const kind of ['exec', 'exit', 'open', 'tcp', 'bind', 'signal']) {
    withObjectBtf(path.join(BPF_DIR, `${kind}.bpf.o`), (btf) => {
      assert.deepEqual(Object.fromEntries(structMembers(btf, 'ct_stack_footer').map((m) => [m.name, m.offset])), STACK_FOOTER_LAYOUT.fields, kind);
      assert.equal(structSize(btf, 'ct_stack_footer'), STACK_FOOTER_LAYOUT.size, kind);
      assert.equal(structSize(btf, 'bpf_stack_build_id'), BUILD_ID_FRAME_LAYOUT.size, kind);
      assert.equal(structMembers(btf, 'bpf_stack_build_id').find((m) => m.name === 'build_id')?.offset, BUILD_ID_FRAME_LAYOUT.fields.build_id, kind);
    });
  }
});

test('the syscalls map key matches struct syscalls_key in syscalls.bpf.o', { skip }, () => {
  withObjectBtf(path.join(BPF_DIR, 'syscalls.bpf.o'), (btf) => {
    assert.deepEqual(Object.fromEntries(structMembers(btf, 'syscalls_key').map((m) => [m.name, m.offset])), SYSCALLS_KEY_LAYOUT.fields);
    assert.equal(structSize(btf, 'syscalls_key'), SYSCALLS_KEY_LAYOUT.size);
    assert.deepEqual(Object.fromEntries(structMembers(btf, 'syscalls_name').map((m) => [m.name, m.offset])), SYSCALLS_NAME_LAYOUT.fields);
    assert.equal(structSize(btf, 'syscalls_name'), SYSCALLS_NAME_LAYOUT.size);
  });
});

test('profile key layout matches struct profile_key in profile.bpf.o, and its stack depth PROFILE_MAX_DEPTH', { skip }, () => {
  withObjectBtf(path.join(BPF_DIR, 'profile.bpf.o'), (btf) => {
    assert.deepEqual(Object.fromEntries(structMembers(btf, 'profile_key').map((m) => [m.name, m.offset])), PROFILE_KEY_LAYOUT.fields);
    assert.equal(structSize(btf, 'profile_key'), PROFILE_KEY_LAYOUT.size);
    // Off-CPU: the start of a block, read at the end for threads still off the CPU.
    assert.deepEqual(Object.fromEntries(structMembers(btf, 'offcpu_start').map((m) => [m.name, m.offset])), OFFCPU_START_LAYOUT.fields);
    assert.equal(structSize(btf, 'offcpu_start'), OFFCPU_START_LAYOUT.size);
  });
  const h = fs.readFileSync(path.join(REPO, 'bpf', 'profile.h'), 'utf8');
  assert.equal(Number(/#define PROFILE_MAX_DEPTH (\d+)/.exec(h)![1]), PROFILE_MAX_DEPTH);
});
