/**
 * The helper runs as root: hostile, malformed, oversized and out-of-schema
 * messages get errors, the helper stays up, and no trace starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RequestType } from 'vscode-jsonrpc/node';
import { helperPair } from '../support/helper-pair';
import { MessageSizeLimit } from '../../src/helper/limit';
import { PROTOCOL_VERSION } from '../../src/protocol';

// Not shutdown: it ends the helper, as it must (test/integration/root-boundary.test.ts).
const METHODS = ['initialize', 'trace/start', 'trace/stop', 'profile/file', 'bpf/load', 'trace/events', '$/cancelRequest', '__proto__', 'constructor'];

test('random requests get a response and start nothing; the helper stays up', async () => {
  const h = helperPair();
  await h.init();
  const json = fc.jsonValue({ maxDepth: 4 });
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...METHODS),
      fc.oneof(
        json,
        fc.record({ gadget: fc.oneof(fc.constantFrom('exec', 'open', 'uprobe', 'nope'), json), container: fc.oneof(fc.string(), json), scope: json, options: json, bufferBytes: json }, { requiredKeys: [] }),
      ),
      async (method, params) => {
        const type = new RequestType<unknown, unknown, void>(method);
        try {
          await Promise.race([
            h.client.sendRequest(type, params),
            new Promise((_, reject) => setTimeout(() => reject(new Error(`no response to ${method}`)), 2000)),
          ]);
        } catch (err) {
          // Error responses are the point; a missing response is not.
          assert.doesNotMatch(String((err as Error).message), /^no response/);
        }
        assert.equal(h.server.engine.size, 0, 'no trace started');
      },
    ),
    { numRuns: 300 },
  );
  const again = await h.init();
  assert.equal(again.protocolVersion, PROTOCOL_VERSION, 'still answering');
  h.dispose();
});

test('an oversized message is dropped unread and the next one is served', async () => {
  const h = helperPair();
  const big = JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'initialize', params: { pad: 'x'.repeat(2 << 20) } });
  h.toServer.write(`Content-Length: ${Buffer.byteLength(big)}\r\n\r\n${big}`);
  const r = await h.init();
  assert.equal(r.protocolVersion, PROTOCOL_VERSION);
  assert.ok(h.logs.some((l) => /refused: a message of \d+ bytes was dropped \(limit 1048576\)/.test(l)), h.logs.join('\n'));
  h.dispose();
});

test('malformed frames: bad JSON gets a parse error; a header without length closes the connection', async () => {
  const h = helperPair();
  await h.init();
  const bad = '{"jsonrpc":"2.0","id":1,"method":';
  h.toServer.write(`Content-Length: ${bad.length}\r\n\r\n${bad}`);
  const r = await h.init();
  assert.equal(r.protocolVersion, PROTOCOL_VERSION, 'still up after bad JSON');
  h.toServer.write('Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}');
  await new Promise((res) => setTimeout(res, 100));
  assert.ok(h.logs.some((l) => /closing the connection: malformed message header: no Content-Length/.test(l)), h.logs.join('\n'));
  h.dispose();
});

test('the size guard passes messages split at any byte unchanged', async () => {
  const bodies = ['{"a":1}', 'x'.repeat(5000), '{"b":"ü"}'];
  const wire = Buffer.from(bodies.map((b) => `Content-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`).join(''));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 10 }), async (cuts) => {
      const guard = new MessageSizeLimit(() => undefined, 4096);
      const out: Buffer[] = [];
      guard.on('data', (d: Buffer) => out.push(d));
      const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), wire.length];
      for (let i = 1; i < points.length; i++) guard.write(wire.subarray(points[i - 1], points[i]));
      guard.end();
      await new Promise((r) => guard.on('end', r));
      const text = Buffer.concat(out).toString();
      assert.ok(text.includes(bodies[0]) && text.includes(bodies[2]));
      assert.ok(!text.includes('x'.repeat(5000)), 'the oversized one is dropped');
    }),
    { numRuns: 200 },
  );
});

test('frame headers: exactly one Content-Length, CRLF only, known fields only; the reader gets a rebuilt header', async () => {
  const { parseHeader } = await import('../../src/helper/limit');
  assert.equal(parseHeader('Content-Length: 12'), 12);
  assert.equal(parseHeader('Content-Length: 12\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8'), 12);
  const bad: [string, RegExp][] = [
    ['Content-Length: 2\r\nContent-Length: 40', /more than one Content-Length/],
    ['Content-Length: 2\nX: y', /bare line feed/],
    ['Content-Length: 2\rX', /bare line feed or carriage return/],
    ['Content-Length: 2\r\nX-Smuggle: 1', /unknown header field "X-Smuggle"/],
    ['Content-Length: -1', /not a byte count/],
    ['Content-Length: 0x10', /not a byte count/],
    ['Content-Type: text/html\r\nContent-Length: 2', /is not application\/vscode-jsonrpc/],
    ['Content-Length: 2\r\ncontent-length: 2', /more than one Content-Length/],
    ['Content-Length: 2\u00a0', /outside printable ASCII/],
    ['Garbage', /not a header field/],
    ['Content-Type: application/vscode-jsonrpc; charset=utf-8', /no Content-Length/],
  ];
  for (const [h, re] of bad) assert.match(String(parseHeader(h)), re, JSON.stringify(h));
  // Header variants, fuzzed: whatever is accepted has exactly one Content-Length that says the length.
  fc.assert(
    fc.property(fc.array(fc.constantFrom('Content-Length: 5', 'Content-Length: 7', 'Content-Type: application/vscode-jsonrpc; charset=utf-8', 'X: 1', 'content-length:5', ''), { maxLength: 4 }), fc.constantFrom('\r\n', '\n'), (lines, sep) => {
      const r = parseHeader(lines.join(sep));
      if (typeof r === 'number') {
        assert.equal(lines.filter((l) => /^content-length/i.test(l)).length, 1);
        assert.ok(sep === '\r\n' || lines.length === 1);
      }
    }),
    { numRuns: 500 },
  );
  // What passes is forwarded with a header rebuilt from the checked length.
  const limit = new MessageSizeLimit(() => undefined);
  const out: Buffer[] = [];
  limit.on('data', (d: Buffer) => out.push(d));
  limit.end(Buffer.from('content-length:   2\r\nContent-Type: application/vscode-jsonrpc; charset=utf8\r\n\r\n{}'));
  await new Promise((r) => limit.on('end', r));
  assert.equal(Buffer.concat(out).toString(), 'Content-Length: 2\r\n\r\n{}');
});
