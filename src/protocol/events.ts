/**
 * Events as the CLI prints them (--json, one per line) and the helper sends
 * them (trace/events). PIDs: `pid`/`tid` are at the container's PID namespace
 * level (what `ps` inside it shows); `hostPid`/`hostTid` are the host's.
 * `pid` is the process (thread group), `tid` the thread.
 *
 * Every event names its kind in the field `gadget`: the wire's word, kept
 * for compatibility with what clients already read (the code says "kind").
 */

/** Every trace kind, by the name the wire uses. Each has one event shape below and one folder under src/kinds/. */
export const KIND_NAMES = ['exec', 'exit', 'open', 'signal', 'tcp', 'syscalls', 'uprobe', 'proctree', 'bind', 'profile', 'dns', 'oomkill', 'syscall'] as const;
export type KindName = (typeof KIND_NAMES)[number];

/** Every event: one shape per kind. */
export type TraceEvent = ExecEvent | ExitEvent | OpenEvent | SignalEvent | TcpEvent | SyscallsEvent | UprobeEvent | ProctreeEvent | BindEvent | ProfileEvent | DnsEvent | OomkillEvent | SyscallEvent;

/** The event of one kind. */
export type KindEvent<K extends KindName> = Extract<TraceEvent, { gadget: K }>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
/** Checked by the compiler: every name has an event shape, and every shape a name. */
export const KIND_NAMES_MATCH_EVENTS: Same<KindName, TraceEvent['gadget']> = true;

export interface ContainerLabel {
  id: string;
  name: string;
  /** Set for containers of a runtime other than Docker, and for pods. */
  runtime?: string;
  namespace?: string;
  pod?: string;
}

export interface EventBase {
  /** The kind's name (each event type narrows it); `gadget` on the wire, for compatibility. */
  gadget: KindName;
  /** RFC 3339 with nanoseconds, UTC. */
  time: string;
  container: ContainerLabel;
  pid: number;
  tid: number;
  hostPid: number;
  hostTid: number;
  comm: string;
  /**
   * The container runtime's own task (runc's or crun's init before it exec'd the container's
   * program: its executable is not a file of its mount namespace). Absent otherwise.
   */
  runtime?: true;
  /**
   * --stack: where in the program it happened, leaf first (kernel frames, then
   * user frames), symbolized by the client (src/client/symbolize).
   */
  stack?: ProfileFrame[];
}

export interface ExecEvent extends EventBase {
  gadget: 'exec';
  /** Parent process in the container; 0 when it is outside (docker exec). */
  ppid: number;
  hostPpid: number;
  /** As the container sees them: mapped by its user namespace when it has one (rootless Podman), else the host's. */
  uid: number;
  gid: number;
  /** The host's uid and gid, when the container's user namespace maps them (the kernel's view). */
  hostUid?: number;
  hostGid?: number;
  /** The path as the caller passed it: the container's view. */
  filename: string;
  args: string[];
  /** More arguments than kept, or one cut at its length limit. */
  argsTruncated: boolean;
  /** 0, or the negative errno of a failed exec. */
  ret: number;
  /** errno name when ret < 0, e.g. ENOENT. */
  error?: string;
}

/** syscall: one argument as decoded (see SyscallEvent.args). */
export type SyscallArg =
  | number
  | string
  | null
  | string[]
  | { fd: number; path?: string }
  | { family: string; address?: string; port?: number; path?: string }
  | { st_mode: string; st_size: number };

/** syscall: one call of the scope, as strace shows it. */
export interface SyscallEvent extends EventBase {
  gadget: 'syscall';
  /** The syscall's name (x86_64), e.g. openat. */
  name: string;
  nr: number;
  /**
   * By the kernel's parameter names, in order: numbers (ints, sizes), flags
   * and constants by name as strace writes them ("O_RDONLY|O_CLOEXEC",
   * "AT_FDCWD", "SIGTERM"), addresses as "0x…" strings (null for NULL),
   * strings and buffers as read (UTF-8; bounded: see truncated), file
   * descriptors as {fd, path?} (path: what the fd was opened as, or its
   * socket, when the trace saw it made), sockaddrs as {family, address,
   * port} or {family, path}, stat results as {st_mode, st_size}, argv as an
   * array.
   */
  args: Record<string, SyscallArg>;
  /** The result (fd, count, address, 0); -errno on failure; null when the call never returned (exit_group). */
  ret: number | null;
  /** A result that is a file descriptor: what it names. */
  retPath?: string;
  /** errno name of a failed call, e.g. ENOENT. */
  error?: string;
  durationNs: number;
  /** Arguments whose string or buffer was cut at the bound: their source's length when known (a buffer's), else null. */
  truncated?: Record<string, number | null>;
  /** String and buffer arguments not read (unreadable memory, or a failed call's output): their address instead. */
  unread?: string[];
}

