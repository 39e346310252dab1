/**
 * The window's one helper process: started on the first trace (directly when
 * already root, else through sudo -n or pkexec), reused, stopped when idle
 * and on deactivate. Its stderr and helper/log lines go to a log channel.
 */
import * as vscode from 'vscode';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  HelperLog,
  Initialize,
  PROTOCOL_VERSION,
  Shutdown,
  TraceEnded,
  TraceEvents,
  TraceStart,
  TraceStats,
  TraceStop,
  type InitializeResult,
  type TraceEndedParams,
  type TraceEventsParams,
  type TraceStartParams,
  type TraceStartResult,
  type TraceStatsParams,
} from '../protocol';
import { settings } from './settings';
import { VERSION } from '../version';

export interface HelperExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** False when it died on its own. */
  expected: boolean;
}

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** A Node binary for the helper: ours when the host is plain Node, else one on PATH. */
function nodeBinary(): string {
  if (!process.versions.electron) return process.execPath;
  const node = onPath('node');
  if (!node) throw new Error('no Node.js runtime found for the helper: install node (it must be on PATH)');
  return node;
}

export class HelperClient implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Container Trace Helper', { log: true });
  private child: ChildProcess | undefined;
  private connection: MessageConnection | undefined;
  private starting: Promise<MessageConnection> | undefined;
  private stopping = false;
  private idleTimer: NodeJS.Timeout | undefined;
  info: InitializeResult | undefined;

  private readonly events = new vscode.EventEmitter<TraceEventsParams>();
  private readonly stats = new vscode.EventEmitter<TraceStatsParams>();
  private readonly ended = new vscode.EventEmitter<TraceEndedParams>();
  private readonly exited = new vscode.EventEmitter<HelperExit>();
  readonly onEvents = this.events.event;
  readonly onStats = this.stats.event;
  readonly onEnded = this.ended.event;
  readonly onExit = this.exited.event;

  constructor(private readonly cliPath: string) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.info?.pid;
  }

  /** How to start the helper here, and why (logged). */
  private command(): { argv: string[]; how: string } {
    const node = nodeBinary();
    const helper = [node, this.cliPath, 'helper'];
    const dockerHost = settings().dockerHost;
    if (dockerHost) helper.push('--docker-host', dockerHost);
    const mode = settings().elevation;
    if (process.getuid?.() === 0) return { argv: helper, how: 'directly (already root)' };
    if (mode === 'none') return { argv: helper, how: 'directly as the current user (containerTrace.elevation = none)' };
    const skipped: string[] = [];
    if (mode === 'auto' || mode === 'sudo') {
      const sudo = onPath('sudo');
      if (sudo && spawnSync(sudo, ['-n', 'true'], { stdio: 'ignore', timeout: 5000 }).status === 0) {
        return { argv: [sudo, '-n', '--', ...helper], how: 'with sudo -n (no password needed)' };
      }
      skipped.push(sudo ? 'sudo needs a password' : 'sudo is not installed');
    }
    if (mode === 'auto' || mode === 'pkexec') {
      const pkexec = onPath('pkexec');
      if (pkexec) return { argv: [pkexec, ...helper], how: `with pkexec${skipped.length ? ` (${skipped.join('; ')})` : ''}` };
      skipped.push('pkexec is not installed');
    }
    throw new Error(
      `The trace helper needs root and cannot get it: ${skipped.join('; ')}. ` +
        'Install pkexec (polkit), allow sudo without a password for it, or run VS Code’s server as root.',
    );
  }

  /** The initialized connection, starting the helper if needed. */
  async ready(): Promise<MessageConnection> {
    clearTimeout(this.idleTimer);
    if (this.connection && this.running) return this.connection;
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<MessageConnection> {
    const { argv, how } = this.command();
    this.log.info(`starting the helper ${how}: ${argv.join(' ')}`);
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.stopping = false;
    let stderrTail = '';
    child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      stderrTail = (stderrTail + text).slice(-2000);
      for (const line of text.split('\n')) if (line.trim()) this.log.trace(line);
    });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.onNotification(TraceEvents, (p) => this.events.fire(p));
    connection.onNotification(TraceStats, (p) => this.stats.fire(p));
    connection.onNotification(TraceEnded, (p) => this.ended.fire(p));
    connection.onNotification(HelperLog, (p) => {
      const write = { error: this.log.error, warn: this.log.warn, info: this.log.info, debug: this.log.debug }[p.level] ?? this.log.info;
      write.call(this.log, p.message);
    });
    connection.onError(([err]) => this.log.warn(`protocol: ${err.message}`));
    child.on('error', (err) => this.log.error(`cannot start the helper: ${err.message}`));
    const exit = new Promise<never>((_, reject) => {
      child.on('exit', (code, signal) => {
        const expected = this.stopping;
        this.log[expected ? 'info' : 'error'](`helper exited (${signal ?? `code ${code}`})`);
        if (this.child === child) {
          this.child = undefined;
          this.connection = undefined;
          this.info = undefined;
        }
        connection.dispose();
        this.exited.fire({ code, signal, expected });
        reject(new Error(`the helper exited before it was ready (${signal ?? `code ${code}`}): ${stderrTail.trim().split('\n').pop() ?? ''}`));
      });
    });
    exit.catch(() => undefined);
    connection.listen();
    this.info = await Promise.race([
      connection.sendRequest(Initialize, { protocolVersion: PROTOCOL_VERSION, client: { name: 'vscode', version: VERSION } }),
      exit,
    ]);
    this.log.info(`helper ${this.info.helperVersion} ready (pid ${this.info.pid}, uid ${this.info.uid})`);
    this.connection = connection;
    return connection;
  }

  async startTrace(params: TraceStartParams): Promise<TraceStartResult> {
    const c = await this.ready();
    return c.sendRequest(TraceStart, params);
  }

  async stopTrace(sessionId: string): Promise<void> {
    if (!this.connection) return;
    await this.connection.sendRequest(TraceStop, { sessionId });
  }

  /** Called when the number of running traces changes. */
  setBusy(busy: boolean): void {
    clearTimeout(this.idleTimer);
    const idle = settings().idleTimeoutSeconds;
    if (!busy && this.running && idle > 0) {
      this.idleTimer = setTimeout(() => {
        this.log.info(`no trace for ${idle}s: stopping the helper`);
        this.stop();
      }, idle * 1000);
    }
  }

  /** Ask the helper to end everything and exit; kill it if it does not. */
  stop(): void {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    this.connection?.sendRequest(Shutdown).catch(() => undefined);
    child.stdin?.end();
    const kill = setTimeout(() => child.kill('SIGTERM'), 2000);
    child.once('exit', () => clearTimeout(kill));
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    this.stop();
    this.events.dispose();
    this.stats.dispose();
    this.ended.dispose();
    this.exited.dispose();
    this.log.dispose();
  }
}
