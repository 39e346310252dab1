/**
 * The helper protocol: JSON-RPC 2.0 over the helper's stdio (vscode-jsonrpc
 * framing), plus binary record frames from the helper (./framing).
 * Defined once, imported by the extension, the CLI and the helper.
 * The client sends `initialize` first; versions must match exactly.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { ContainerLabel, KindName, ProfileFrame, TraceEvent } from './events';
import type { ContainerInfo, RuntimeStatus } from './containers';

/** 6: record batches are binary frames (./framing), no longer base64 in a trace/records JSON notification. */
export const PROTOCOL_VERSION = 6;

/** The helper writes this line on stderr once it serves (after its own checks); clients wait for it. */
export const READY_BANNER = 'container-trace helper ready';

/** One line of `container-trace check --json` (and of the extension's system check). */
export interface CheckItem {
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'unknown';
  detail: string;
  /** What to do when it is not ok. */
  fix?: string;
}

export interface InitializeParams {
  protocolVersion: number;
  client: { name: string; version: string };
}

export interface InitializeResult {
  protocolVersion: number;
  helperVersion: string;
  pid: number;
  uid: number;
  /** The kinds it traces (`gadgets` on the wire, for compatibility). */
  gadgets: KindName[];
  limits: HelperLimits;
}

export interface HelperLimits {
  maxSessions: number;
  /** Raw record bytes per record batch (one binary frame, ./framing). */
  maxBatchBytes: number;
  /** Bytes queued to the client (sent, not yet written out) before further batches are dropped and counted. */
  maxQueuedBytes: number;
  /** Ring-buffer bytes all traces may hold in the kernel together. */
  maxRingBytes: number;
}

/** Which tasks of the container to trace; container-level PIDs. */
export interface TraceScope {
  /** One process (thread group), by its PID inside the container. */
  pid?: number;
  /** Also its descendants, including those started later. */
  follow?: boolean;
  /** One thread, by its TID inside the container. */
  tid?: number;
}

/** Options of some trace kinds; others refuse them. */
export interface TraceOptions {
  /** open: only failed opens. */
  failedOnly?: boolean;
  /** syscalls: report every this many milliseconds (100–60000, default 1000). */
  intervalMs?: number;
  /** syscalls: entries per report (1–100, default 20). */
  top?: number;
  /**
   * syscalls: measure each call's latency (default true). false: counts and
   * errors only, from one program at the calls' return (no entry program,
   * no clock read): the cheapest trace of a syscall flood.
   */
  latency?: boolean;
  /** uprobe: a path inside the container, or a library or program name (libc, nginx). */
  target?: string;
  /** uprobe: the function's symbol. */
  function?: string;
  /** profile: samples a second on each CPU (1–1000, default 99). */
  hz?: number;
  /** profile: where the scope's threads are off the CPU (blocked, or preempted), with the time, instead of CPU samples. */
  offCpu?: boolean;
  /** exec, exit, open, tcp, bind, signal: each event carries its user stack (a signal's sender also its kernel stack). */
  stack?: boolean;
  /** syscall: strace's classes to trace (%file, %network, ...); with syscallNames, their union; neither: every syscall. */
  syscallClasses?: string[];
  /** syscall: syscall names to trace (openat, connect). */
  syscallNames?: string[];
  /** dns: the name servers' port (1–65535, default 53). */
  dnsPort?: number;
  /** dns: milliseconds a query waits for its answer before it is reported as TIMEOUT (100–600000, default 5000). */
  dnsTimeoutMs?: number;
}

/**
 * Many containers in one trace: every running container that matches all the
 * given fields, including those that start while the trace runs.
 */
export interface ContainerSelector {
  /** docker, podman, podman-rootless, containerd, cri. */
  runtime?: string;
  /** Kubernetes (or containerd) namespace. */
  namespace?: string;
  /** A pod: all its containers. */
  pod?: string;
  /** Labels every match carries (pod labels count for a pod's containers). */
  labels?: Record<string, string>;
  /** Container names (any of them). */
  names?: string[];
  /** Docker Compose project and service (com.docker.compose.* labels). */
  composeProject?: string;
  composeService?: string;
}

/** Ring buffer sizes a trace may ask (bufferBytes): a power of two in this range. */
export const DEFAULT_BUFFER_BYTES = 8 << 20;
export const MIN_BUFFER_BYTES = 64 << 10;
export const MAX_BUFFER_BYTES = 256 << 20;

