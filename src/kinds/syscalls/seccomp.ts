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
 * the runtime's init (runc's, in the container's namespaces, before and
 * after it installs the profile) and the exec of the entrypoint up to its
 * program's own start (the dynamic loader's calls too). Measured on this
 * machine with this tool (2026-12: Docker 20.10, runc 1.1, kernel 6.18,
 * x86_64): `container-trace trace syscalls --wait --json` started before
 * `docker run` of three fresh containers, every name of their reports
 * together: busybox (static) `true`, busybox `sleep 1`, and the host's
 * coreutils `true` (glibc, dynamically linked) copied into an image with
 * glibc. The integration test (test/integration/seccomp.test.ts) holds it:
 * a container started with a running trace's names plus these does its work.
 */
export const START_SET: readonly string[] = [
  'access', 'arch_prctl', 'bind', 'brk', 'capget', 'capset', 'chdir', 'clock_nanosleep', 'clone3', 'close', 'dup3',
  'epoll_create1', 'epoll_ctl', 'epoll_pwait', 'execve', 'faccessat2', 'fchdir', 'fchmodat', 'fchownat', 'fcntl',
  'fstat', 'fstatfs', 'futex', 'getcwd', 'getdents64', 'getpid', 'getppid', 'getrandom', 'getrlimit', 'getsockname',
  'gettid', 'getuid', 'keyctl', 'madvise', 'mkdirat', 'mknodat', 'mmap', 'mount', 'mprotect', 'munmap', 'nanosleep',
  'newfstatat', 'openat', 'pipe2', 'pivot_root', 'prctl', 'pread64', 'prlimit64', 'read', 'readlink', 'readlinkat',
  'recvfrom', 'rseq', 'rt_sigaction', 'rt_sigprocmask', 'sched_getaffinity', 'sched_yield', 'seccomp', 'sendto',
  'set_robust_list', 'set_tid_address', 'setgid', 'setgroups', 'sethostname', 'setsid', 'setsockopt', 'setuid',
  'sigaltstack', 'socket', 'statfs', 'symlinkat', 'tgkill', 'umask', 'umount2', 'unlinkat', 'write',
];

/**
 * Syscalls that never return (the process or thread is gone), which the
 * syscalls kind therefore never counts (it counts at the return): every
 * profile allows them, or no process could end.
 */
export const NEVER_RETURN: readonly string[] = ['exit', 'exit_group'];

/** A name as a file name part: what a container is called, safe in a path. */
export function profileFileName(container: string): string {
  return `seccomp-${container.replace(/[^\w.-]+/g, '_') || 'container'}.json`;
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

/** What a trace's reports say of the syscalls made (counted, and blocked in at the end), from its events. */
export class SeenSyscalls {
  readonly counted = new Set<string>();
  readonly blocked = new Set<string>();
  reports = 0;
  calls = 0;

  add(e: { names?: string[]; inFlight?: string[]; top: { syscall: string }[]; totalCalls: number }): void {
    this.reports++;
    this.calls += e.totalCalls;
    for (const n of e.names ?? e.top.map((t) => t.syscall)) this.counted.add(n);
    for (const n of e.inFlight ?? []) this.blocked.add(n);
  }
}

/**
 * The names a profile allows: those seen (counted or blocked in at the
 * end), those that never return, and without a restart the start set;
 * `added` lists what was not seen.
 */
export function profileNames(seen: SeenSyscalls, mode: SeccompMode): { names: string[]; added: string[]; unnamed: string[] } {
  const all = new Set([...seen.counted, ...seen.blocked]);
  const bad = unnamed(all);
  for (const n of bad) all.delete(n);
  const added: string[] = [];
  for (const n of [...NEVER_RETURN, ...(mode === 'running' ? START_SET : [])]) {
    if (!all.has(n)) {
      all.add(n);
      added.push(n);
    }
  }
  return { names: [...all].sort(), added: added.sort(), unnamed: bad };
}
