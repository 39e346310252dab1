#!/usr/bin/env node
// Regenerates the syscall kind's tables: src/kinds/syscall/table.ts (each
// x86_64 syscall's name, parameters with how they print, strace's classes)
// and bpf/syscall_table.h (what the BPF program reads of each call's
// memory). Run as root once per kernel/strace update:
//
//   node scripts/gen-syscall-table.mjs STRACE_SRC
//
// Sources, each the authority for its part:
// - numbers and names: the kernel's <asm/unistd_64.h> (linux-libc-dev), as
//   scripts/gen-syscalls.mjs reads them;
// - parameter names and C types: the kernel's own syscall tracepoints,
//   /sys/kernel/tracing/events/syscalls/sys_enter_<name>/format;
// - classes (%file, %network, ...): strace's syscall table flags (TF, TN,
//   TP, TS, TM, TD, TI, TC, TCL, PU, stat families), read from a strace
//   source tree (src/linux/x86_64/syscallent.h and
//   src/linux/generic/syscallent-common.h, e.g. a `git clone` of
//   strace/strace) — only which class each syscall is in is kept;
// - errno messages: the C library's strerror (what strace prints), via python3.
// How each parameter prints (fd, path, flags by name, buffers read at exit)
// is the table KINDS below, by syscall; other parameters by their C type.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const straceSrc = process.argv[2];
if (!straceSrc) {
  console.error('usage: gen-syscall-table.mjs STRACE_SRC (a strace source tree: src/linux/x86_64/syscallent.h)');
  process.exit(2);
}
const unistd = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
const events = '/sys/kernel/tracing/events/syscalls';
if (!existsSync(events)) {
  console.error(`${events} is missing: mount -t tracefs tracefs /sys/kernel/tracing (as root)`);
  process.exit(1);
}

