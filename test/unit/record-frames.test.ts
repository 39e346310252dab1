/**
 * The helper's output framing: record frames built by the helper's writer
 * come out of the client's reader as they went in, in order with the JSON
 * messages around them, however the stream is cut; every malformed frame
 * is refused with its own reason and closes the connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PassThrough, Writable } from 'node:stream';
import { NotificationType, RequestType, type Message } from 'vscode-jsonrpc/node';
import { FrameWriter } from '../../src/helper/writer';
import { MessageSizeLimit } from '../../src/helper/limit';
import { connectHelper, HelperMessageReader } from '../../src/client/helper-reader';
import { encodeRecordFrame, MAX_RECORD_FRAME_BYTES, RECORDS_CONTENT_TYPE, TraceRecords, type RecordBatch, type RecordStacks } from '../../src/protocol';

const SESSION = '6f1c2a34-9b1e-4d7a-8c55-0e2f1a3b4c5d';
const STACKS: RecordStacks = {
  files: { ab12: { module: '/usr/lib/libc.so.6 ünï', buildId: 'ab12cd', fileId: 'f1' } },
  user: {},
  kernel: { ffffffff81000000: { function: 'do_sys_openat2', file: null, line: null, module: '[kernel]', offset: 0 } },
};

/** Ring-framed records: `n` of them, 8-byte header (length) and a body of `len` bytes, padded to 8. */
function records(n: number, len = 12, seed = 1): Buffer {
  const span = (len + 8 + 7) & ~7;
  const b = Buffer.alloc(n * span);
  for (let i = 0; i < n; i++) {
    b.writeUInt32LE(len, i * span);
    for (let j = 0; j < len; j++) b[i * span + 8 + j] = (seed + i * 31 + j) & 0xff;
  }
  return b;
}

/** What a FrameWriter writes, as one buffer (each write taken at once). */
function written(write: (w: FrameWriter) => void): Buffer {
  const chunks: Buffer[] = [];
  const out = new Writable({ write: (chunk: Buffer, _enc, done) => (chunks.push(chunk), done()) });
  write(new FrameWriter(out));
  return Buffer.concat(chunks);
}

/** Feed `bytes` to a reader in the given pieces; what it delivers and why it failed, if it did. */
function read(pieces: Buffer[]): { messages: Message[]; error?: Error; closed: boolean } {
  const reader = new HelperMessageReader(new PassThrough());
  const messages: Message[] = [];
  const r: { messages: Message[]; error?: Error; closed: boolean } = { messages, closed: false };
  reader.onError((err) => (r.error = err));
  reader.onClose(() => (r.closed = true));
  reader.listen((m) => messages.push(m));
  for (const p of pieces) reader.push(p);
  return r;
}

const note = (i: number): Message => ({ jsonrpc: '2.0', method: 'trace/members', params: { sessionId: SESSION, joined: [], i } }) as Message;

/** A stream of JSON and record frames as the helper writes them, and what the reader must give back. */
function mixedStream(): { bytes: Buffer; expected: unknown[] } {
  const r1 = records(3);
  const r2 = records(5, 20, 7);
  const bytes = written((w) => {
    void w.write(note(0));
    w.writeRecords(SESSION, r1, 3);
    void w.write(note(1));
    w.writeRecords(SESSION, r2, 5, STACKS);
    void w.write({ jsonrpc: '2.0', id: 4, result: { text: 'ünïcödé ✓' } } as Message);
  });
  const batch = (b: RecordBatch) => ({ jsonrpc: '2.0', method: TraceRecords.method, params: b });
  return {
    bytes,
    expected: [note(0), batch({ sessionId: SESSION, count: 3, records: r1 }), note(1), batch({ sessionId: SESSION, count: 5, records: r2, stacks: STACKS }), { jsonrpc: '2.0', id: 4, result: { text: 'ünïcödé ✓' } }],
  };
}

test("a record frame from the helper's writer reaches the client's trace/records handler as it was written, in order with JSON notifications", async () => {
  const toClient = new PassThrough();
  const toServer = new PassThrough();
  const writer = new FrameWriter(toClient);
  const client = connectHelper({ stdout: toClient, stdin: toServer });
  const got: unknown[] = [];
  const members = new NotificationType<{ i: number }>('trace/members');
  client.onNotification(members, (p) => void got.push(p.i));
  client.onNotification(TraceRecords, (p) => void got.push(p));
  client.listen();
  const data = records(4, 16);
  void writer.write(note(0));
  assert.equal(writer.writeRecords(SESSION, data, 4, STACKS), true);
  data.fill(0); // the ring's buffer is reused once the sink returns: the frame holds its own copy
  void writer.write(note(1));
  assert.equal(writer.writeRecords(SESSION, records(1), 1), true);
  while (got.length < 4) await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, [0, { sessionId: SESSION, count: 4, records: records(4, 16), stacks: STACKS }, 1, { sessionId: SESSION, count: 1, records: records(1) }]);
  client.dispose();
});