export interface ExitEvent extends EventBase {
  gadget: 'exit';
  /** exit(n) status; null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it (e.g. SIGKILL), or null. */
  signal: string | null;
  coreDumped: boolean;
  lifetimeMs: number;
  /** A thread exited; the process lives on. */
  thread: boolean;
  ppid: number;
  hostPpid: number;
  /** Killed by the kernel's OOM killer (its victim, ended by its SIGKILL); absent otherwise. */
  oomKilled?: true;
}

export interface OpenEvent extends EventBase {
  gadget: 'open';
  /** As the caller passed it (relative to dirfd when not absolute). */
  path: string;
  pathTruncated: boolean;
  /** O_* names, e.g. ["O_WRONLY", "O_CREAT", "O_CLOEXEC"]. */
  flags: string[];
  /** Octal, e.g. "0644"; only with O_CREAT or O_TMPFILE, else null. */
  mode: string | null;
  /** Set on success. */
  fd?: number;
  /** errno name on failure, e.g. ENOENT. */
  errno?: string;
  dirfd: number | 'AT_FDCWD';
  syscall: 'open' | 'openat' | 'openat2';
}

export interface SignalEvent extends EventBase {
  gadget: 'signal';
  /** generated: pid/tid… are the sender's; delivered: the receiving thread's. */
  phase: 'generated' | 'delivered';
  /** e.g. SIGUSR1, SIGRTMIN+3 */
  sig: string;
  /** Target at the container's level; 0 when it is outside the container. */
  targetPid: number;
  targetTid: number;
  targetHostPid: number;
  targetHostTid: number;
  /** generated: delivered | ignored | already-pending | overflow | lost-info; delivered: default | ignore | handler */
  result: string;
  /** si_code, e.g. SI_USER (kill), SI_TKILL, SI_KERNEL */
  code: string;
  /** The sender is outside the traced scope (e.g. docker kill from the host). */
  senderOutside: boolean;
  /**
   * delivered: it ends the process (its default action terminates, or the kernel made it the
   * group's exit — delivered as SIGKILL to each thread; `sig` is then the signal that was sent).
   */
  fatal: boolean;
  /**
   * delivered as SIGKILL without siginfo to a thread whose process is not
   * ended by a signal: `exit` (the process exits: exit_group), `exec`
   * (another thread exec'd; the process goes on in its new program).
   */
  threadEnd?: 'exit' | 'exec';
}

export interface TcpEvent extends EventBase {
  gadget: 'tcp';
  family: 'IPv4' | 'IPv6';
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  /** New state, e.g. SYN_SENT, ESTABLISHED, CLOSE */
  state: string;
  oldState: string;
  /** Since the first state seen for this socket; null when it was not seen. */
  durationMs: number | null;
  /** At CLOSE; null before. */
  bytesSent: number | null;
  bytesReceived: number | null;
  /** How pid/comm were found: the task itself, the socket's recorded owner, or not at all (softirq). */
  attributed: 'task' | 'owner' | 'none';
}

export interface LatencySummary {
  total: number;
  avg: number;
  max: number;
  /** From the log2 histogram: the upper bound of the bucket holding the percentile. */
  p50: number;
  p99: number;
  /** [upper bound in ns, count] for each non-empty bucket. */
  histogram: [number, number][];
}

export interface SyscallsEntry {
  pid: number;
  hostPid: number;
  comm: string;
  syscall: string;
  /** Calls the container runtime's code made (its init before it exec'd the program); absent otherwise. */
  runtime?: true;
  count: number;
  errors: number;
  /** Absent when the trace did not measure latency (its report's `latency` is false). */
  latencyNs?: LatencySummary;
}

