/**
 * The window's one helper process: started on the first trace (directly when
 * already root, else through sudo -n or pkexec), reused, stopped when idle
 * and on deactivate. Its stderr and helper/log lines go to a log channel.
 */
import * as vscode from 'vscode';
import type { ChildProcess } from 'node:child_process';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { planHelper, type HelperPlan } from '../client/elevation';
import { startHelper } from '../client/helper-process';
import { TraceReceiver } from '../client/trace-receiver';
import {
  ContainerBinaries,
  HelperLog,
  ProfileDebug,
  ProfileFile,
  Shutdown,
  TraceEnded,
  TraceStart,
  TraceStats,
  TraceStop,
  RuntimesList,
  type RuntimesListResult,
  type ContainerBinariesResult,
  type InitializeResult,
  type ProfileDebugResult,
  type ProfileFileResult,
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

export class HelperClient implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Container Trace Helper', { log: true });
  private child: ChildProcess | undefined;
  private connection: MessageConnection | undefined;
  private starting: Promise<MessageConnection> | undefined;
  private stopping = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private receiver: TraceReceiver | undefined;
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

  /** Plan the start; ask what the user must answer (password, running uninstalled files as root). */
  private async plan(): Promise<HelperPlan | undefined> {
    // The helper reads fixed, root-owned sockets only: the Docker Host
    // setting is the extension's own (listing), never passed to root.
    const plan = planHelper({ mode: settings().elevation, cliPath: this.cliPath, version: VERSION });
    if (!plan.installed && process.getuid?.() !== 0 && settings().elevation !== 'none') {
      const pick = await vscode.window.showWarningMessage(
        'Container Trace: the helper is not installed.',
        {
          modal: true,
          detail: `To trace, this will run as root:\n${plan.argv.join(' ')}\n\nThese files belong to your user. Installing the helper copies them root-owned (with a checked manifest), so that nothing user-writable runs as root.`,
        },
        'Install Helper',
        'Run Once',
      );
      if (pick === 'Install Helper') {
        await vscode.commands.executeCommand('containerTrace.installHelper');
        return this.plan();
      }
      if (pick !== 'Run Once') return undefined;
    }
    return plan;
  }

  /** The initialized connection, starting the helper if needed. */
  async ready(): Promise<MessageConnection> {
    clearTimeout(this.idleTimer);
    if (this.connection && this.running) return this.connection;
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<MessageConnection> {
    const plan = await this.plan();
    if (!plan) throw new Error('the helper was not started');
    this.log.info(`starting the helper ${plan.how}: ${plan.argv.join(' ')}`);
    let password: string | undefined;
    if (plan.needsPassword) {
      password = await vscode.window.showInputBox({
        title: 'Container Trace: sudo password',
        prompt: `sudo needs your password to start the trace helper as root (${plan.installed ? 'the installed helper' : 'not installed'}). It is used once and not stored.`,
        password: true,
        ignoreFocusOut: true,
      });
      if (password === undefined) throw new Error('no password given: the helper was not started');
    }
    this.stopping = false;
    const h = await startHelper(plan, { password, client: { name: 'vscode', version: VERSION }, onStderr: (line) => this.log.trace(line) });
    password = undefined;
    const { child, connection } = h;
    this.child = child;
    const receiver = new TraceReceiver((sessionId, events) => this.events.fire({ sessionId, events }));
    receiver.listen(connection);
    this.receiver = receiver;
    connection.onNotification(TraceStats, (p) => this.stats.fire(p));
    connection.onNotification(TraceEnded, (p) => {
      receiver.ended(p.sessionId);
      this.ended.fire(p);
    });
    connection.onNotification(HelperLog, (p) => {
      const write = { error: this.log.error, warn: this.log.warn, info: this.log.info, debug: this.log.debug }[p.level] ?? this.log.info;
      write.call(this.log, p.message);
    });
    connection.onError(([err]) => this.log.warn(`protocol: ${err.message}`));
    void h.exited.then(({ code, signal }) => {
      const expected = this.stopping;
      this.log[expected ? 'info' : 'error'](`helper exited (${signal ?? `code ${code}`})`);
      if (this.child === child) {
        this.child = undefined;
        this.connection = undefined;
        this.info = undefined;
      }
      connection.dispose();
      this.exited.fire({ code, signal, expected });
    });
    this.info = h.info;
    this.log.info(`helper ${h.info.helperVersion} ready (pid ${h.info.pid}, uid ${h.info.uid})`);
    this.connection = connection;
    return connection;
  }

  async startTrace(params: TraceStartParams): Promise<TraceStartResult> {
    const c = await this.ready();
    const result = await c.sendRequest(TraceStart, params);
    this.receiver?.started(params.gadget, result, params.options);
    return result;
  }

  /** The runtimes only root reads, listed by the running helper (never starts it). */
  async listRuntimes(): Promise<RuntimesListResult> {
    if (!this.connection || !this.running) throw new Error('the helper is not running');
    return this.connection.sendRequest(RuntimesList);
  }

  /** Bytes of a file a profile named, by the handle the helper gave (symbols are made in the window, unprivileged). */
  async readProfileFile(fileId: string, offset: number, length: number): Promise<ProfileFileResult> {
    if (!this.connection || !this.running) throw new Error('the helper is not running: its file handles went with it');
    return this.connection.sendRequest(ProfileFile, { fileId, offset, length });
  }

  /** A profiled file's separate debug info in its container, as a new handle (or why there is none). */
  async readProfileDebug(fileId: string, debuglink: string | undefined): Promise<ProfileDebugResult> {
    if (!this.connection || !this.running) throw new Error('the helper is not running: its file handles went with it');
    return this.connection.sendRequest(ProfileDebug, debuglink ? { fileId, debuglink } : { fileId });
  }

  /** The ELF files one running container's processes map, with handles for readProfileFile (starts the helper if needed). */
  async containerBinaries(container: string): Promise<ContainerBinariesResult> {
    const c = await this.ready();
    return c.sendRequest(ContainerBinaries, { container });
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
