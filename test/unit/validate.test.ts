import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateStart, InvalidParamsError } from '../../src/engine/validate';
import { DEFAULT_BUFFER_BYTES } from '../../src/protocol';
import { kernelDev } from '../../src/engine/system';

test('a well-formed request is normalized', () => {
  assert.deepEqual(validateStart({ gadget: 'exec', container: 'web' }), { gadget: 'exec', container: 'web', bufferBytes: DEFAULT_BUFFER_BYTES });
  assert.deepEqual(validateStart({ gadget: 'exec', container: 'a7e4d10e', scope: { pid: 7, follow: true }, bufferBytes: 1 << 20 }).scope, {
    pid: 7,
    tid: undefined,
    follow: true,
  });
});

test('hostile or wrong requests are refused with a reason', () => {
  const bad: [unknown, RegExp][] = [
    [null, /must be an object/],
    [[], /must be an object/],
    [{ gadget: 'bpf-bytes', container: 'web' }, /unknown trace kind "bpf-bytes"; choose one of: exec/],
    [{ gadget: 'exec', container: '../../etc/passwd; rm' }, /container must be a container reference/],
    [{ gadget: 'exec', container: 'x'.repeat(600) }, /container must be a container reference/],
    [{ gadget: 'exec', container: 'web', extra: 1 }, /unknown field "extra"/],
    [{ gadget: 'exec', container: 'web', scope: { pid: -1 } }, /scope.pid must be a PID/],
    [{ gadget: 'exec', container: 'web', scope: { pid: 1.5 } }, /scope.pid must be a PID/],
    [{ gadget: 'exec', container: 'web', scope: { pid: 99999999 } }, /scope.pid must be a PID/],
    [{ gadget: 'exec', container: 'web', scope: { follow: true } }, /follow needs a process/],
    [{ gadget: 'exec', container: 'web', scope: { tid: 3, follow: true, pid: 2 } }, /follow and a thread/],
    [{ gadget: 'exec', container: 'web', scope: { pid: '7' } }, /scope.pid must be a PID/],
    [{ gadget: 'exec', container: 'web', bufferBytes: 3000 }, /power of two/],
    [{ gadget: 'exec', container: 'web', bufferBytes: 1 << 30 }, /power of two/],
    [{ gadget: 'syscalls', container: 'web', options: { latency: 'no' } }, /latency must be true or false/],
    [{ gadget: 'exec', container: 'web', options: { latency: false } }, /exec takes no option "latency"/],
  ];
  for (const [params, message] of bad) {
    assert.throws(() => validateStart(params), (e: Error) => e instanceof InvalidParamsError && message.test(e.message), JSON.stringify(params));
  }
});

test('syscalls count-only: latency false (or true, the default) is an option of syscalls; --count-only sets it', async () => {
  assert.deepEqual(validateStart({ gadget: 'syscalls', container: 'web', options: { latency: false } }).options, { latency: false });
  assert.deepEqual(validateStart({ gadget: 'syscalls', container: 'web', options: { latency: true } }).options, { latency: true });
  const { request } = await import('../../src/cli/commands/trace');
  assert.deepEqual(request(['syscalls', '--container', 'web', '--count-only']).params.options, { latency: false });
  assert.throws(() => request(['exec', '--container', 'web', '--count-only']), /--count-only only goes with trace syscalls/);
});

test("st_dev is converted to the kernel's dev_t encoding", () => {
  // nsfs: major 0, minor 4 in both encodings
  assert.equal(kernelDev(4), 4n);
  // user-space makedev(8, 1) = 0x801 → kernel (8 << 20) | 1
  assert.equal(kernelDev(0x801), (8n << 20n) | 1n);
  // large minor: makedev(259, 300) = 0x12c | 0x103 << 8 | (300 >> 8) << 12 … glibc layout
  const glibc = (major: bigint, minor: bigint) => (minor & 0xffn) | ((major & 0xfffn) << 8n) | ((minor & ~0xffn) << 12n) | ((major & ~0xfffn) << 32n);
  assert.equal(kernelDev(Number(glibc(259n, 300n))), (259n << 20n) | 300n);
});

test('a container waited for: syscalls may wait (a seccomp profile from its start), uprobe may not, neither takes a selector', () => {
  assert.deepEqual(validateStart({ gadget: 'syscalls', container: 'web', wait: true, followRestarts: false }), { gadget: 'syscalls', container: 'web', bufferBytes: DEFAULT_BUFFER_BYTES, wait: true, followRestarts: false });
  assert.throws(() => validateStart({ gadget: 'uprobe', container: 'web', wait: true, options: { target: 'libc', function: 'malloc' } }), /needs its container running/);
  assert.throws(() => validateStart({ gadget: 'syscalls', selector: { names: ['web'] } }), /runs on one container/);
  assert.throws(() => validateStart({ gadget: 'syscalls', container: 'web', wait: true, scope: { pid: 1 } }), /traced whole/);
});