export interface TraceStartParams {
  /** The kind of trace (`gadget` on the wire, for compatibility). */
  gadget: KindName;
  /** Container reference: name, id prefix, pod/container, namespace/pod/container, runtime:…; or give `selector`. */
  container?: string;
  /** Many containers, instead of `container`. */
  selector?: ContainerSelector;
  scope?: TraceScope;
  /** Ring buffer bytes (power of two, 64 KiB – 256 MiB). */
  bufferBytes?: number;
  options?: TraceOptions;
  /**
   * Trace from start: the container need not run (nor exist) yet; the trace
   * waits for it and covers it from its first instruction (its entrypoint's
   * first exec). Selector traces always do this for containers that start.
   * Not with a scope, nor for kinds that run on one running container.
   */
  wait?: boolean;
  /** With `wait` and a container: follow it when it is restarted (into its new PID namespace; default true); false ends the trace when it exits. */
  followRestarts?: boolean;
}

export interface TraceTarget {
  pid: number;
  hostPid: number;
  tid?: number;
  hostTid?: number;
  comm: string;
}

export interface TraceStartResult {
  sessionId: string;
  /** The container; for a selector, a label naming the selector (hostPid 0). */
  container: ContainerLabel & { hostPid: number; image: string };
  /** Selector traces: the containers matched at start (more may join). */
  matched?: ContainerLabel[];
  target?: TraceTarget;
  /** Level of the container's PID namespace, counted from the root. */
  pidNamespaceLevel: number;
  /** Followed processes seeded at start (follow scope). */
  followed?: number;
  /** Ring-buffer kinds: events come as record frames (trace/records); decode them with this. Kinds read from maps send trace/events. */
  records?: RecordsInfo;
}

/** A container of a selector trace, by the inode of its PID namespace (what its records carry). */
export interface PidnsMember {
  pidns: number;
  container: ContainerLabel;
  /** Its user namespace's mapping, when it is not the host's (rootless Podman, userns-remap). */
  ids?: IdMap;
}

/** One line of /proc/<pid>/uid_map or gid_map: `count` ids from `inside` (the container's view) are `outside` on the host. */
export type IdRange = [inside: number, outside: number, count: number];

/** A user namespace's mapping, as /proc/<pid>/uid_map and gid_map give it (at most 340 lines each). */
export interface IdMap {
  uid: IdRange[];
  gid: IdRange[];
}

/**
 * Ring-buffer kinds: their events come as batches of raw BPF records
 * (record frames, ./framing), which the client decodes with the kind's shared decoder and this.
 */
export interface RecordsInfo {
  /** The label every event carries (a selector's own label when no member matches). */
  container: ContainerLabel;
  /** Selector traces: the containers at start; trace/members adds those that join. */
  members?: PidnsMember[];
  /** One container: its user namespace's mapping, when it is not the host's (events show ids inside it, the host's beside them). */
  ids?: IdMap;
  /** uprobe: what was attached (path inside the container, function). */
  uprobe?: { path: string; function: string };
}

export interface TraceStopParams {
  sessionId: string;
}

export interface TraceEventsParams {
  sessionId: string;
  events: TraceEvent[];
}

/**
 * A batch of raw records: a span of a ring buffer in the kernel's own
 * framing (see ./records), `count` events in it. It crosses the wire as a
 * binary record frame (./framing), never as JSON: the client's reader
 * (src/client/helper-reader.ts) checks the frame and hands it to the
 * connection as a trace/records notification with these params, in order
 * with the JSON messages around it.
 */
export interface RecordBatch {
  sessionId: string;
  count: number;
  /** A view of the frame's bytes. */
  records: Buffer;
  /** --stack: the files and symbols the batch's stacks name (src/kinds/shared/stack.ts). */
  stacks?: RecordStacks;
}

/**
 * --stack: what the helper found for the stacks of a batch's records (the
 * records carry build IDs, file offsets and addresses; the helper adds what
 * only it can see: which file of the container has that build ID, where an
 * address lies in a process's maps, kernel symbols).
 */
