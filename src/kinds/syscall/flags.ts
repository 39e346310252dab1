/**
 * syscall: numbers by name as strace prints them (x86_64 Linux values from
 * the kernel's uapi headers; names in strace's order, so that a word reads
 * as strace writes it).
 */

/** Bits of `v` by name, in the table's order; the rest in hex; `zero` when none. */
function bits(v: number, table: readonly [string, number][], zero: string): string {
  const out: string[] = [];
  let rest = v;
  for (const [name, bit] of table) {
    if (bit && (rest & bit) === bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest) out.push('0x' + (rest >>> 0).toString(16));
  return out.length ? out.join('|') : zero;
}

const cache = new Map<string, string>();
/** The same few words recur: cached, bounded. */
function cached(kind: string, v: number, make: () => string): string {
  const key = kind + v;
  let s = cache.get(key);
  if (s === undefined) {
    s = make();
    if (cache.size < 8192) cache.set(key, s);
  }
  return s;
}

const OPEN: [string, number][] = [
  ['O_CREAT', 0o100], ['O_EXCL', 0o200], ['O_NOCTTY', 0o400], ['O_TRUNC', 0o1000], ['O_APPEND', 0o2000], ['O_NONBLOCK', 0o4000],
  ['O_SYNC', 0o4010000], ['__O_SYNC', 0o4000000], ['O_DSYNC', 0o10000], ['O_DIRECT', 0o40000], ['O_LARGEFILE', 0o100000],
  ['O_NOFOLLOW', 0o400000], ['O_NOATIME', 0o1000000], ['O_CLOEXEC', 0o2000000], ['O_PATH', 0o10000000],
  ['O_TMPFILE', 0o20200000], ['__O_TMPFILE', 0o20000000], ['O_DIRECTORY', 0o200000], ['FASYNC', 0o20000],
];
export const O_CREAT = 0o100;
export const O_TMPFILE = 0o20200000;
export const O_CLOEXEC = 0o2000000;
/** open(2) flags: O_RDONLY|O_CLOEXEC. */
export const openFlags = (v: number): string =>
  cached('o', v, () => {
    const acc = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][v & 3];
    const rest = bits(v & ~3, OPEN, '');
    return rest ? `${acc}|${rest}` : acc;
  });

export const protFlags = (v: number): string => cached('p', v, () => bits(v, [['PROT_READ', 1], ['PROT_WRITE', 2], ['PROT_EXEC', 4], ['PROT_SEM', 8], ['PROT_GROWSDOWN', 0x01000000], ['PROT_GROWSUP', 0x02000000]], 'PROT_NONE'));

const MAP: [string, number][] = [
  ['MAP_FIXED', 0x10], ['MAP_ANONYMOUS', 0x20], ['MAP_32BIT', 0x40], ['MAP_NORESERVE', 0x4000], ['MAP_POPULATE', 0x8000], ['MAP_NONBLOCK', 0x10000],
  ['MAP_GROWSDOWN', 0x100], ['MAP_DENYWRITE', 0x800], ['MAP_EXECUTABLE', 0x1000], ['MAP_LOCKED', 0x2000], ['MAP_STACK', 0x20000], ['MAP_HUGETLB', 0x40000],
  ['MAP_SYNC', 0x80000], ['MAP_FIXED_NOREPLACE', 0x100000],
];
export const mapFlags = (v: number): string =>
  cached('m', v, () => {
    const type = ['0', 'MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE'][v & 3];
    const rest = bits(v & ~3, MAP, '');
    return rest ? `${type}|${rest}` : type;
  });

export const accessMode = (v: number): string => (v === 0 ? 'F_OK' : cached('a', v, () => bits(v, [['R_OK', 4], ['W_OK', 2], ['X_OK', 1]], 'F_OK')));

export const atFlags = (v: number): string =>
  cached('t', v, () => bits(v, [['AT_SYMLINK_NOFOLLOW', 0x100], ['AT_REMOVEDIR', 0x200], ['AT_SYMLINK_FOLLOW', 0x400], ['AT_NO_AUTOMOUNT', 0x800], ['AT_EMPTY_PATH', 0x1000], ['AT_STATX_FORCE_SYNC', 0x2000], ['AT_STATX_DONT_SYNC', 0x4000], ['AT_RECURSIVE', 0x8000]], '0'));

