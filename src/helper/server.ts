/**
 * `container-trace helper`: the privileged side. JSON-RPC over stdio only
 * (stdout carries nothing but protocol; logs go to stderr and helper/log).
 * Exits on stdin EOF, on `shutdown`, on signals and when its parent dies,
 * detaching every BPF program on each of those paths.
 */
import { format } from 'node:util';
import { createMessageConnection, ResponseError, StreamMessageReader, type MessageConnection } from 'vscode-jsonrpc/node';
import { FrameWriter } from './writer';
import {
  ErrorCode,
  KIND_NAMES,
  HelperLog,
  Initialize,
  READY_BANNER,
  PROTOCOL_VERSION,
  Shutdown,
  TraceEnded,
  TraceEvents,
  TraceMembers,
  TraceStart,
  TraceStats,
  TraceStop,
  RuntimesList,
  ProfileDebug,
  ProfileFile,
  ContainerBinaries,
  MAX_LISTED_CONTAINERS,
  type RuntimesListResult,
  type HelperLimits,
  type InitializeParams,
} from '../protocol';
import { createRuntimes, listAll } from '../runtime';
import { TraceEngine, TraceError, MAX_RING_BYTES, MAX_SESSIONS } from '../engine/engine';
import { DEFAULT_LIMITS, type SessionLimits, type SessionSink } from '../engine/delivery';
import type { Logger } from '../engine/system';
import { VERSION } from '../version';
import { MessageSizeLimit } from './limit';
import { INSTALL_DIR, verifyInstalled } from '../install';

const PR_SET_PDEATHSIG = 1;
/** How long an exit waits for traces whose links are still being taken down. */
const STOPPING_GRACE_MS = 2000;
/** The pipe to the client (the kernel's default is 64 KiB; 1 MiB is what an unprivileged process may ask). */
const STDOUT_PIPE_BYTES = 1 << 20;
const SIGTERM = 15;

export interface HelperOptions {
  verbose?: boolean;
  /** The client broke the framing: the connection is closed; the process should go (runHelper exits). */
  onFatal?: (why: string) => void;
  /** `shutdown` was answered: the process should go (runHelper exits; nothing new is accepted meanwhile). */
  onShutdown?: () => void;
}

export interface HelperServer {
  engine: TraceEngine;
  /** Ends every session (detaching its programs) and closes the connection. */
  close(why: string): void;
}

/**
 * Serve the protocol on any pair of streams (stdio in production, in-memory
 * streams in tests). `stderr` gets human-readable log lines.
 */
export function serveHelper(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream & { writableLength: number },
  options: HelperOptions = {},
  stderr: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): HelperServer {
  // Oversized messages are skipped before the JSON-RPC reader sees them.
  const limited = input.pipe(new MessageSizeLimit((reason) => log('warn', `refused: ${reason}`)));
  limited.on('error', (err) => {
    log('error', `closing the connection: ${err.message}`);
    engine.stopAll('error', 'the client broke the protocol');
    connected = false;
    connection.dispose();
    options.onFatal?.(err.message);
  });
  const writer = new FrameWriter(output);
  const connection = createMessageConnection(new StreamMessageReader(limited), writer);
  let connected = true;
  const log: Logger = (level, message) => {
    if (level === 'debug' && !options.verbose) return;
    stderr(`[helper ${level}] ${message}`);
    if (!connected) return;
    try {
      connection.sendNotification(HelperLog, { level, message }).catch(() => undefined);
    } catch {
      connected = false; // closed underneath us
    }
  };

  import('../bpf/native')
    .then(({ routeLibbpfLog }) => routeLibbpfLog((level, line) => log(level === 'warn' ? 'warn' : 'debug', `libbpf: ${line}`), options.verbose ? 'debug' : 'warn'))
    .catch(() => undefined);
  // Root reads fixed, root-owned sockets only: nothing the client names.
  const engine = new TraceEngine(createRuntimes({ rootSide: true }), log, HELPER_SESSION_LIMITS);
  handleRequests(connection, engine, clientSink(connection, writer), log, () => {
    // After the answer is written: no session, no new request, then exit.
    setImmediate(() => {
      server.close('shutdown requested');
      options.onShutdown?.();
    });
  });
  connection.onError(([err]) => log('warn', `protocol error: ${err.message}`));
  connection.listen();
  const server: HelperServer = {
    engine,
    close(why: string) {
      if (!connected) return;
      log('info', `closing: ${why}`);
      engine.stopAll('error', `helper exiting: ${why}`);
      engine.closeFiles();
      connected = false;
      connection.dispose();
    },
  };
  return server;
}

/**
 * The helper's batches are smaller than the CLI's: its client is the extension host, which
 * decodes a whole frame in one turn of its event loop. Measured by the UI benchmark here (two
 * cores shared with code-server, Chromium and the generator): with 256 KiB frames (a whole
 * 20 ms poll's worth at 300,000 events/s) the host's event-loop p99 was 52 ms at 300,000/s;
 * with 64 KiB (about 580 open records) 33-35 ms up to 400,000/s, every event kept. 16 KiB
 * did no better there and cost the helper a quarter more CPU than 64 KiB at 1M/s.
 */
