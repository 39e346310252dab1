/**
 * Trace sessions as the window sees them: started through the helper, fed
 * by its notifications, each with an output channel, a bounded event buffer
 * (for the live view and export), counters, and an end.
 */
import * as vscode from 'vscode';
import type { EndReason, TraceStartParams } from '../protocol';
import type { HelperClient } from './helper';
import { OUTPUT_HEADER } from './format';
import { settings } from './settings';
import { readError } from './model/hints';
import { COUNTERS_MS, TraceSessionModel, type SessionDisplay } from './model/session';
import { CLIENT_KIND_BY_NAME } from '../kinds/client-registry';
import { StackSymbolizer } from '../client/symbolize';
import type { TraceEvent } from '../protocol';

export { TraceSessionModel, type SessionCounters, type SessionDisplay, type SessionState } from './model/session';

export class SessionManager implements vscode.Disposable {
  readonly sessions: TraceSessionModel[] = [];
  private readonly changed = new vscode.EventEmitter<TraceSessionModel | undefined>();
  /** A session's state or counters changed (undefined: the list changed). */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Frames of kinds with stacks are symbolized here, unprivileged, from the files the helper hands over (made on the first). */
  private symbolizer: StackSymbolizer | undefined;
  /** Per session with stacks: its batches symbolized one after another, its end after the last. */
  private readonly pending = new WeakMap<TraceSessionModel, Promise<void>>();

  constructor(
    private readonly helper: HelperClient,
    private readonly showHelperLog: () => void,
  ) {
    this.subscriptions.push(
      helper.onEvents((p) => {
        const s = this.byHelperId(p.sessionId);
        if (s) this.deliver(s, p.events);
      }),
      helper.onStats((p) => {
        const s = this.byHelperId(p.sessionId);
        if (!s) return;
        // The rate is the window's own (what it received): see TraceSessionModel.tick().
        s.dropped = p.dropped;
        s.helperSent = p.received;
      }),
      helper.onEnded((p) => {
        const s = this.byHelperId(p.sessionId);
        if (!s) return;
        s.dropped = p.dropped;
        s.helperReceived = p.received;
        const last = this.pending.get(s);
        if (last) void last.then(() => this.end(s, p.reason, p.message));
        else this.end(s, p.reason, p.message);
      }),
      helper.onExit((exit) => {
        const running = this.sessions.filter((s) => s.state !== 'ended');
        if (!running.length) return;
        const why = `the helper exited (${exit.signal ?? `code ${exit.code}`})`;
        for (const s of running) this.end(s, 'error', why);
        if (!exit.expected) {
          void vscode.window.showErrorMessage(`Container Trace: ${why}; ${running.length} trace(s) ended.`, 'Show Helper Log').then((pick) => {
            if (pick) this.showHelperLog();
          });
        }
      }),
    );
  }

  /** A batch into its session; a kind's stacks symbolized first (in order, batch after batch). */
  private deliver(s: TraceSessionModel, events: TraceEvent[]): void {
    if (!CLIENT_KIND_BY_NAME[s.params.gadget]?.stacks && !s.params.options?.stack) return s.add(events);
    this.symbolizer ??= new StackSymbolizer(
      (id, offset, length) => this.helper.readProfileFile(id, offset, length),
      undefined,
      (message) => void vscode.window.showWarningMessage(`Container Trace: ${message}`),
      undefined,
      (id, link) => this.helper.readProfileDebug(id, link),
    );
    const symbols = this.symbolizer;
    const next = (this.pending.get(s) ?? Promise.resolve())
      .then(() => symbols.symbolize(events))
      .then(
        (done) => s.add(done),
        (err: Error) => {
          // Shown as they came (modules and offsets): the trace goes on.
          s.output.note(`Symbols: ${err.message}`);
          s.add(events);
        },
      );
    this.pending.set(s, next);
  }

  private byHelperId(id: string): TraceSessionModel | undefined {
    return this.sessions.find((s) => s.helperId === id);
  }

  get running(): TraceSessionModel[] {
    return this.sessions.filter((s) => s.state !== 'ended');
  }