const CLONE: [string, number][] = [
  ['CLONE_VM', 0x100], ['CLONE_FS', 0x200], ['CLONE_FILES', 0x400], ['CLONE_SIGHAND', 0x800], ['CLONE_PIDFD', 0x1000], ['CLONE_PTRACE', 0x2000],
  ['CLONE_VFORK', 0x4000], ['CLONE_PARENT', 0x8000], ['CLONE_THREAD', 0x10000], ['CLONE_NEWNS', 0x20000], ['CLONE_SYSVSEM', 0x40000],
  ['CLONE_SETTLS', 0x80000], ['CLONE_PARENT_SETTID', 0x100000], ['CLONE_CHILD_CLEARTID', 0x200000], ['CLONE_UNTRACED', 0x800000],
  ['CLONE_CHILD_SETTID', 0x1000000], ['CLONE_NEWCGROUP', 0x2000000], ['CLONE_NEWUTS', 0x4000000], ['CLONE_NEWIPC', 0x8000000],
  ['CLONE_NEWUSER', 0x10000000], ['CLONE_NEWPID', 0x20000000], ['CLONE_NEWNET', 0x40000000], ['CLONE_IO', 0x80000000],
];
export const CLONE_THREAD = 0x10000;
export const CLONE_FILES = 0x400;
/** clone's flags: the CLONE_* bits, then the exit signal's name. */
export const cloneFlags = (v: number): string =>
  cached('c', v, () => {
    const sig = v & 0xff;
    const names = bits(v & ~0xff, CLONE, '');
    const s = sig ? signalName(sig) : '';
    return [names, s].filter(Boolean).join('|') || '0';
  });