const HELPER_SESSION_LIMITS: SessionLimits = { ...DEFAULT_LIMITS, maxBatchBytes: 64 << 10 };

const LIMITS: HelperLimits = {
  maxSessions: MAX_SESSIONS,
  maxBatchBytes: HELPER_SESSION_LIMITS.maxBatchBytes,
  maxQueuedBytes: DEFAULT_LIMITS.maxQueuedBytes,
  maxRingBytes: MAX_RING_BYTES,
};

/**
 * Where sessions send their output: notifications to the client, each
 * written as one frame at once (FrameWriter). Record batches go out as
 * binary record frames (../protocol/framing) built here, the records copied
 * once and nothing encoded. The backlog is what the output stream holds;
 * batches beyond the limit are dropped and counted, never queued in this
 * process.
 */
function clientSink(connection: MessageConnection, writer: FrameWriter): SessionSink {
  return {
    events: (sessionId, events) => void connection.sendNotification(TraceEvents, { sessionId, events }).catch(() => undefined),
    // Raw records as the ring holds them: the client decodes them (the root side only copies bytes).
    records: (sessionId, data, count, stacks) => writer.writeRecords(sessionId, data, count, stacks),
    members: (sessionId, joined) => void connection.sendNotification(TraceMembers, { sessionId, joined }).catch(() => undefined),
    stats: (stats) => void connection.sendNotification(TraceStats, stats).catch(() => undefined),
    ended: (ended) => void connection.sendNotification(TraceEnded, ended).catch(() => undefined),
    backlog: () => writer.backlog,
  };
}

/** The requests the helper answers: initialize first, then trace/start, trace/stop, runtimes/list, profile/file, profile/debug, container/binaries, shutdown. */
function handleRequests(connection: MessageConnection, engine: TraceEngine, sink: SessionSink, log: Logger, onShutdown: () => void): void {
  let initialized = false;
  let shuttingDown = false;
  const asResponseError = (err: unknown) =>
    err instanceof TraceError ? new ResponseError(err.code, err.message) : new ResponseError(ErrorCode.BpfFailure, (err as Error).message);
  /** Run `fn` once initialized; errors become protocol errors with their codes. */
  const guarded =
    <P, R>(fn: (params: P) => R | Promise<R>) =>
    async (params: P) => {
      if (!initialized) return new ResponseError(ErrorCode.NotInitialized, 'send initialize first');
      if (shuttingDown) return new ResponseError(ErrorCode.ShuttingDown, 'the helper is shutting down (shutdown was requested); start a new one');
      try {
        return await fn(params);
      } catch (err) {
        return asResponseError(err);
      }
    };

  connection.onRequest(Initialize, (params: InitializeParams) => {
    if (!params || typeof params !== 'object' || params.protocolVersion !== PROTOCOL_VERSION) {
      return new ResponseError(
        ErrorCode.VersionMismatch,
        `protocol version ${String(params?.protocolVersion)} is not ${PROTOCOL_VERSION}: the helper (${VERSION}) and its client differ; reinstall the helper`,
      );
    }
    initialized = true;
    const client = typeof params.client?.name === 'string' ? params.client.name.slice(0, 64) : 'unknown';
    log('info', `client ${client} connected (helper ${VERSION}, pid ${process.pid}, uid ${process.getuid?.()})`);
    return { protocolVersion: PROTOCOL_VERSION, helperVersion: VERSION, pid: process.pid, uid: process.getuid?.() ?? -1, gadgets: [...KIND_NAMES], limits: LIMITS };
  });
  connection.onRequest(TraceStart, guarded((params) => engine.start(params, sink)));
  connection.onRequest(RuntimesList, guarded(() => listRuntimesAsRoot()));
  // Bytes of a file a profile named, by the handle it gave (never a path): the client symbolizes.
  connection.onRequest(ProfileFile, guarded((params) => engine.readFile(params)));
  connection.onRequest(ProfileDebug, guarded((params) => engine.readDebug(params)));
  // Read-only: the ELF files one container's processes map, with handles for profile/file.
  connection.onRequest(ContainerBinaries, guarded((params) => engine.binaries(params)));
  connection.onRequest(TraceStop, guarded((params: { sessionId?: unknown } | undefined) => engine.stop(params?.sessionId)));
  connection.onRequest(Shutdown, () => {
    shuttingDown = true;
    engine.stopAll('stopped');
    onShutdown();
  });
}

/**
 * runtimes/list: what the root side reads from fixed, root-owned sockets
 * (never a path a client names), nested runtimes included; bounded.
 */