/** One report per interval; pid/tid/hostPid/hostTid are 0 (it covers many). */
export interface SyscallsEvent extends EventBase {
  gadget: 'syscalls';
  /** Milliseconds covered by this report. */
  interval: number;
  /** Calls in the interval, all processes and syscalls. */
  totalCalls: number;
  /** The busiest (process, syscall) pairs, by count. */
  top: SyscallsEntry[];
  /** false: a count-only trace (option latency: false), whose entries carry no latencyNs; absent when latency was measured. */
  latency?: false;
  /** Every syscall counted in the interval, by name, sorted (those past `top` too): what a seccomp profile allows. */
  names?: string[];
  /** The last report: syscalls its processes were in when the trace ended (entered, not returned, so counted nowhere else), by name. */
  inFlight?: string[];
}

export interface UprobeEvent extends EventBase {
  gadget: 'uprobe';
  /** Path inside the container. */
  target: string;
  function: string;
  /** Calls in scope since the trace began (exact, counted in the kernel). */
  calls: number;
  /** This call's duration, entry to return. */
  latencyNs: number;
  /** First six integer arguments (numbers, or decimal strings beyond 2^53). */
  args: (number | string)[];
  ret: number | string;
}

export interface ProctreeEvent extends EventBase {
  gadget: 'proctree';
  kind: 'fork' | 'exec' | 'exit';
  ppid: number;
  hostPpid: number;
  /** fork: the new process. */
  childPid?: number;
  childHostPid?: number;
  /** exec: the program. */
  filename?: string;
  /** exec of /proc/<pid>/exe (busybox's applets, comm "exe"): argv[0], the program asked for. Absent otherwise. */
  argv0?: string;
  /** exit */
  exitCode?: number | null;
  signal?: string | null;
  /** exit: how long the process lived (the kernel's start time of its first thread). */
  lifetimeMs?: number;
  /** exit: killed by the kernel's OOM killer (its victim, ended by its SIGKILL); absent otherwise. */
  oomKilled?: true;
}

/**
 * oomkill: the kernel's OOM killer took a process. The common fields
 * (pid, hostPid, comm, container) are the victim's; the trigger is the task
 * whose allocation made the kernel kill (the victim itself, or another).
 * Memory figures are null when the kernel did not give them.
 */
export interface OomkillEvent extends EventBase {
  gadget: 'oomkill';
  /** The victim at the container's level (0 when not known: the trigger was another task and the kernel gave only its host PID). */
  victimPid: number;
  victimHostPid: number;
  victimComm: string;
  /** Resident memory at the kill: anonymous + file-backed + shared memory, as the kernel's "Killed process" line counts them. */
  rssBytes: number | null;
  anonRssBytes: number | null;
  fileRssBytes: number | null;
  shmemRssBytes: number | null;
  pgtablesBytes: number | null;
  totalVmBytes: number | null;
  oomScoreAdj: number | null;
  /** The memory cgroup's limit that was reached (the tightest of its own and its ancestors'); null when none is set (the machine's OOM). */
  limitBytes: number | null;
  /** That cgroup's usage (the victim's own cgroup's when no limit is set); null without memory cgroups. */
  usageBytes: number | null;
  /** Levels above the victim's own memory cgroup the limit is set at (0: its own; a pod's, 1). */
  limitDepth: number | null;
  /** The task whose allocation made the kernel kill. */
  triggerPid: number;
  triggerHostPid: number;
  triggerComm: string;
  /** The trigger is outside the traced scope (another container sharing a cgroup, the host). */
  triggerOutside: boolean;
}

export interface BindEvent extends EventBase {
  gadget: 'bind';
  fd: number;
  /** IPv4, IPv6, unix, … */
  family: string;
  /** The address bound (IPv4/IPv6; empty for other families). */
  address: string;
  port: number;
  /** stream, dgram, raw, … */
  socketType: string;
  /** tcp, udp, … (the default for the socket type when it asked for none). */
  protocol: string;
  /** 0, or the negative errno (EADDRINUSE, EACCES, …). */
  ret: number;
  error?: string;
}

