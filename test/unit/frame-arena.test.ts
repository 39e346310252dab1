/**
 * The helper's frame arena: a frame holds only its own bytes, space comes
 * back once every older frame is back, a frame still waiting to be written
 * out is never overwritten (checked through FrameWriter with a slow
 * stream), and a full arena says so instead of growing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { FrameArena, type ArenaFrame } from '../../src/helper/frame-arena';
import { FrameWriter } from '../../src/helper/writer';

test('small frames hold their own bytes, not a whole batch\'s buffer each', () => {
  const a = new FrameArena(1 << 20);
  const frames = Array.from({ length: 100 }, () => a.alloc(1000)!);
  assert.equal(a.held, 100_000);
  for (const f of frames) f.release();
  assert.equal(a.held, 0);
});

test('space comes back in order: a released frame behind an older one waits for it', () => {
  const a = new FrameArena(10_000);
  const x = a.alloc(4000)!;
  const y = a.alloc(4000)!;
  assert.equal(a.alloc(4000), undefined, 'only 2000 bytes are left');
  y.release();
  assert.equal(a.held, 8000, 'y is behind x: nothing comes back yet');
  assert.equal(a.alloc(4000), undefined);
  x.release();
  assert.equal(a.held, 0);
  assert.ok(a.alloc(10_000), 'empty again: the whole arena');
});

test('it wraps: the room before the oldest frame is used once the end has none', () => {
  const a = new FrameArena(10_000);
  const x = a.alloc(4000)!;
  assert.ok(a.alloc(4000));
  x.release();
  const z = a.alloc(3000)!; // 2000 left at the end: wraps to the start
  assert.equal(z.buffer.byteOffset, 0);
  assert.equal(a.held, 4000 + 2000 + 3000, 'y, the gap left at the end, and z');
  assert.equal(a.alloc(1001), undefined, 'between z and y: 1000 bytes');
  assert.ok(a.alloc(1000));
  x.release(); // twice: nothing happens
  assert.ok(a.held > 0);
});

test('frames alive at once never share a byte (any sizes, any order of release)', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.constant(0), fc.constant(-1)), { maxLength: 300 }), (ops) => {
      const a = new FrameArena(8192);
      const live: { f: ArenaFrame; fill: number }[] = [];
      let fill = 0;
      for (const op of ops) {
        if (op > 0) {
          const f = a.alloc(op);
          if (f) {
            fill = (fill + 1) & 0xff;
            f.buffer.fill(fill);
            live.push({ f, fill });
          }
        } else if (live.length) {
          // 0: the oldest written out; -1: the newest (out of order)
          const { f, fill: want } = op === 0 ? live.shift()! : live.pop()!;
          assert.ok(f.buffer.every((b) => b === want), 'a frame was overwritten while alive');
          f.release();
        }
        assert.ok(a.held <= a.capacity);
      }
      for (const { f, fill: want } of live) assert.ok(f.buffer.every((b) => b === want));
    }),
  );
});

test('FrameWriter: frames waiting in a slow stream stay intact while later ones are built (arena full: own buffers)', async () => {
  const SESSION = '6f1c2a34-9b1e-4d7a-8c55-0e2f1a3b4c5d';
  const expected: Buffer[] = [];
  let checked = 0;
  let bad = 0;
  const out = new Writable({
    highWaterMark: 1 << 30,
    write(chunk: Buffer, _enc, done) {
      const i = checked++;
      // Written out later, as a reader behind would take it: the bytes must still be the batch's.
      setTimeout(() => {
        const want = expected[i];
        if (!chunk.subarray(chunk.length - want.length).equals(want)) bad++;
        done();
      }, 0);
    },
  });
  const w = new FrameWriter(out);
  // 1,500 batches of 4..40 KiB: 33 MB, twice what the arena holds while the stream is behind.
  for (let i = 0; i < 1500; i++) {
    const data = Buffer.alloc(4096 + ((i * 7919) % 36864), i & 0xff);
    data.writeUInt32LE(i, 0);
    expected.push(Buffer.from(data));
    assert.equal(w.writeRecords(SESSION, data, 1), true);
    data.fill(0xee); // the caller's buffer is reused once writeRecords returns
  }
  await new Promise((r) => out.end(r));
  assert.equal(checked, 1500);
  assert.equal(bad, 0);
});

test('FrameWriter: 1,000 small frames waiting in a stalled stream hold about their bytes (not a 260 KiB buffer each)', async () => {
  const SESSION = '6f1c2a34-9b1e-4d7a-8c55-0e2f1a3b4c5d';
  const pending: (() => void)[] = [];
  // A reader that has stopped reading: nothing written out, every frame still held.
  const out = new Writable({ highWaterMark: 1 << 30, write: (_chunk, _enc, done) => void pending.push(done) });
  const w = new FrameWriter(out);
  // Earlier tests' garbage collected first, so that what is counted is these frames.
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  const before = process.memoryUsage().arrayBuffers;
  const data = Buffer.alloc(4096, 1);
  for (let i = 0; i < 1000; i++) assert.equal(w.writeRecords(SESSION, data, 1), true);
  const held = process.memoryUsage().arrayBuffers - before;
  // 1,000 frames of 4.2 KB: about 4 MB of frames in the arena (allocated whole: 16.5 MiB).
  assert.ok(held < 24 << 20, `the stalled frames hold ${(held / 1048576).toFixed(1)} MiB`);
  while (pending.length) pending.shift()!();
  await new Promise((r) => out.end(r));
});
