import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execCommand, quoteArgs } from '../../src/kinds/shared/text';
import { details, failed } from '../../src/kinds/client-registry';
import type { ExecEvent } from '../../src/protocol';

const base: ExecEvent = {
  gadget: 'exec', time: '2026-11-21T10:00:00.000000000Z', container: { id: 'c', name: 'web' },
  pid: 7, tid: 7, hostPid: 70, hostTid: 70, ppid: 1, hostPpid: 10, uid: 0, gid: 0,
  comm: 'sh', filename: '/bin/ls', args: ['ls', '-l', 'my file'], argsTruncated: false, ret: 0,
};

test('arguments are quoted only where a shell would need it', () => {
  assert.equal(quoteArgs(['echo', 'a b', '', '$HOME', 'plain']), 'echo "a b" "" "$HOME" plain');
});

test('the path shows only when argv[0] does not name it', () => {
  assert.equal(execCommand(base), 'ls -l "my file"');
  assert.equal(execCommand({ ...base, filename: '/proc/self/exe', args: ['sleep', '1'] }), 'sleep 1  [/proc/self/exe]');
  assert.equal(execCommand({ ...base, args: [] }), '/bin/ls');
  assert.equal(execCommand({ ...base, argsTruncated: true }), 'ls -l "my file" …');
});

test('failed execs say their errno', () => {
  const bad = { ...base, ret: -2, error: 'ENOENT', filename: '/nope', args: ['/nope'] };
  assert.equal(details(bad), '/nope  → ENOENT');
  assert.equal(failed(bad), true);
  assert.equal(failed(base), false);
});
