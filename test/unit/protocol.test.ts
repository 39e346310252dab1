/** The helper's protocol over in-memory streams: the real server, a real client. */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, ResponseError, RequestType } from 'vscode-jsonrpc/node';
import { helperPair } from '../support/helper-pair';
import { ErrorCode, KIND_NAMES, Initialize, PROTOCOL_VERSION, TraceEvents, TraceStart, TraceStop, type ExecEvent } from '../../src/protocol';

async function rpcError(p: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ResponseError, `expected a ResponseError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error response');
}

describe('helper protocol', () => {
  const { client, logs, dispose } = helperPair();
  after(dispose);

  test('requests before initialize are refused', async () => {
    const err = await rpcError(client.sendRequest(TraceStart, { gadget: 'exec', container: 'web' }));
    assert.equal(err.code, ErrorCode.NotInitialized);
  });

  test('a different protocol version is refused with the fix', async () => {
    const err = await rpcError(client.sendRequest(Initialize, { protocolVersion: PROTOCOL_VERSION + 1, client: { name: 't', version: '0' } }));
    assert.equal(err.code, ErrorCode.VersionMismatch);
    assert.match(err.message, /reinstall the helper/);
  });

  test('initialize answers with versions, gadgets and limits', async () => {
    const r = await client.sendRequest(Initialize, { protocolVersion: PROTOCOL_VERSION, client: { name: 'unit', version: '1' } });
    assert.equal(r.protocolVersion, PROTOCOL_VERSION);
    assert.equal(r.pid, process.pid);
    assert.deepEqual(r.gadgets, [...KIND_NAMES]);
    assert.ok(r.limits.maxSessions > 0 && r.limits.maxBatchBytes > 0 && r.limits.maxQueuedBytes > 0 && r.limits.maxRingBytes >= 64 << 20);
    assert.ok(logs.some((l) => /client unit connected/.test(l)));
  });

  test('out-of-schema trace/start is InvalidParams with the reason', async () => {
    const err = await rpcError(client.sendRequest(TraceStart, { gadget: 'exec', container: 'web', scope: { pid: 'one' } } as never));
    assert.equal(err.code, ErrorCode.InvalidParams);
    assert.match(err.message, /scope.pid must be a PID/);
    const err2 = await rpcError(client.sendRequest(TraceStart, { gadget: 'rootkit', container: 'web' } as never));
    assert.match(err2.message, /unknown trace kind "rootkit"/);
  });

  test('stopping an unknown session says so', async () => {
    const err = await rpcError(client.sendRequest(TraceStop, { sessionId: 'nope' }));
    assert.equal(err.code, ErrorCode.UnknownSession);
  });

  test('unknown methods get MethodNotFound and the helper stays up', async () => {
    const err = await rpcError(client.sendRequest(new RequestType<unknown, unknown, void>('bpf/load'), { bytes: 'AAAA' }));
    assert.equal(err.code, -32601);
    const again = await client.sendRequest(Initialize, { protocolVersion: PROTOCOL_VERSION, client: { name: 'unit', version: '1' } });
    assert.equal(again.protocolVersion, PROTOCOL_VERSION);
  });
});

test('trace/events batches survive the framing unchanged', async () => {
  const a = new PassThrough();
  const b = new PassThrough();
  const sender = createMessageConnection(new StreamMessageReader(b), new StreamMessageWriter(a));
  const receiver = createMessageConnection(new StreamMessageReader(a), new StreamMessageWriter(b));
  const event: ExecEvent = {
    gadget: 'exec',
    time: '2026-11-21T10:00:00.123456789Z',
    container: { id: 'abc', name: 'web' },
    pid: 7,
    tid: 7,
    hostPid: 3120,
    hostTid: 3120,
    ppid: 1,
    hostPpid: 3116,
    uid: 0,
    gid: 0,
    comm: 'sh',
    filename: '/bin/sh',
    args: ['sh', '-c', 'echo "ünïcödé" \n'],
    argsTruncated: false,
    ret: -2,
    error: 'ENOENT',
  };
  const got = new Promise((resolve) => receiver.onNotification(TraceEvents, resolve));
  receiver.listen();
  sender.listen();
  await sender.sendNotification(TraceEvents, { sessionId: 's1', events: [event, { ...event, pid: 8 }] });
  assert.deepEqual(await got, { sessionId: 's1', events: [event, { ...event, pid: 8 }] });
  sender.dispose();
  receiver.dispose();
});
