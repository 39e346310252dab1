/**
 * A seccomp profile from what a container ran: the syscall names a
 * `syscalls` trace counted, allowed; everything else refused with EPERM.
 * Docker's and Podman's JSON format, which is also what a Kubernetes
 * `Localhost` profile is. Pure: no I/O, nothing of the root side.
 */

/** Architectures as Node names them (process.arch) or as `uname -m` does. */
export type SeccompArch = 'x86_64' | 'aarch64';

/** What the profile's file holds (Docker, Podman, and the kubelet read the same shape). */
export interface SeccompProfile {
  defaultAction: 'SCMP_ACT_ERRNO';
  defaultErrnoRet: number;
  architectures: string[];
  syscalls: { names: string[]; action: 'SCMP_ACT_ALLOW' }[];
}

/** How the names were seen: the container traced from its restart, or running plus the start set. */
export type SeccompMode = 'restart' | 'running';

export class SeccompError extends Error {}

/** EPERM: what a refused syscall returns ("Operation not permitted"). */
const EPERM = 1;

/**
 * The architectures a profile names for a machine: its own and those its
 * kernel also runs (as Docker's default profile lists them: x86_64 with
 * x86 and x32, aarch64 with arm).
 */
export function seccompArchitectures(arch: string): string[] {
  switch (arch) {
    case 'x86_64':
    case 'x64':
    case 'amd64':
      return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
    case 'aarch64':
    case 'arm64':
      return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
    default:
      throw new SeccompError(`no seccomp profile for the architecture "${arch}": x86_64 and aarch64 are known`);
  }
}

/** A syscall name as seccomp takes it (what the kernel's tables call it). */
const NAME = /^[a-z_][a-z0-9_]{0,63}$/;

/**
 * The profile allowing exactly `names` (sorted, each once) on `arch`.
 * Names that are no syscall name (a number the trace could not name:
 * "syscall 512") are refused: the caller says which.
 */
export function seccompProfile(names: Iterable<string>, arch: string): SeccompProfile {
  const architectures = seccompArchitectures(arch);
  const set = new Set<string>();
  for (const n of names) {
    if (!NAME.test(n)) throw new SeccompError(`"${n}" is not a syscall name seccomp knows; leave it out or name it`);
    set.add(n);
  }
  if (!set.size) throw new SeccompError('no syscall was seen: a profile allowing nothing would stop the container at its start');
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures,
    syscalls: [{ names: [...set].sort(), action: 'SCMP_ACT_ALLOW' }],
  };
}

/** The file's text: the profile as JSON, two spaces, one name a line, a newline at the end. */
export function seccompJson(profile: SeccompProfile): string {
  return JSON.stringify(profile, null, 2) + '\n';
}

/** Names the trace saw that are not syscall names (numbers its table does not name). */
export function unnamed(names: Iterable<string>): string[] {
  return [...new Set([...names].filter((n) => !NAME.test(n)))].sort();
}

/**
 * What a container's start needs that a trace of it running cannot see:
 * the runtime's init (runc's, in the container's namespaces) and the exec
 * of the entrypoint, up to its first instruction. Measured here with this
 * tool (2026-12, Docker 20.10 / runc 1.1, kernel 6.18, x86_64): `container-trace
 * advise seccomp --restart` of a busybox container running `true` and of one
 * running `sleep`, the names of both traces together, minus those the running
 * workload itself makes anyway. Held by the integration test
 * (test/integration/seccomp.test.ts): a fresh container of another workload
 * starts with a running trace's names plus these.
 */
export const START_SET: readonly string[] = [
  'arch_prctl', 'bind', 'brk', 'capget', 'capset', 'chdir', 'clone3', 'close', 'dup3', 'epoll_ctl', 'epoll_pwait',
  'execve', 'exit_group', 'faccessat2', 'fchdir', 'fchmodat', 'fchownat', 'fcntl', 'fstat', 'fstatfs', 'futex',
  'getcwd', 'getdents64', 'getpid', 'getppid', 'getrandom', 'getsockname', 'gettid', 'getuid', 'keyctl', 'madvise',
  'mkdirat', 'mknodat', 'mmap', 'mount', 'mprotect', 'munmap', 'nanosleep', 'newfstatat', 'openat', 'pipe2',
  'pivot_root', 'prctl', 'read', 'readlinkat', 'recvfrom', 'rseq', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn',
  'seccomp', 'sendto', 'set_robust_list', 'set_tid_address', 'setgid', 'setgroups', 'sethostname', 'setsid',
  'setsockopt', 'setuid', 'sigaltstack', 'socket', 'statfs', 'symlinkat', 'tgkill', 'umask', 'umount2', 'unlinkat',
  'write',
];

/** A name as a file name part: what a container is called, safe in a path. */
export function profileFileName(container: string): string {
  return `seccomp-${container.replace(/[^\w.-]+/g, '_').replace(/^[.]+/, '_') || 'container'}.json`;
}

/** The lines that tell how to use the profile: Docker, Compose, Podman, and (kubernetes) the Pod's field and where the file goes. */
export function seccompUsage(file: string, format: 'docker' | 'kubernetes', image = 'IMAGE'): string {
  const base = file.split('/').pop()!;
  const lines = [
    `docker run --security-opt seccomp=${file} ${image} …`,
    `compose:  security_opt: ["seccomp=${file}"]`,
    `podman run --security-opt seccomp=${file} ${image} …`,
  ];
  if (format === 'kubernetes') {
    lines.push(
      `kubernetes: copy ${base} to /var/lib/kubelet/seccomp/profiles/${base} on every node that may run the pod, then in the pod (or container) spec:`,
      '  securityContext:',
      '    seccompProfile:',
      '      type: Localhost',
      `      localhostProfile: profiles/${base}`,
    );
  }
  return lines.join('\n');
}

/** The one line that says how the names were found. */
export function seccompModeLine(mode: SeccompMode, count: number, seconds: number): string {
  return mode === 'restart'
    ? `${count} syscalls, traced from the container's restart (its runtime's init, the entrypoint's exec and ${seconds}s of it running)`
    : `${count} syscalls, from a running container (${seconds}s) plus the start set (what a container's start needs, measured once: the runtime's init and the entrypoint's exec)`;
}