export interface RecordStacks {
  /** Files by build ID as the kernel gives it (20 bytes, zero-padded, hex): the path inside the container, the real build ID, the handle of its bytes. */
  files: Record<string, { module: string; buildId: string; fileId?: string }>;
  /** User frames the kernel left as addresses (JIT code, a file it could not read), by `hostPid:address` (hex), placed in their process's maps. */
  user: Record<string, ProfileFrame>;
  /** Kernel addresses (hex) as kallsyms names them. */
  kernel: Record<string, ProfileFrame>;
  /** Records that carry a copy of their user stack: their process's code mappings, by host PID (the client unwinds by the files' .eh_frame). */
  maps?: Record<string, StackMapping[]>;
}

/** A range of a process's code: a file inside its container, mapped at start..end from `offset`, with the handle of its bytes. */
export interface StackMapping {
  start: number;
  end: number;
  offset: number;
  module: string;
  buildId?: string;
  fileId?: string;
}

/** Selector traces: containers that joined, so their records can be named. */
export interface TraceMembersParams {
  sessionId: string;
  joined: PidnsMember[];
}

export interface TraceCounters {
  /** Events delivered to the client. */
  received: number;
  /** Events the kernel could not queue (ring buffer full). */
  droppedKernel: number;
  /** Events dropped because the client read too slowly. */
  droppedTransport: number;
  /** Everything lost, the sum of the above and in-flight overflow. */
  dropped: number;
  /** Follow scope: descendants not followed because the follow map (8192 tasks) was full. */
  unfollowed?: number;
  /** Selector traces (in `dropped`): events of containers that joined from their start, lost while they were identified (held past their bound). */
  droppedHeld?: number;
  /** Selector traces: PID namespaces made during the trace that could not be held from their start (too many at once); a match among them joins when the runtime lists it. */
  unwatched?: number;
  /** Selector traces: PID namespaces made during the trace that are not the selector's (another container, or none), and their events, never reported. */
  notMatched?: number;
  notMatchedEvents?: number;
  /** profile: samples whose user or kernel stack the kernel could not keep (stack map full, or its bucket taken); the samples count, their frames are missing. */
  stacksLost?: number;
}

export interface TraceStatsParams extends TraceCounters {
  sessionId: string;
  /** Events per second over the last interval. */
  rate: number;
}

export type EndReason = 'stopped' | 'container-exited' | 'process-exited' | 'error';

export interface TraceEndedParams extends TraceCounters {
  sessionId: string;
  reason: EndReason;
  message?: string;
}

export interface LogParams {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
}

/** Error codes in JSON-RPC error responses. */
export const ErrorCode = {
  NotInitialized: -32002,
  VersionMismatch: -32010,
  InvalidParams: -32602,
  ContainerNotFound: -32011,
  ContainerNotRunning: -32012,
  UnknownPid: -32013,
  BpfFailure: -32014,
  TooManySessions: -32015,
  UnknownSession: -32016,
  /** A container root will not trace (the host's PID namespace, a cgroup that is not the container's). */
  TargetRefused: -32017,
  /** A container runtime could not be reached or did not answer. */
  RuntimeUnreachable: -32018,
  /** `shutdown` was asked: the helper takes nothing new and exits. */
  ShuttingDown: -32019,
} as const;

/** Codes that mean "the request named something wrong" (the CLI exits 2 for them, 1 for the rest). */
export const BAD_INPUT_CODES: readonly number[] = [
  ErrorCode.InvalidParams,
  ErrorCode.ContainerNotFound,
  ErrorCode.ContainerNotRunning,
  ErrorCode.UnknownPid,
  ErrorCode.TargetRefused,
];

/** One runtime the helper reads (fixed, root-owned sockets only), with its containers or why it could not. */
export interface RuntimeListing {
  status: RuntimeStatus;
  containers: ContainerInfo[];
}

export interface RuntimesListResult {
  listings: RuntimeListing[];
  /** More containers than MAX_LISTED_CONTAINERS: the rest were left out. */
  truncated: boolean;
}

/** Containers one runtimes/list answer carries at most. */
export const MAX_LISTED_CONTAINERS = 4096;