/**
 * One DNS exchange: a query and its answer, paired by socket, transaction ID
 * and question; or a query no answer came to (rcode TIMEOUT), a query whose
 * socket call failed (rcode ERROR), an answer whose query the trace did not
 * see (latencyNs null). The process is the one that asked.
 */
export interface DnsEvent extends EventBase {
  gadget: 'dns';
  /** The question's name, without the final dot (`example.test`). */
  name: string;
  /** A, AAAA, CNAME, PTR, MX, TXT, …, or TYPE<n>. */
  qtype: string;
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, …; TIMEOUT: no answer came; ERROR: the socket call failed (see error). */
  rcode: string;
  /** The answer section as text: addresses (A, AAAA), names (CNAME, PTR, NS), `10 mx.example` (MX), TXT strings. */
  answers: string[];
  /** From the query's send to the answer's receive; for TIMEOUT the time waited; null when the query was not seen. */
  latencyNs: number | null;
  /** The name server: `127.0.0.1:53`, `[::1]:53`. */
  server: string;
  protocol: 'udp' | 'tcp';
  /** The DNS transaction ID. */
  txid: number;
  /** TIMEOUT: why no answer is waited for any more: the timeout passed, the same query was sent again, or the trace ended first. */
  unanswered?: 'timeout' | 'resent' | 'trace ended';
  /** The answer has the TC bit: cut to fit UDP (resolvers ask again over TCP). */
  tc?: true;
  /** The message was longer than the bytes kept of it (512 a call): answers may be missing. */
  cut?: true;
  /** rcode ERROR: the errno of the failed send or receive (ECONNREFUSED, ENETUNREACH, …). */
  error?: string;
}

/**
 * One frame of a stack. User frames: `module` is the file's path inside the
 * container and `offset` the file offset (frames outside any file: `[anon]`,
 * `[heap]`, `[stack]`… with the address; `[vdso]` with its offset in it).
 * Kernel frames (`kernel: true`): `function` from kallsyms, `module`
 * `[kernel]` or `[<module>]`, `offset` from the function's start (no kernel
 * address leaves the helper). `function`, `file`, `line` are null when no
 * symbol was found; inlined frames come before the function they were
 * inlined into, which has the same offset.
 */
export interface ProfileFrame {
  function: string | null;
  file: string | null;
  line: number | null;
  module: string;
  offset: number;
  /** The line its function is declared at (DWARF's decl_line), when known: where the editor shows its share. */
  startLine?: number;
  /** The file's GNU build ID (hex), when it has one. */
  buildId?: string;
  inlined?: true;
  kernel?: true;
  /**
   * The helper's handle for this file's bytes (`profile/file`): absent when
   * it cannot hand them over (not the process's file, not readable by the
   * caller, too large). The client removes it once it has symbolized.
   */
  fileId?: string;
  /**
   * Code in anonymous memory (a JIT's): the helper's handle for its process's
   * perf map (/tmp/perf-<pid>.map in its container, by its PID there), when
   * there is one. The client removes it once it has symbolized.
   */
  perfMap?: string;
}

/** One distinct stack of a process with its samples in one interval (leaf first); pid/hostPid are the process's, tid/hostTid 0. */
export interface ProfileEvent extends EventBase {
  gadget: 'profile';
  /** Milliseconds the report covers. */
  interval: number;
  /** Samples of this stack; off-CPU: the times its threads went off the CPU there (blocks). */
  samples: number;
  /** Samples of the whole report, every stack (shares are samples / totalSamples; off-CPU: blocks). */
  totalSamples: number;
  /** Off-CPU: nanoseconds its threads were off the CPU at this stack (shares are blockedNs / totalBlockedNs). */
  blockedNs?: number;
  /** Off-CPU: nanoseconds of the whole report, every stack. */
  totalBlockedNs?: number;
  /** Off-CPU, the last report: of its blocks, how many were still going when the trace ended (counted until then). */
  stillBlocked?: number;
  stack: ProfileFrame[];
  /** A stack the kernel could not keep (its stack map full, or a bucket taken): the sample counts, its frames are missing. */
  lost?: ('user' | 'kernel')[];
  /** A stack at the depth limit (127 frames): its outermost frames may be missing. */
  truncated?: true;
}
