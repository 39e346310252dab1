import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NEVER_RETURN,
  profileFileName,
  profileNames,
  SeccompError,
  seccompJson,
  seccompProfile,
  seccompUsage,
  SeenSyscalls,
  START_SET,
} from '../../src/kinds/syscalls/seccomp';
import { SYSCALL_NAMES } from '../../src/kinds/syscalls/names';

test('seccomp profile: exact JSON, names sorted and each once, EPERM for the rest, x86_64 with x86 and x32', () => {
  const text = seccompJson(seccompProfile(['write', 'read', 'openat', 'read', 'exit_group'], 'x86_64'));
  assert.equal(
    text,
    `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "architectures": [
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X32"
  ],
  "syscalls": [
    {
      "names": [
        "exit_group",
        "openat",
        "read",
        "write"
      ],
      "action": "SCMP_ACT_ALLOW"
    }
  ]
}
`,
  );
  assert.deepEqual(seccompProfile(['read'], 'x64').architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(seccompProfile(['read'], 'aarch64').architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.deepEqual(seccompProfile(['read'], 'arm64').architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
});

test('seccomp profile: an unknown architecture, an unnamed number and nothing seen are refused with a reason', () => {
  assert.throws(() => seccompProfile(['read'], 'riscv64'), (e: Error) => e instanceof SeccompError && /architecture "riscv64": x86_64 and aarch64/.test(e.message));
  assert.throws(() => seccompProfile(['read', 'syscall 512'], 'x86_64'), (e: Error) => e instanceof SeccompError && /"syscall 512" is not a syscall name/.test(e.message));
  assert.throws(() => seccompProfile([], 'x86_64'), /no syscall was seen/);
});

test('profile names: counted and blocked-in names together; exit and exit_group always; the start set only without a restart; unnamed numbers left out and listed', () => {
  const seen = new SeenSyscalls();
  seen.add({ names: ['read', 'write', 'syscall 999'], top: [], totalCalls: 7 });
  seen.add({ names: ['read'], inFlight: ['wait4'], top: [], totalCalls: 1 });
  assert.equal(seen.calls, 8);
  const restart = profileNames(seen, 'restart');
  assert.deepEqual(restart.names, ['exit', 'exit_group', 'read', 'wait4', 'write']);
  assert.deepEqual(restart.added, ['exit', 'exit_group']);
  assert.deepEqual(restart.unnamed, ['syscall 999']);
  const running = profileNames(seen, 'running');
  assert.deepEqual(running.names, [...new Set([...START_SET, ...NEVER_RETURN, 'read', 'wait4', 'write'])].sort());
  assert.ok(!running.added.includes('read') && running.added.includes('execve') && running.added.includes('exit_group'));
  // A report without names (an older helper): its rows' names.
  const old = new SeenSyscalls();
  old.add({ top: [{ syscall: 'futex' }], totalCalls: 1 });
  assert.deepEqual([...old.counted], ['futex']);
});

test('the start set: x86_64 syscall names, each once, sorted, with what every start needs (execve, the profile itself installed by seccomp)', () => {
  const known = new Set(Object.values(SYSCALL_NAMES));
  for (const n of START_SET) assert.ok(known.has(n), n);
  assert.deepEqual([...START_SET], [...new Set(START_SET)].sort());
  for (const n of ['execve', 'seccomp', 'openat', 'mmap']) assert.ok(START_SET.includes(n), n);
});

test('usage snippets: docker, compose, podman; kubernetes adds the Localhost profile and where the file goes; file names from container names', () => {
  const d = seccompUsage('/w/seccomp-web.json', 'docker', 'nginx:1');
  assert.ok(d.includes('docker run --security-opt seccomp=/w/seccomp-web.json nginx:1'));
  assert.ok(d.includes('security_opt: ["seccomp=/w/seccomp-web.json"]'));
  assert.ok(d.includes('podman run --security-opt seccomp=/w/seccomp-web.json nginx:1'));
  assert.ok(!d.includes('Localhost'));
  const k = seccompUsage('/w/seccomp-web.json', 'kubernetes');
  assert.ok(k.includes('/var/lib/kubelet/seccomp/profiles/seccomp-web.json'));
  assert.ok(k.includes('type: Localhost') && k.includes('localhostProfile: profiles/seccomp-web.json'));
  assert.equal(profileFileName('web'), 'seccomp-web.json');
  assert.equal(profileFileName('shop/web-1/nginx'), 'seccomp-shop_web-1_nginx.json');
  assert.equal(profileFileName('../x'), 'seccomp-.._x.json'); // no separator left: a name in the folder
});