export const Initialize = new RequestType<InitializeParams, InitializeResult, void>('initialize');
/** Read-only: the containers of the runtimes whose sockets only root reads (containerd, CRI, other users' Podman). Takes no parameters. */
export const RuntimesList = new RequestType0<RuntimesListResult, void>('runtimes/list');
export const TraceStart = new RequestType<TraceStartParams, TraceStartResult, void>('trace/start');
/**
 * Answered as soon as the trace's programs make nothing more (a flag they
 * read), with the counters so far; their links are destroyed in the
 * background, never holding up the helper's other traces, and trace/ended
 * follows, with the final counters, once the last record is read.
 */
export const TraceStop = new RequestType<TraceStopParams, TraceCounters, void>('trace/stop');
export const Shutdown = new RequestType0<void, void>('shutdown');

/**
 * profile: bytes of a file a profile's frames name (`ProfileFrame.fileId`),
 * so the client symbolizes them itself: only files the helper listed, opened
 * beneath the container's root when it listed them (regular files, at most
 * MAX_PROFILE_FILE_BYTES, readable by the caller), at most
 * MAX_PROFILE_CHUNK_BYTES an answer.
 */
export interface ProfileFileParams {
  fileId: string;
  offset: number;
  length: number;
}

export interface ProfileFileResult {
  /** base64 of the bytes from `offset` (fewer than asked at the end of the file). */
  data: string;
  /** The file's size. */
  size: number;
}

export const MAX_PROFILE_FILE_BYTES = 256 << 20;
export const MAX_PROFILE_CHUNK_BYTES = 1 << 20;

export const ProfileFile = new RequestType<ProfileFileParams, ProfileFileResult, void>('profile/file');

/**
 * profile/debug: the separate debug info of a file handed out before, from
 * the same container (the process that maps the file must still run there):
 * /usr/lib/debug/.build-id/<xx>/<rest>.debug by the file's build ID, then, by
 * the `.gnu_debuglink` name the client read from the file's bytes, that name
 * beside the file, in its .debug/ and under /usr/lib/debug/<its directory>.
 * A handle for profile/file when one is found, else why not.
 */
export interface ProfileDebugParams {
  fileId: string;
  /** A plain file name (no '/'), as the file's .gnu_debuglink section names it. */
  debuglink?: string;
}

export interface ProfileDebugResult {
  fileId?: string;
  size?: number;
  /** Where it was found, inside the container. */
  path?: string;
  why?: string;
}

export const ProfileDebug = new RequestType<ProfileDebugParams, ProfileDebugResult, void>('profile/debug');

/**
 * container/binaries (read-only): the ELF files (executables and libraries)
 * the processes of one running container map, each with a handle for
 * profile/file, as FileRegistry shares a profile's files (opened beneath the
 * process's pinned root, a regular file only, bounded, readable by the
 * caller). At most MAX_BINARY_PROCESSES processes are read and
 * MAX_BINARIES files listed, executables first.
 */
export interface ContainerBinariesParams {
  /** A container reference, as TraceStartParams.container. */
  container: string;
}

export interface ContainerBinary {
  /** Path inside the container (as /proc/<pid>/maps names it). */
  path: string;
  buildId?: string;
  /** Handle for profile/file (absent with `why`). */
  fileId?: string;
  why?: string;
  /** Container-level PIDs of processes that map it (at most 16), and how many in all. */
  pids: number[];
  processes: number;
  /** Whether it is some process's main executable (/proc/<pid>/exe), not only a mapped library. */
  executable: boolean;
}

export interface ContainerBinariesResult {
  container: { id: string; name: string; hostPid: number };
  binaries: ContainerBinary[];
  /** Processes or files left out by the bounds. */
  truncated: boolean;
}

export const ContainerBinaries = new RequestType<ContainerBinariesParams, ContainerBinariesResult, void>('container/binaries');
/** Files one container/binaries answer lists at most. */
export const MAX_BINARIES = 128;
/** Processes of the container one container/binaries request reads at most. */
export const MAX_BINARY_PROCESSES = 512;

export const TraceEvents = new NotificationType<TraceEventsParams>('trace/events');
/** Record frames as the client's reader delivers them (a JSON message of this method is refused: it only comes as a binary frame). */
export const TraceRecords = new NotificationType<RecordBatch>('trace/records');
export const TraceMembers = new NotificationType<TraceMembersParams>('trace/members');
export const TraceStats = new NotificationType<TraceStatsParams>('trace/stats');
export const TraceEnded = new NotificationType<TraceEndedParams>('trace/ended');
export const HelperLog = new NotificationType<LogParams>('helper/log');
