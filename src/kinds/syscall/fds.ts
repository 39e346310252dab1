/**
 * syscall: what each file descriptor of a traced process names, learnt from
 * the stream (an open's path, a socket and where it connected or bound, a
 * pipe, a dup), as strace -y writes it after the number: 3</etc/passwd>,
 * 4<TCP:[->127.0.0.1:80]>. A descriptor the trace did not see made (opened
 * before it began) has no name. Copied to a child at fork, dropped at close,
 * at exec when close-on-exec, and with the process at exit_group. Bounded:
 * MAX_PROCS processes (the oldest forgotten first), MAX_FDS names each (past that,
 * new descriptors go unnamed).
 */
import type { SyscallArg } from '../../protocol';
import { CLONE_THREAD, F_DUPFD, F_DUPFD_CLOEXEC, O_CLOEXEC } from './flags';

const MAX_PROCS = 4096;
const MAX_FDS = 1024;

interface FdName {
  name: string;
  cloexec: boolean;
}
type Table = Map<number, FdName>;

const SOCK_CLOEXEC = 0o2000000;

/** A socket's kind by domain and type, as strace -yy names it. */
function socketName(domain: number, type: number): string {
  const t = type & 0xf;
  if (domain === 2) return t === 1 ? 'TCP' : t === 2 ? 'UDP' : 'socket';
  if (domain === 10) return t === 1 ? 'TCPv6' : t === 2 ? 'UDPv6' : 'socket';
  if (domain === 1) return 'UNIX';
  if (domain === 16) return 'NETLINK';
  return 'socket';
}

const endpoint = (a: SyscallArg): string | undefined => {
  if (!a || typeof a !== 'object' || Array.isArray(a) || !('family' in a)) return undefined;
  if (a.address !== undefined) return a.family === 'AF_INET6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  return a.path;
};

export class FdNames {
  /** By process: `pidns:pid` (tgid in the container), the least recently made first (evicted first when full). */
  private readonly procs = new Map<string, Table>();

  private table(pidns: number, pid: number, make: boolean): Table | undefined {
    const key = `${pidns}:${pid}`;
    let t = this.procs.get(key);
    if (!t && make) {
      // Full: the oldest process's names go (processes that ended without exit_group, killed).
      if (this.procs.size >= MAX_PROCS) this.procs.delete(this.procs.keys().next().value!);
      this.procs.set(key, (t = new Map()));
    }
    return t;
  }

  name(pidns: number, pid: number, fd: number): string | undefined {
    return this.procs.get(`${pidns}:${pid}`)?.get(fd)?.name;
  }

  private set(pidns: number, pid: number, fd: number, name: string, cloexec: boolean): void {
    const t = this.table(pidns, pid, true);
    if (t && (t.size < MAX_FDS || t.has(fd))) t.set(fd, { name, cloexec });
  }

  private drop(pidns: number, pid: number, fd: number): void {
    this.procs.get(`${pidns}:${pid}`)?.delete(fd);
  }

  exitProcess(pidns: number, pid: number): void {
    this.procs.delete(`${pidns}:${pid}`);
  }

  /**
   * A call that succeeded (ret its result): what it changes; the name of
   * the descriptor it returned, if it returned one.
   */
  after(call: string, raw: number[], ret: number, args: Record<string, SyscallArg>, pidns: number, pid: number, bytes: Buffer, slot0: { start: number; len: number } | undefined): string | undefined {
    const fd0 = raw[0] | 0;
    switch (call) {
      case 'open':
      case 'creat':
      case 'openat':
      case 'openat2': {
        const path = args.filename ?? args.pathname;
        if (typeof path !== 'string') return undefined;
        // openat2's flags are in its struct open_how (not read): not known to be close-on-exec.
        const flags = call === 'open' ? raw[1] : call === 'openat' ? raw[2] : 0;
        this.set(pidns, pid, ret, path, (flags & O_CLOEXEC) !== 0);
        return path;
      }
      case 'socket': {
        const name = socketName(raw[0], raw[1]);
        this.set(pidns, pid, ret, name, (raw[1] & SOCK_CLOEXEC) !== 0);
        return name;
      }
      case 'connect':
      case 'bind': {
        const was = this.name(pidns, pid, fd0) ?? 'socket';
        const ep = endpoint(args[Object.keys(args)[1]]);
        if (ep === undefined) return undefined;
        const base = was.replace(/:\[.*$/, '');
        this.set(pidns, pid, fd0, call === 'connect' ? `${base}:[->${ep}]` : `${base}:[${ep}]`, false);
        return undefined;
      }
      case 'accept':
      case 'accept4': {
        const base = (this.name(pidns, pid, fd0) ?? 'socket').replace(/:\[.*$/, '');
        this.set(pidns, pid, ret, base, call === 'accept4' && (raw[3] & SOCK_CLOEXEC) !== 0);
        return base;
      }
      case 'dup':
      case 'dup2':
      case 'dup3':
      case 'fcntl': {
        if (call === 'fcntl' && raw[1] !== F_DUPFD && raw[1] !== F_DUPFD_CLOEXEC) return undefined;
        const name = this.name(pidns, pid, fd0);
        if (name === undefined) {
          if (ret !== fd0) this.drop(pidns, pid, ret);
          return undefined;
        }
        this.set(pidns, pid, ret, name, (call === 'dup3' && (raw[2] & O_CLOEXEC) !== 0) || (call === 'fcntl' && raw[1] === F_DUPFD_CLOEXEC));
        return name;
      }
      case 'close':
        this.drop(pidns, pid, fd0);
        return undefined;
      case 'pipe':
      case 'pipe2': {
        if (!slot0 || slot0.len < 8) return undefined;
        const cloexec = call === 'pipe2' && (raw[1] & O_CLOEXEC) !== 0;
        this.set(pidns, pid, bytes.readInt32LE(slot0.start), 'pipe', cloexec);
        this.set(pidns, pid, bytes.readInt32LE(slot0.start + 4), 'pipe', cloexec);
        return undefined;
      }
      case 'memfd_create': {
        const name = typeof args.uname === 'string' ? `/memfd:${args.uname}` : 'memfd';
        this.set(pidns, pid, ret, name, (raw[1] & 1) !== 0);
        return name;
      }
      case 'eventfd':
      case 'eventfd2':
      case 'epoll_create':
      case 'epoll_create1':
      case 'timerfd_create':
      case 'signalfd4':
      case 'inotify_init1':
      case 'pidfd_open': {
        const name = `anon_inode:[${call.replace(/_create1?$|2$|4$|_init1$|_open$/, '').replace('epoll', 'eventpoll')}]`;
        this.set(pidns, pid, ret, name, false);
        return name;
      }
      case 'execve':
      case 'execveat': {
        const t = this.table(pidns, pid, false);
        if (t) for (const [fd, n] of t) if (n.cloexec) t.delete(fd);
        return undefined;
      }
      case 'fork':
      case 'vfork':
      case 'clone':
      case 'clone3': {
        // A new process (not a thread: threads share their process's table) starts with a copy.
        if (ret <= 0 || (call === 'clone' && raw[0] & CLONE_THREAD)) return undefined;
        const t = this.table(pidns, pid, false);
        if (!t) return undefined;
        // CLONE_FILES without CLONE_THREAD shares the table: a copy is what it holds now (later changes are not shared).
        const c = this.table(pidns, ret, true);
        if (c) {
          c.clear();
          for (const [fd, n] of t) c.set(fd, { ...n });
        }
        return undefined;
      }
    }
    return undefined;
  }
}