const names = [];
for (const m of readFileSync(unistd, 'utf8').matchAll(/^#define __NR_(\w+)\s+(\d+)$/gm)) names[Number(m[2])] = m[1];

// strace's classes, by syscall name.
const CLASS_BITS = { TF: 'file', TN: 'network', TP: 'process', TS: 'signal', TM: 'memory', TD: 'desc', TI: 'ipc', TC: 'creds', TCL: 'clock', PU: 'pure', TST: 'stat', TLST: 'lstat', TFST: 'fstat', TSTA: '%stat', TSF: 'statfs', TFSF: 'fstatfs', TSFA: '%statfs' };
const classes = new Map();
const nargs = new Map();
for (const f of ['src/linux/x86_64/syscallent.h', 'src/linux/generic/syscallent-common.h']) {
  const text = readFileSync(`${straceSrc}/${f}`, 'utf8');
  for (const m of text.matchAll(/^\[[^\]]*\]\s*=\s*\{\s*\d+,\s*([A-Z|0-9]+),\s*SEN\([^)]*\),\s*"(\w+)"/gm)) {
    const cls = m[1].split('|').map((b) => CLASS_BITS[b]).filter(Boolean);
    classes.set(m[2], [...new Set(cls)]);
    nargs.set(m[2], Number(/\{\s*(\d+)/.exec(m[0])[1]));
  }
}

// Parameters from the kernel's tracepoint formats.
function params(name) {
  // Some tracepoints keep the kernel's function name (fstat is sys_newfstat).
  const file = [name, `new${name}`, `${name}64`, name.replace(/2$/, '')].map((n) => `${events}/sys_enter_${n}/format`).find((f) => existsSync(f));
  if (!file) return undefined;
  const out = [];
  for (const m of readFileSync(file, 'utf8').matchAll(/field:([^;]+);\s*offset:(\d+);/g)) {
    if (Number(m[2]) < 16) continue; // common fields and __syscall_nr
    const decl = m[1].trim();
    const pm = /^(.*?)([A-Za-z_]\w*)$/.exec(decl);
    out.push({ type: pm[1].trim(), name: pm[2] });
  }
  return out;
}

// How parameters print, by syscall (in order; '' keeps the type's default).
// fd, dirfd (AT_FDCWD), path/str (read at entry), bufin:N (bytes at entry,
// length arg N), bufout (bytes at exit, length the result), sockaddr:N,
// stat (struct stat at exit), argv, envp, pipefd, wstatus (at exit), and
// names: oflags, mode, prot, mapflags, amode, atflags, sig, sighow, domain,
// socktype, whence, clone, wopts, msgflags, fcntlcmd, archprctl, rlimit, prctlopt,
// futexop, grnd, randout (bytes at exit, printed in hex as strace does), hex, int, uint, ptr.
const KINDS = {
  read: ['fd', 'bufout', 'uint'],
  write: ['fd', 'bufin:2', 'uint'],
  pread64: ['fd', 'bufout', 'uint', 'int'],
  pwrite64: ['fd', 'bufin:2', 'uint', 'int'],
  open: ['path', 'oflags', 'mode'],
  openat: ['dirfd', 'path', 'oflags', 'mode'],
  openat2: ['dirfd', 'path', 'ptr', 'uint'],
  creat: ['path', 'mode'],
  close: ['fd'],
  stat: ['path', 'stat'],
  lstat: ['path', 'stat'],
  fstat: ['fd', 'stat'],
  newfstatat: ['dirfd', 'path', 'stat', 'atflags'],
  statx: ['dirfd', 'path', 'atflags', 'hex', 'ptr'],
  access: ['path', 'amode'],
  faccessat: ['dirfd', 'path', 'amode'],
  faccessat2: ['dirfd', 'path', 'amode', 'atflags'],
  readlink: ['path', 'bufout', 'uint'],
  readlinkat: ['dirfd', 'path', 'bufout', 'uint'],
  unlink: ['path'],
  unlinkat: ['dirfd', 'path', 'atflags'],
  mkdir: ['path', 'mode'],
  mkdirat: ['dirfd', 'path', 'mode'],
  rmdir: ['path'],
  rename: ['path', 'path'],
  renameat: ['dirfd', 'path', 'dirfd', 'path'],
  renameat2: ['dirfd', 'path', 'dirfd', 'path', 'hex'],
  link: ['path', 'path'],
  symlink: ['path', 'path'],
  chdir: ['path'],
  fchdir: ['fd'],
  chmod: ['path', 'mode'],
  fchmod: ['fd', 'mode'],
  fchmodat: ['dirfd', 'path', 'mode'],
  chown: ['path', 'int', 'int'],
  lchown: ['path', 'int', 'int'],
  fchownat: ['dirfd', 'path', 'int', 'int', 'atflags'],
  truncate: ['path', 'int'],
  ftruncate: ['fd', 'int'],
  getcwd: ['bufout', 'uint'],
  chroot: ['path'],
  execve: ['path', 'argv', 'envp'],
  execveat: ['dirfd', 'path', 'argv', 'envp', 'atflags'],
  mmap: ['ptr', 'uint', 'prot', 'mapflags', 'fd', 'hex'],
  mprotect: ['ptr', 'uint', 'prot'],
  munmap: ['ptr', 'uint'],
  brk: ['ptr'],
  socket: ['domain', 'socktype', 'int'],
  connect: ['fd', 'sockaddr:2', 'uint'],
  bind: ['fd', 'sockaddr:2', 'uint'],
  listen: ['fd', 'int'],
  accept: ['fd', 'ptr', 'ptr'],
  accept4: ['fd', 'ptr', 'ptr', 'hex'],
  sendto: ['fd', 'bufin:2', 'uint', 'msgflags', 'sockaddr:5', 'uint'],
  recvfrom: ['fd', 'bufout', 'uint', 'msgflags', 'ptr', 'ptr'],
  shutdown: ['fd', 'int'],
  getsockname: ['fd', 'ptr', 'ptr'],
  getpeername: ['fd', 'ptr', 'ptr'],
  setsockopt: ['fd', 'int', 'int', 'ptr', 'uint'],
  getsockopt: ['fd', 'int', 'int', 'ptr', 'ptr'],
  sendmsg: ['fd', 'ptr', 'msgflags'],
  recvmsg: ['fd', 'ptr', 'msgflags'],
  clone: ['clone', 'ptr', 'ptr', 'ptr', 'hex'],
  clone3: ['ptr', 'uint'],
  wait4: ['int', 'wstatus', 'wopts', 'ptr'],
  kill: ['int', 'sig'],
  tkill: ['int', 'sig'],
  tgkill: ['int', 'int', 'sig'],
  rt_sigaction: ['sig', 'ptr', 'ptr', 'uint'],
  rt_sigprocmask: ['sighow', 'ptr', 'ptr', 'uint'],
  exit: ['int'],
  exit_group: ['int'],
  dup: ['fd'],
  dup2: ['fd', 'fd'],
  dup3: ['fd', 'fd', 'oflags'],
  pipe: ['pipefd'],
  pipe2: ['pipefd', 'oflags'],
  lseek: ['fd', 'int', 'whence'],
  fcntl: ['fd', 'fcntlcmd', 'hex'],
  ioctl: ['fd', 'hex', 'hex'],
  getdents64: ['fd', 'ptr', 'uint'],
  fsync: ['fd'],
  fdatasync: ['fd'],
  epoll_create1: ['hex'],
  eventfd2: ['uint', 'hex'],
  set_tid_address: ['ptr'],
  nanosleep: ['ptr', 'ptr'],
  getrandom: ['randout', 'uint', 'grnd'],
  mount: ['str', 'path', 'ptr', 'hex', 'ptr'], // two strings at most: the type stays an address
  umount2: ['path', 'hex'],
  sethostname: ['bufin:1', 'uint'],
  arch_prctl: ['archprctl', 'hex'],
  prlimit64: ['int', 'rlimit', 'ptr', 'ptr'],
  getrlimit: ['rlimit', 'ptr'],
  setrlimit: ['rlimit', 'ptr'],
  rseq: ['ptr', 'hex', 'hex', 'hex'],
  prctl: ['prctlopt', 'hex', 'hex', 'hex', 'hex'],
  futex: ['ptr', 'futexop', 'int', 'ptr', 'ptr', 'int'],
};
// Results that are file descriptors (named by what they are) or addresses.
const RET_FD = ['open', 'openat', 'openat2', 'creat', 'socket', 'accept', 'accept4', 'dup', 'dup2', 'dup3', 'epoll_create', 'epoll_create1', 'eventfd', 'eventfd2', 'memfd_create', 'timerfd_create', 'signalfd', 'signalfd4', 'inotify_init', 'inotify_init1', 'pidfd_open', 'userfaultfd', 'fanotify_init', 'perf_event_open', 'open_by_handle_at', 'open_tree', 'fsopen', 'fsmount', 'fspick', 'io_uring_setup', 'bpf'];
const RET_PTR = ['mmap', 'brk', 'mremap', 'shmat'];

const FD_NAMES = /^(fd|ufd|epfd|oldfd|newfd|fd_in|fd_out|out_fd|in_fd|pidfd|fanotify_fd|mqdes)$/;
function defaultKind(p) {
  const t = p.type;
  if (/^(dfd|olddfd|newdfd)$/.test(p.name)) return 'dirfd';
  if (FD_NAMES.test(p.name) && !t.includes('*')) return 'fd';
  if (/^const char \*$/.test(t)) return /name|path|file|dir|special/.test(p.name) ? 'path' : 'str';
  if (t.includes('*')) return 'ptr';
  if (/^(sig)$/.test(p.name)) return 'sig';
  if (/flags?$/.test(p.name)) return 'hex';
  if (/^umode_t$/.test(t)) return 'mode';
  if (/^(size_t|unsigned|u32|u64|__u32|__u64)/.test(t) || t.startsWith('unsigned')) return 'uint';
  return 'int';
}

// BPF captures (bpf/syscall.h SC_CAP_*): at most two per call.
const CAP = { str: 1, bufin: 2, bufout: 3, stat: 4, argv: 5, out4: 6, out8: 7 };
function capture(kind) {
  if (kind === 'path' || kind === 'str') return { type: CAP.str };
  if (kind.startsWith('bufin:') || kind.startsWith('sockaddr:')) return { type: CAP.bufin, len: Number(kind.split(':')[1]) };
  if (kind === 'bufout' || kind === 'randout') return { type: CAP.bufout };
  if (kind === 'stat') return { type: CAP.stat };
  if (kind === 'argv') return { type: CAP.argv };
  if (kind === 'wstatus') return { type: CAP.out4 };
  if (kind === 'pipefd') return { type: CAP.out8 };
  return undefined;
}

const rows = [];
const caps = [];
let described = 0;
for (let nr = 0; nr < names.length; nr++) {
  const name = names[nr];
  if (!name) continue;
  // No tracepoint (a few): strace's count of arguments, printed raw.
  const ps = params(name) ?? Array.from({ length: nargs.get(name) ?? 0 }, (_, i) => ({ name: `arg${i}`, type: 'unsigned long' }));
  const own = KINDS[name];
  if (params(name)) described++;
  const args = ps.map((p, i) => [p.name, own?.[i] || defaultKind(p)]);
  if (own && own.length !== ps.length && ps.length) throw new Error(`${name}: KINDS has ${own.length} parameters, the kernel ${ps.length}`);
  const ret = RET_FD.includes(name) ? 'fd' : RET_PTR.includes(name) ? 'ptr' : 'int';
  rows.push(`  ${nr}: { name: '${name}', args: [${args.map(([n, k]) => `['${n}', '${k}']`).join(', ')}], ret: '${ret}', classes: [${(classes.get(name) ?? []).map((c) => `'${c}'`).join(', ')}] },`);
  // Each capture: arg (3 bits), type (4 bits), length arg (3 bits, 7 none): 10 bits; two per u32 (bits 0-9, 16-25).
  let word = 0;
  let slot = 0;
  args.forEach(([, k], i) => {
    const c = capture(k);
    if (!c || slot > 1) return;
    const bits = i | (c.type << 3) | ((c.len ?? 7) << 7);
    word |= bits << (slot * 16);
    slot++;
  });
  if (word) caps.push(`\t[${nr}] = 0x${(word >>> 0).toString(16)}, /* ${name} */`);
}
const maxNr = names.length;

// errno → strerror text, as the C library (and so strace) says it.
const errnos = JSON.parse(
  execFileSync('python3', ['-c', 'import errno, os, json; print(json.dumps({n: os.strerror(c) for n, c in errno.__dict__.items() if n.startswith("E") and isinstance(c, int)}))'], { encoding: 'utf8' }),
);

writeFileSync(
  new URL('../src/kinds/syscall/table.ts', import.meta.url),
  `/**
 * x86_64 syscalls for the syscall kind (generated by scripts/gen-syscall-table.mjs):
 * numbers and names from the kernel's <asm/unistd_64.h>, parameters from the
 * kernel's syscall tracepoints (sys_enter_NAME/format), how each prints from the
 * script's own table, classes from strace's syscall table flags
 * (src/linux/x86_64/syscallent.h, src/linux/generic/syscallent-common.h).
 */
/** How a parameter prints (and what the BPF program reads of it): see scripts/gen-syscall-table.mjs. */
export type ArgKind = string;

export interface SyscallSpec {
  name: string;
  /** Parameter names (the kernel's) with how each prints. */
  args: [string, ArgKind][];
  /** fd: a file descriptor (named); ptr: an address (hex); int: a number. */
  ret: 'fd' | 'ptr' | 'int';
  /** strace's classes (%file, %network, ...), without the %. */
  classes: string[];
}

export const SYSCALL_TABLE: Record<number, SyscallSpec> = {
${rows.join('\n')}
};

/** errno names → the C library's message (strerror), as strace prints after the name. */
export const ERRNO_MESSAGES: Record<string, string> = ${JSON.stringify(errnos, null, 2)};
`,
);
writeFileSync(
  new URL('../bpf/syscall_table.h', import.meta.url),
  `/* What the syscall kind reads of each call's memory, by x86_64 syscall
 * number (generated by scripts/gen-syscall-table.mjs from the kernel's
 * syscall tracepoints and its own table of how parameters print). Two
 * captures per call at most, each 10 bits (bits 0-9 and 16-25): argument
 * index (3 bits), SC_CAP_* type (4 bits), the argument holding its length
 * (3 bits, 7: none). */
#ifndef CT_SYSCALL_TABLE_H
#define CT_SYSCALL_TABLE_H

#define SC_NR_MAX 512 /* the table's size (x86_64 numbers end at ${maxNr - 1}) */

static const __u32 sc_caps[SC_NR_MAX] = {
${caps.join('\n')}
};

#endif
`,
);
console.log(`${rows.length} syscalls, ${described} with the kernel's parameters, ${classes.size} with strace's classes, ${caps.length} with captures`);
