/**
 * Where the CLI's traces run: in this process when it is root (the engine
 * itself), else in the helper started elevated, as its JSON-RPC client.
 */
import { createRuntimes } from '../runtime';
import { ProfileDebug, ProfileFile, TraceEnded, TraceStart, TraceStop, type ProfileDebugResult, type ProfileFileResult, type TraceEndedParams, type TraceEvent, type TraceStartParams, type TraceStartResult } from '../protocol';
import { planHelper, onTerminal, ElevationError, type ElevationMode } from '../client/elevation';
import { startHelper } from '../client/helper-process';
import { LAUNCHER } from '../install';
import { VERSION } from '../version';
import { visible } from '../kinds/shared/text';
import { TraceReceiver, type JsonLinesSink } from '../client/trace-receiver';

export interface TraceBackend {
  /** Events to `onEvents`; or, given `onJson`, every event as a JSON line to it instead (--json). */
  start(params: TraceStartParams, onEvents: (batch: TraceEvent[]) => void, onEnded: (e: TraceEndedParams) => void, onJson?: JsonLinesSink): Promise<TraceStartResult>;
  stop(sessionId: string): void;
  /** Bytes of a file a profile named, by its handle (symbols are made here, unprivileged). */
  readFile(fileId: string, offset: number, length: number): Promise<ProfileFileResult>;
  /** A file's separate debug info in its container, as a new handle (or why there is none). */
  readDebug(fileId: string, debuglink: string | undefined): Promise<ProfileDebugResult>;
  close(): void;
}

type Log = (level: string, message: string) => void;

/** Bytes written to stdout that it has not taken yet (a file or terminal takes them at once). */
const stdoutBacklog = { bytes: 0, watching: false };

/** Write a batch to stdout, keeping stdoutBacklog; the engine drops (and counts) batches while it is high. */
export function writeBatch(text: string | Buffer): void {
  if (!process.stdout.write(text)) {
    stdoutBacklog.bytes += text.length;
    if (!stdoutBacklog.watching) {
      stdoutBacklog.watching = true;
      process.stdout.once('drain', () => {
        stdoutBacklog.bytes = 0;
        stdoutBacklog.watching = false;
      });
    }
  }
}

export async function engineBackend(dockerHost: string | undefined, verbose: boolean, log: Log): Promise<TraceBackend> {
  const { TraceEngine } = await import('../engine/engine');
  const { routeLibbpfLog } = await import('../bpf/native');
  // libbpf's own lines (verifier logs, …) only with --verbose: errors say what failed.
  routeLibbpfLog((_level, line) => log('warn', `libbpf: ${line}`), verbose ? 'info' : 'none');
  const engine = new TraceEngine(createRuntimes({ dockerHost }), log);
  return {
    async start(params, onEvents, onEnded, onJson) {
      // Records are decoded here as a helper's client decodes them.
      const receiver = new TraceReceiver((_id, events) => onEvents(events), onJson);
      const result = await engine.start(params, {
        events: (id, batch) => receiver.events(id, batch),
        records: (id, data, _count, stacks) => receiver.records(id, data, stacks),
        members: (id, joined) => receiver.members(id, joined),
        stats: () => undefined,
        // What the decoder still holds (a query with no answer yet) comes out before the end.
        ended: (p) => {
          receiver.ended(p.sessionId);
          onEnded(p);
        },
        backlog: () => stdoutBacklog.bytes,
      });
      receiver.started(params.gadget, result, params.options);
      return result;
    },
    stop: (id) => {
      try {
        engine.stop(id);
      } catch {
        /* already ended */
      }
    },
    readFile: async (fileId, offset, length) => engine.readFile({ fileId, offset, length }),
    readDebug: async (fileId, debuglink) => engine.readDebug(debuglink ? { fileId, debuglink } : { fileId }),
    close: () => {
      engine.stopAll();
      engine.closeFiles();
    },
  };
}

/** The helper started elevated (as a trace would start it), for one request; the caller closes it. */
export async function startElevatedHelper(mode: ElevationMode, verbose: boolean, log: Log, allowUninstalled = false) {
  let plan = planHelper({ mode, cliPath: __filename, version: VERSION });
  if (!plan.installed && process.getuid?.() !== 0 && mode !== 'none' && !allowUninstalled) await confirmUninstalled(plan.argv);
  if (plan.needsPassword) {
    if (!process.stdin.isTTY) {
      throw new ElevationError(
        `sudo needs a password and there is no terminal to ask it on: allow "${plan.installed ? LAUNCHER : 'the helper'}" in sudoers without a password, use --elevate pkexec, or run as root`,
      );
    }
    plan = { ...plan, ...onTerminal(plan) };
  }
  log('info', `starting the helper ${plan.how}`);
  return startHelper(plan, { client: { name: 'cli', version: VERSION }, onStderr: (l) => verbose && process.stderr.write(`${visible(l)}\n`) });
}

/**
 * The helper is not installed: starting it would run files this user can
 * change as root. Asked on a terminal; refused without one.
 */
async function confirmUninstalled(argv: string[]): Promise<void> {
  const what = `the helper is not installed: this would run files your user can change as root (${argv.join(' ')})`;
  const fix = 'install it first (container-trace install-helper), or pass --allow-uninstalled to run them anyway';
  if (!process.stdin.isTTY || !process.stderr.isTTY) throw new ElevationError(`${what}; ${fix}`);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`\x1b[1;31mWARNING\x1b[0m: ${what}.\nRun them as root anyway? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new ElevationError(`not started: ${fix}`);
  } finally {
    rl.close();
  }
}

export async function helperBackend(mode: ElevationMode, verbose: boolean, log: Log, allowUninstalled = false): Promise<TraceBackend> {
  const h = await startElevatedHelper(mode, verbose, log, allowUninstalled);
  return {
    async start(params, onEvents, onEnded, onJson) {
      const receiver = new TraceReceiver((_id, events) => onEvents(events), onJson);
      receiver.listen(h.connection);
      h.connection.onNotification(TraceEnded, (p) => {
        // What the decoder still holds (a query with no answer yet) comes out before the end.
        receiver.ended(p.sessionId);
        onEnded(p);
      });
      void h.exited.then(({ code, signal }) =>
        onEnded({ sessionId: '', reason: 'error', message: `the helper exited (${signal ?? `code ${code}`})`, received: 0, dropped: 0, droppedKernel: 0, droppedTransport: 0 }),
      );
      const result = await h.connection.sendRequest(TraceStart, params);
      receiver.started(params.gadget, result, params.options);
      return result;
    },
    stop: (id) => void h.connection.sendRequest(TraceStop, { sessionId: id }).catch(() => undefined),
    readFile: (fileId, offset, length) => h.connection.sendRequest(ProfileFile, { fileId, offset, length }),
    readDebug: (fileId, debuglink) => h.connection.sendRequest(ProfileDebug, debuglink ? { fileId, debuglink } : { fileId }),
    close: () => h.child.stdin?.end(),
  };
}