test('frames cut at every byte boundary (and byte by byte) are read the same', () => {
  const { bytes, expected } = mixedStream();
  const whole = read([bytes]);
  assert.equal(whole.error, undefined);
  assert.deepEqual(whole.messages, expected);
  for (let i = 1; i < bytes.length; i++) {
    const r = read([bytes.subarray(0, i), bytes.subarray(i)]);
    assert.equal(r.error, undefined, `cut at ${i}: ${r.error?.message}`);
    assert.deepEqual(r.messages, expected, `cut at ${i}`);
  }
  const bytewise = read([...bytes].map((b) => Buffer.from([b])));
  assert.deepEqual(bytewise.messages, expected);
});

/** The record frame header and a body built field by field. */
function recordFrame(body: Buffer, type = RECORDS_CONTENT_TYPE): Buffer {
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\nContent-Type: ${type}\r\n\r\n`, 'latin1'), body]);
}
function body(o: { magic?: string; version?: number; count?: number; idLength?: number; id?: string; stacksLength?: number; stacks?: string; records?: Buffer } = {}): Buffer {
  const id = Buffer.from(o.id ?? SESSION, 'latin1');
  const stacks = Buffer.from(o.stacks ?? '', 'utf8');
  const fixed = Buffer.alloc(10);
  fixed.write(o.magic ?? 'CTR', 0, 'latin1');
  fixed[3] = o.version ?? 1;
  fixed.writeUInt32LE(o.count ?? 1, 4);
  fixed.writeUInt16LE(o.idLength ?? id.length, 8);
  const stacksLength = Buffer.alloc(4);
  stacksLength.writeUInt32LE(o.stacksLength ?? stacks.length);
  return Buffer.concat([fixed, id, stacksLength, stacks, o.records ?? records(1)]);
}

test('a body built by hand field by field is what the writer builds', () => {
  const data = records(2);
  const frame = encodeRecordFrame(SESSION, data, 2, STACKS)!;
  assert.deepEqual(frame, recordFrame(body({ count: 2, stacks: JSON.stringify(STACKS), records: data })));
});

test('malformed frames are refused, each with its own reason, and the reader closes and reads nothing more', () => {
  const json = (text: string) => Buffer.from(`Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  const cases: [string, Buffer, RegExp][] = [
    ['bad magic', recordFrame(body({ magic: 'XTR' })), /malformed record frame: bad magic 0x585452/],
    ['wrong version', recordFrame(body({ version: 2 })), /malformed record frame: record frame version 2 is not 1/],
    ['session ID length past the body', recordFrame(body({ idLength: 60000 })), /session ID length 60000 is not 1\.\.64/],
    ['session ID length past a short body', recordFrame(body({ idLength: 40 }).subarray(0, 50)), /session ID length 40 runs past the body \(50 bytes\)/],
    ['empty session ID', recordFrame(body({ idLength: 0, id: '' })), /session ID length 0 is not 1\.\.64/],
    ['session ID not printable', recordFrame(body({ id: 'a\u0007b' })), /session ID is not printable ASCII/],
    ['stacks length past the body', recordFrame(body({ stacksLength: 1000 })), /stacks length 1000 runs past the body \(\d+ bytes left\)/],
    ['stacks not JSON', recordFrame(body({ stacks: '{"files":' })), /stacks are not JSON/],
    ['stacks not the shape', recordFrame(body({ stacks: '[1,2]' })), /stacks are not an object of files, user and kernel frames/],
    ['count past the bytes', recordFrame(body({ count: 4 })), /count 4 is more than 24 record bytes can hold/],
    ['shorter than the fixed fields', recordFrame(Buffer.from('CTR\x01')), /shorter than its fixed fields/],
    ['unknown Content-Type', recordFrame(body(), 'application/octet-stream'), /malformed frame header: Content-Type "application\/octet-stream" is not application\/vscode-jsonrpc; charset=utf-8 or application\/vnd\.container-trace\.records/],
    ['oversized record frame', Buffer.from(`Content-Length: ${MAX_RECORD_FRAME_BYTES + 1}\r\nContent-Type: ${RECORDS_CONTENT_TYPE}\r\n\r\n`), /a record frame of 16777217 bytes is longer than 16777216/],
    ['oversized JSON frame', Buffer.from('Content-Length: 999999999\r\n\r\n'), /a JSON frame of 999999999 bytes is longer than 67108864/],
    ['bare LF', Buffer.from(`Content-Length: 2\nContent-Type: ${RECORDS_CONTENT_TYPE}\r\n\r\n{}`), /malformed frame header: a bare line feed or carriage return/],
    ['unknown field', Buffer.from('Content-Length: 2\r\nX-Trace: 1\r\n\r\n{}'), /unknown header field "X-Trace"/],
    ['two lengths', Buffer.from('Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}'), /more than one Content-Length/],
    ['no length', Buffer.from(`Content-Type: ${RECORDS_CONTENT_TYPE}\r\n\r\n`), /no Content-Length/],
    ['empty frame', Buffer.from('Content-Length: 0\r\n\r\n'), /an empty frame/],
    ['header too long', Buffer.from('Content-Length: 2\r\n' + 'X'.repeat(9000)), /a frame header is longer than 8192 bytes/],
    ['JSON that does not parse', json('{"jsonrpc":'), /a JSON frame that does not parse/],
    ['JSON that is no message', json('[1]'), /a JSON frame that is not a message object/],
    ['trace/records as JSON', json(JSON.stringify({ jsonrpc: '2.0', method: 'trace/records', params: { sessionId: SESSION, records: 'AAAA', count: 1 } })), /trace\/records as JSON \(it only comes as a record frame\)/],
  ];
  const after = written((w) => void w.write(note(9)));
  for (const [what, bytes, reason] of cases) {
    const r = read([written((w) => void w.write(note(0))), bytes, after]);
    assert.match(r.error?.message ?? '(no error)', reason, what);
    assert.equal(r.closed, true, `${what}: closed`);
    assert.deepEqual(r.messages, [note(0)], `${what}: the frame before is read, nothing after`);
  }
});