  /** Start a trace; the session is listed at once and ends with the error if it cannot start. */
  async start(params: TraceStartParams, display: SessionDisplay = {}): Promise<TraceSessionModel> {
    const session = new TraceSessionModel(params, (name) => vscode.window.createOutputChannel(name), () => settings(), display);
    this.sessions.unshift(session);
    this.update();
    try {
      const result = await this.helper.startTrace(params);
      session.result = result;
      session.helperId = result.sessionId;
      session.state = 'running';
      if (result.matched) {
        const names = result.matched.map((m) => [m.namespace, m.pod, m.name].filter(Boolean).join('/'));
        session.output.note(`Tracing ${params.gadget} in ${result.container.name}: ${names.join(', ') || 'no container yet'}; containers that start later join, those that stop leave.`);
        session.output.note(`PIDs are each container's own; host PIDs beside them.\n${OUTPUT_HEADER}`);
      } else {
        session.output.note(`Tracing ${params.gadget} in container ${result.container.name} (${result.container.id.slice(0, 12)}, ${result.container.image}): ${session.scopeText}.`);
        session.output.note(`PIDs are the container's (PID namespace level ${result.pidNamespaceLevel}); host PIDs beside them.\n${OUTPUT_HEADER}`);
      }
      this.update(session);
      return session;
    } catch (err) {
      // Kept without the CLI's hints (a command that may not be on PATH): the notification has the actions.
      this.end(session, 'error', readError((err as Error).message).text);
      throw err;
    }
  }

  async stop(session: TraceSessionModel): Promise<void> {
    if (session.state === 'ended') return;
    if (!session.helperId) return this.end(session, 'stopped');
    // Said at once ("stopping…" in the views); ended when the helper says so.
    if (!session.stopping) {
      session.stopping = true;
      session.tick();
      this.changed.fire(session);
    }
    try {
      await this.helper.stopTrace(session.helperId);
    } catch (err) {
      this.end(session, 'error', `stopping: ${(err as Error).message}`);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.map((s) => this.stop(s)));
  }

  /** Empty a session's rows and summary (running or not). */
  clear(session: TraceSessionModel): void {
    session.clearRows();
    this.changed.fire(session);
  }

  /** Forget an ended session (its rows, summary and output channel). */
  remove(session: TraceSessionModel): void {
    if (session.state !== 'ended') return this.clear(session);
    const i = this.sessions.indexOf(session);
    if (i >= 0) this.sessions.splice(i, 1);
    session.dispose();
    this.update();
  }

  private end(session: TraceSessionModel, reason: EndReason, message?: string): void {
    if (session.state === 'ended') return;
    session.state = 'ended';
    session.endReason = reason;
    session.endMessage = message;
    session.output.note(`Trace ended: ${reason}${message ? ` — ${message}` : ''}. ${session.received} events, ${session.dropped} dropped.`);
    this.forgetOldEnded();
    this.update(session);
  }

  /** Ended sessions kept (with their rows and output channel); older ones are forgotten. */
  static readonly MAX_ENDED = 10;

  private forgetOldEnded(): void {
    const ended = this.sessions.filter((s) => s.state === 'ended');
    for (const old of ended.slice(SessionManager.MAX_ENDED)) {
      this.sessions.splice(this.sessions.indexOf(old), 1);
      old.dispose();
    }
  }

  /** While traces run: their counters looked at every COUNTERS_MS, and surfaces told only of those that changed. */
  private ticker: NodeJS.Timeout | undefined;

  private tick(): void {
    const now = Date.now();
    for (const s of this.running) if (s.tick(now)) this.changed.fire(s);
  }

  private update(session?: TraceSessionModel): void {
    session?.tick();
    const running = this.running.length;
    if (running && !this.ticker) this.ticker = setInterval(() => this.tick(), COUNTERS_MS);
    if (!running && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    void vscode.commands.executeCommand('setContext', 'containerTrace.runningTraces', running);
    this.helper.setBusy(running > 0);
    this.changed.fire(session);
  }

  dispose(): void {
    clearInterval(this.ticker);
    for (const d of this.subscriptions) d.dispose();
    for (const s of this.sessions) s.dispose();
    this.symbolizer?.close();
    this.changed.dispose();
  }
}