const SIGNALS = ['0', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS'];
export function signalName(n: number): string {
  if (n >= 0 && n < SIGNALS.length) return SIGNALS[n];
  if (n >= 32 && n <= 64) return n === 32 ? 'SIGRT_0' : `SIGRT_${n - 32}`;
  return String(n);
}

export const sigHow = (v: number): string => ['SIG_BLOCK', 'SIG_UNBLOCK', 'SIG_SETMASK'][v] ?? String(v);

const DOMAINS: Record<number, string> = { 0: 'AF_UNSPEC', 1: 'AF_UNIX', 2: 'AF_INET', 10: 'AF_INET6', 16: 'AF_NETLINK', 17: 'AF_PACKET', 38: 'AF_ALG', 40: 'AF_VSOCK' };
export const domainName = (v: number): string => DOMAINS[v] ?? String(v);

const SOCK_TYPES: Record<number, string> = { 1: 'SOCK_STREAM', 2: 'SOCK_DGRAM', 3: 'SOCK_RAW', 4: 'SOCK_RDM', 5: 'SOCK_SEQPACKET', 6: 'SOCK_DCCP', 10: 'SOCK_PACKET' };
export const sockType = (v: number): string =>
  cached('s', v, () => [SOCK_TYPES[v & 0xf] ?? String(v & 0xf), bits(v & ~0xf, [['SOCK_CLOEXEC', 0o2000000], ['SOCK_NONBLOCK', 0o4000]], '')].filter(Boolean).join('|'));

const PROTOS: Record<number, string> = { 0: 'IPPROTO_IP', 1: 'IPPROTO_ICMP', 6: 'IPPROTO_TCP', 17: 'IPPROTO_UDP', 58: 'IPPROTO_ICMPV6', 132: 'IPPROTO_SCTP' };
/** socket()'s protocol: IPPROTO_* in the internet domains, a number elsewhere. */
export const protocolName = (domain: number, v: number): string => ((domain === 2 || domain === 10) && PROTOS[v]) || String(v);

export const whenceName = (v: number): string => ['SEEK_SET', 'SEEK_CUR', 'SEEK_END', 'SEEK_DATA', 'SEEK_HOLE'][v] ?? String(v);

export const waitOptions = (v: number): string =>
  cached('w', v, () => bits(v, [['WNOHANG', 1], ['WUNTRACED', 2], ['WEXITED', 4], ['WCONTINUED', 8], ['WNOWAIT', 0x1000000], ['__WNOTHREAD', 0x20000000], ['__WALL', 0x40000000], ['__WCLONE', 0x80000000]], '0'));

export const msgFlags = (v: number): string =>
  cached('g', v, () => bits(v, [['MSG_OOB', 1], ['MSG_PEEK', 2], ['MSG_DONTROUTE', 4], ['MSG_CTRUNC', 8], ['MSG_TRUNC', 0x20], ['MSG_DONTWAIT', 0x40], ['MSG_EOR', 0x80], ['MSG_WAITALL', 0x100], ['MSG_NOSIGNAL', 0x4000], ['MSG_MORE', 0x8000], ['MSG_CMSG_CLOEXEC', 0x40000000]], '0'));

const FCNTL: Record<number, string> = { 0: 'F_DUPFD', 1: 'F_GETFD', 2: 'F_SETFD', 3: 'F_GETFL', 4: 'F_SETFL', 5: 'F_GETLK', 6: 'F_SETLK', 7: 'F_SETLKW', 8: 'F_SETOWN', 9: 'F_GETOWN', 1024: 'F_SETLEASE', 1025: 'F_GETLEASE', 1030: 'F_DUPFD_CLOEXEC', 1031: 'F_SETPIPE_SZ', 1032: 'F_GETPIPE_SZ', 1033: 'F_ADD_SEALS', 1034: 'F_GET_SEALS' };
export const fcntlCmd = (v: number): string => FCNTL[v] ?? String(v);
export const F_DUPFD = 0;
export const F_DUPFD_CLOEXEC = 1030;

const FILE_TYPES: Record<number, string> = { 0o140000: 'S_IFSOCK', 0o120000: 'S_IFLNK', 0o100000: 'S_IFREG', 0o60000: 'S_IFBLK', 0o40000: 'S_IFDIR', 0o20000: 'S_IFCHR', 0o10000: 'S_IFIFO' };
/** st_mode as strace prints it: S_IFREG|0644. */
export const statMode = (v: number): string =>
  cached('f', v, () => {
    const type = FILE_TYPES[v & 0o170000];
    const perm = '0' + (v & 0o7777).toString(8).padStart(3, '0');
    return type ? `${type}|${perm}` : perm;
  });

/** A mode argument: 0644 (strace writes 000 for none). */
export const modeOctal = (v: number): string => '0' + (v & 0o7777).toString(8).padStart(3, '0');

const ARCH_PRCTL: Record<number, string> = { 0x1001: 'ARCH_SET_GS', 0x1002: 'ARCH_SET_FS', 0x1003: 'ARCH_GET_FS', 0x1004: 'ARCH_GET_GS', 0x1011: 'ARCH_GET_CPUID', 0x1012: 'ARCH_SET_CPUID' };
export const archPrctl = (v: number): string => ARCH_PRCTL[v] ?? '0x' + v.toString(16);

const RLIMITS = ['RLIMIT_CPU', 'RLIMIT_FSIZE', 'RLIMIT_DATA', 'RLIMIT_STACK', 'RLIMIT_CORE', 'RLIMIT_RSS', 'RLIMIT_NPROC', 'RLIMIT_NOFILE', 'RLIMIT_MEMLOCK', 'RLIMIT_AS', 'RLIMIT_LOCKS', 'RLIMIT_SIGPENDING', 'RLIMIT_MSGQUEUE', 'RLIMIT_NICE', 'RLIMIT_RTPRIO', 'RLIMIT_RTTIME'];
export const rlimitName = (v: number): string => RLIMITS[v] ?? String(v);

const PRCTL: Record<number, string> = { 1: 'PR_SET_PDEATHSIG', 2: 'PR_GET_PDEATHSIG', 3: 'PR_GET_DUMPABLE', 4: 'PR_SET_DUMPABLE', 8: 'PR_SET_KEEPCAPS', 15: 'PR_SET_NAME', 16: 'PR_GET_NAME', 21: 'PR_GET_SECCOMP', 22: 'PR_SET_SECCOMP', 23: 'PR_CAPBSET_READ', 24: 'PR_CAPBSET_DROP', 35: 'PR_SET_MM', 36: 'PR_SET_CHILD_SUBREAPER', 37: 'PR_GET_CHILD_SUBREAPER', 38: 'PR_SET_NO_NEW_PRIVS', 39: 'PR_GET_NO_NEW_PRIVS', 47: 'PR_CAP_AMBIENT', 0x53564d41: 'PR_SET_VMA' };
export const prctlOption = (v: number): string => PRCTL[v] ?? String(v);

const FUTEX = ['FUTEX_WAIT', 'FUTEX_WAKE', 'FUTEX_FD', 'FUTEX_REQUEUE', 'FUTEX_CMP_REQUEUE', 'FUTEX_WAKE_OP', 'FUTEX_LOCK_PI', 'FUTEX_UNLOCK_PI', 'FUTEX_TRYLOCK_PI', 'FUTEX_WAIT_BITSET', 'FUTEX_WAKE_BITSET', 'FUTEX_WAIT_REQUEUE_PI', 'FUTEX_CMP_REQUEUE_PI', 'FUTEX_LOCK_PI2'];
/** futex's op: FUTEX_WAKE_PRIVATE, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME. */
export const futexOp = (v: number): string =>
  cached('x', v, () => {
    const base = FUTEX[v & 0x7f] ?? String(v & 0x7f);
    return `${base}${v & 128 ? '_PRIVATE' : ''}${v & 256 ? '|FUTEX_CLOCK_REALTIME' : ''}`;
  });

export const grndFlags = (v: number): string => cached('r', v, () => bits(v, [['GRND_NONBLOCK', 1], ['GRND_RANDOM', 2], ['GRND_INSECURE', 4]], '0'));

/** The kernel's restart codes, which no C library names (strace prints them as ? ERESTARTSYS (…)). */
export const RESTART_ERRNOS: Record<number, [string, string]> = {
  512: ['ERESTARTSYS', 'To be restarted if SA_RESTART is set'],
  513: ['ERESTARTNOINTR', 'To be restarted'],
  514: ['ERESTARTNOHAND', 'To be restarted if no handler'],
  515: ['ENOIOCTLCMD', 'No ioctl command'],
  516: ['ERESTART_RESTARTBLOCK', 'Interrupted by signal'],
  517: ['EPROBE_DEFER', 'Driver probe deferred'],
  518: ['EOPENSTALE', 'Open found a stale dentry'],
  524: ['ENOTSUPP', 'Operation not supported'],
};