test('a broken stream ends the connection: a pending request is rejected, the helper’s stdin is ended, the error says why', async () => {
  const stdout = new PassThrough();
  let stdinEnded = false;
  const stdin = new Writable({ write: (_c, _e, done) => done(), final: (done) => ((stdinEnded = true), done()) });
  let broken: Error | undefined;
  const connection = connectHelper({ stdout, stdin }, (err) => (broken = err));
  const errors: string[] = [];
  connection.onError(([err]) => errors.push(err.message));
  connection.listen();
  const pending = connection.sendRequest(new RequestType<unknown, unknown, void>('runtimes/list'), {});
  stdout.write(recordFrame(body({ magic: 'CT?' })));
  await assert.rejects(pending, /Pending response rejected since connection got disposed/);
  assert.match(broken?.message ?? '', /bad magic/);
  assert.ok(errors.some((e) => /malformed record frame: bad magic/.test(e)), errors.join('\n'));
  await new Promise((r) => setImmediate(r));
  assert.equal(stdinEnded, true);
  assert.equal(stdout.destroyed, true);
});

test("a frame past the client's bound is not written: the writer says so and the caller counts the batch", () => {
  const out = new PassThrough();
  const w = new FrameWriter(out);
  assert.equal(w.writeRecords(SESSION, Buffer.alloc(MAX_RECORD_FRAME_BYTES), 1), false);
  assert.equal(out.readableLength, 0);
  assert.throws(() => encodeRecordFrame('bad id\n', records(1), 1), /session ID/);
});

test('the root side still takes JSON frames only: a record frame from a client breaks its stream', async () => {
  const limit = new MessageSizeLimit(() => undefined);
  const failed = new Promise<Error>((resolve) => limit.on('error', resolve));
  limit.resume();
  limit.write(recordFrame(body()));
  assert.match((await failed).message, /malformed message header: Content-Type "application\/vnd\.container-trace\.records" is not application\/vscode-jsonrpc; charset=utf-8$/);
});

test('delivery: a batch the sink could not send is counted as dropped, not received; the backlog estimate is the binary size', async () => {
  const { Delivery, DEFAULT_LIMITS } = await import('../../src/engine/delivery');
  const { SessionCounters } = await import('../../src/engine/counters');
  const counters = new SessionCounters({} as never, false);
  let sent = true;
  let backlog = 0;
  const sink = { events: () => undefined, records: () => sent, stats: () => undefined, ended: () => undefined, backlog: () => backlog };
  const delivery = new Delivery('s', sink, DEFAULT_LIMITS, counters, undefined);
  delivery.records({ data: records(3), count: 3 });
  sent = false;
  delivery.records({ data: records(2), count: 2 });
  assert.deepEqual([counters.received, counters.droppedTransport], [3, 2]);
  // Just under three quarters of the queue limit with a batch's raw bytes and its small frame: sent (base64 would not fit).
  sent = true;
  const batch = records(10_000);
  backlog = (DEFAULT_LIMITS.maxQueuedBytes * 3) / 4 - batch.length - 256;
  delivery.records({ data: batch, count: 10_000 });
  assert.deepEqual([counters.received, counters.droppedTransport], [10_003, 2]);
});

test('a stream with bytes changed, cut anywhere, never throws out of the reader: it reads frames or refuses once, and reads nothing after', () => {
  const { bytes } = mixedStream();
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.array(fc.nat(bytes.length), { maxLength: 3 }), (edits, cuts) => {
      const b = Buffer.from(bytes);
      for (const [at, v] of edits) b[at] = v;
      const points = [0, ...cuts.sort((x, y) => x - y), b.length];
      const reader = new HelperMessageReader(new PassThrough());
      const errors: Error[] = [];
      let delivered = 0;
      let afterError = 0;
      reader.onError((e) => errors.push(e));
      reader.listen(() => (errors.length ? afterError++ : delivered++));
      for (let i = 1; i < points.length; i++) reader.push(b.subarray(points[i - 1], points[i]));
      assert.ok(errors.length <= 1, 'refused once');
      assert.equal(afterError, 0);
      assert.ok(delivered <= 5);
      if (!edits.length) assert.deepEqual([errors.length, delivered], [0, 5]);
    }),
    { numRuns: 2000 },
  );
});