export async function listRuntimesAsRoot(): Promise<RuntimesListResult> {
  const listings = await listAll(createRuntimes({ rootSide: true }));
  let left = MAX_LISTED_CONTAINERS;
  let truncated = false;
  const out = [];
  for (const l of listings) {
    const status = l.error ? { kind: l.runtime.kind, endpoint: l.runtime.endpoint, reachable: false, error: l.error, node: l.runtime.node } : await l.runtime.status();
    const containers = l.containers.slice(0, Math.max(0, left));
    truncated ||= containers.length < l.containers.length;
    left -= containers.length;
    out.push({ status, containers });
  }
  return { listings: out, truncated };
}

/**
 * Why this process must not serve as root: an inspector could be opened in
 * it (a flag, NODE_OPTIONS) or is open already; undefined when none.
 */
export function inspectorRisk(execArgv: readonly string[], env: NodeJS.ProcessEnv, inspectorUrl: string | undefined): string | undefined {
  const flag = execArgv.find((a) => /^--(inspect|debug)/.test(a));
  if (flag) return `node was started with ${flag.split('=')[0]}`;
  if (/--(inspect|debug)/.test(env.NODE_OPTIONS ?? '')) return 'NODE_OPTIONS asks for an inspector';
  if (inspectorUrl) return `an inspector is open (${inspectorUrl})`;
  return undefined;
}

/** `container-trace helper`: serve on stdio and guard every exit path. */
export function runHelper(options: HelperOptions = {}): void {
  // SIGUSR1 opens Node's inspector (a debugger any local user can reach):
  // taken over here, as early as the helper runs. The guard (src/install/
  // guard.c) keeps every relayed signal from ever reaching this process;
  // this is the second line.
  process.on('SIGUSR1', () => process.stderr.write('[helper warn] SIGUSR1 ignored (it would open an inspector)\n'));
  if (process.getuid?.() === 0) {
    const risk = inspectorRisk(process.execArgv, process.env, (require('node:inspector') as typeof import('node:inspector')).url());
    if (risk) {
      process.stderr.write(`[helper error] refusing to run as root: ${risk}, which would let any local user run code as root\n`);
      process.exit(3);
    }
  }
  // Nothing but protocol may reach stdout.
  const toStderr = (...args: unknown[]) => process.stderr.write(format(...args) + '\n');
  console.log = console.info = console.debug = console.warn = toStderr;
  // Installed (root-owned) helper: refuse to run if a file changed.
  if (__dirname.startsWith(INSTALL_DIR + '/')) {
    // Hashes were checked by the launcher (sha256sum) before node ran; owners,
    // modes and the file list are checked again here, cheaply.
    const state = verifyInstalled(VERSION, INSTALL_DIR, { hashes: process.env.CT_HASHES_CHECKED !== '1' });
    if (state.state !== 'ok') {
      const why = state.state === 'tampered' ? `tampered with: ${state.detail}` : state.state;
      process.stderr.write(`[helper error] the installed helper is ${why}; refusing to run. Reinstall it: container-trace install-helper\n`);
      process.exit(3);
    }
  }
  // A malformed frame: no lingering as root.
  const server = serveHelper(process.stdin, process.stdout, { ...options, onFatal: (why) => exit(2, `protocol broken: ${why}`), onShutdown: () => exit(0, 'shutdown requested') });
  process.stderr.write(`${READY_BANNER} (pid ${process.pid}, version ${VERSION})\n`);

  let exiting = false;
  function exit(code: number, why: string) {
    if (exiting) return;
    exiting = true;
    // Traces already stopping finish taking their links down first (bounded), then every
    // other one ends at once; queued notifications (trace/ended) reach the client; then go.
    const go = () => {
      server.close(why);
      process.stdout.write('', () => process.exit(code));
      setTimeout(() => process.exit(code), 500).unref();
    };
    const waiting = setTimeout(go, STOPPING_GRACE_MS);
    void server.engine.stopping().then(() => {
      clearTimeout(waiting);
      go();
    });
  }
  process.stdin.on('end', () => exit(0, 'stdin closed'));
  process.stdin.on('close', () => exit(0, 'stdin closed'));
  process.stdout.on('error', () => exit(0, 'stdout closed'));

  // Parent death: the kernel signals us (direct child), and we watch ppid
  // (under sudo the parent is sudo, which may outlive the client).
  try {
    const native = require('../bpf/native') as typeof import('../bpf/native');
    native.lib().prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    // A larger pipe to the client: a flood's batches wait in the kernel, not in this process's memory.
    native.setPipeSize(1, STDOUT_PIPE_BYTES);
  } catch {
    /* libbpf missing: reported on the first trace/start */
  }
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) exit(0, `parent process ${parent} is gone`);
  }, 1000).unref();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => exit(0, sig));
  process.on('uncaughtException', (err) => {
    process.stderr.write(`[helper error] uncaught: ${err.stack ?? err.message}\n`);
    exit(1, 'internal error');
  });
  // Last resort (process.exit from anywhere): detach synchronously.
  process.on('exit', () => server.engine.stopAll('error', 'helper exited'));
}
