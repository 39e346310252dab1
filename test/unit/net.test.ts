/** Addresses as tcp and bind show them: IPv4-mapped IPv6 written with its IPv4 address, the rest as inet_ntop does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import { ipString } from '../../src/kinds/shared/net';

/** The 16 bytes of an IPv6 address (via the URL parser, which expands ::). */
function bytes(addr: string): Buffer {
  const host = new URL(`http://[${addr}]/`).hostname.slice(1, -1);
  const [head, tail = ''] = host.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = host.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

test('IPv4-mapped addresses read as IPv4 (::ffff:127.0.0.1, not ::ffff:7f00:1)', () => {
  assert.equal(ipString(bytes('::ffff:127.0.0.1'), 0, true), '::ffff:127.0.0.1');
  assert.equal(ipString(bytes('::ffff:10.1.2.3'), 0, true), '::ffff:10.1.2.3');
});

test('other IPv6 addresses are compressed as usual; IPv4 as a dotted quad', () => {
  for (const a of ['::1', '::', '2001:db8::1', 'fe80::1:2:3:4', '::ffff:0:7f00:1']) {
    const s = ipString(bytes(a), 0, true);
    assert.ok(isIPv6(s), s);
    assert.deepEqual(bytes(s), bytes(a), `${a} → ${s}`);
  }
  assert.equal(ipString(Buffer.from([127, 0, 0, 1]), 0, false), '127.0.0.1');
});
