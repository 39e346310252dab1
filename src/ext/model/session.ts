/**
 * One trace as the window sees it, without VS Code: its parameters and
 * result, the newest events (at most maxRows; older ones leave first, in
 * bulk), counters, its output (rate-limited), and listeners for new
 * batches. The SessionManager (../sessions.ts) feeds it from the helper.
 */
import type { EndReason, TraceEvent, TraceStartParams, TraceStartResult } from '../../protocol';
import { SessionOutput, type LineChannel } from './output';
import { outputLine } from '../format';
import { CLIENT_KIND_BY_NAME } from '../../kinds/client-registry';
import type { Summary } from '../../webview/panels';
import { describeSelector } from '../../runtime/match';

/** How the window names a trace before the helper answers (a picked container's name). */
export interface SessionDisplay {
  container?: string;
}

/** `docker:3f2a…` (64 hex digits) as `docker:3f2a1b9c0d4e`; names stay as they are. */
function shortRef(ref: string): string {
  return ref.replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/, '$1');
}

/** The limits a session reads each time (the settings can change at any moment). */
export interface SessionLimits {
  maxRows: number;
  maxLinesPerSecond: number;
}

export type SessionState = 'starting' | 'running' | 'ended';

/**
 * What every surface shows of a trace — the live view, the Traces view, the
 * status bar, the output's last line — read from this one place, so they
 * agree. `rate` is what the window received over the last second.
 */
export interface SessionCounters {
  received: number;
  dropped: number;
  rate: number;
  /** `stopping` from the moment Stop is asked until the helper says it ended. */
  state: SessionState | 'stopping';
  /** What the helper said it sent: its stats (once a second), its final count once ended. */
  sent?: number;
}

/** How often the counters are looked at (and surfaces told when they changed). */
export const COUNTERS_MS = 250;
const RATE_WINDOW_MS = 1000;

let counter = 0;

export class TraceSessionModel {
  readonly key = `s${++counter}`;
  state: SessionState = 'starting';
  helperId: string | undefined;
  result: TraceStartResult | undefined;
  endReason: EndReason | undefined;
  endMessage: string | undefined;
  received = 0;
  /** What the helper said it sent, when the trace ended (equals `received` unless events were lost on the way). */
  helperReceived: number | undefined;
  dropped = 0;
  /** Events a second over the last second, as received (see tick()). */
  rate = 0;
  /** Stop was asked and the helper has not said it ended yet. */
  stopping = false;
  /** What the helper said it had sent, with its last stats (once a second). */
  helperSent: number | undefined;
  readonly startedAt = Date.now();
  /** [time, received] at each tick over the last second (the rate's window). */
  private readonly window: [number, number][] = [];
  private shown: SessionCounters | undefined;
  /** Newest events, at most maxRows (older ones leave first). */
  rows: TraceEvent[] = [];
  /** Events that left the buffer (still counted in `received`). */
  evicted = 0;
  readonly output: SessionOutput;
  /** The kind's live summary (Summary tab), fed every event; undefined for kinds without one. */
  summary: Summary<TraceEvent> | undefined;
  /** Bumped when the summary saw new events. */
  summaryVersion = 0;
  private listeners: ((events: TraceEvent[]) => void)[] = [];

  constructor(
    readonly params: TraceStartParams,
    channel: (name: string) => LineChannel,
    private readonly limits: () => SessionLimits,
    readonly display: SessionDisplay = {},
  ) {
    this.output = new SessionOutput(channel(`Container Trace: ${this.title} · ${this.scopeShort}`), () => this.limits().maxLinesPerSecond);
    this.summary = this.newSummary();
  }

  private newSummary(): Summary<TraceEvent> | undefined {
    return CLIENT_KIND_BY_NAME[this.params.gadget]?.summary?.() as Summary<TraceEvent> | undefined;
  }

  /** The counters every surface shows. */
  counters(): SessionCounters {
    return {
      received: this.received,
      dropped: this.dropped,
      rate: this.state === 'running' ? this.rate : 0,
      state: this.stopping && this.state !== 'ended' ? 'stopping' : this.state,
      sent: this.helperReceived ?? this.helperSent,
    };
  }

  /**
   * Every COUNTERS_MS: the rate over the last second from the count
   * received (so it falls to 0 within a second of the last event);
   * whether the counters changed since the last tick that said so.
   */
  tick(now = Date.now()): boolean {
    const w = this.window;
    w.push([now, this.received]);
    while (w.length > 1 && now - w[1][0] >= RATE_WINDOW_MS) w.shift();
    const [t0, r0] = w[0];
    this.rate = now - t0 >= COUNTERS_MS ? Math.round(((this.received - r0) * 1000) / (now - t0)) : this.rate;
    const c = this.counters();
    const was = this.shown;
    if (was && was.received === c.received && was.dropped === c.dropped && was.rate === c.rate && was.state === c.state && was.sent === c.sent) return false;
    this.shown = c;
    return true;
  }

  /** Batches as they arrive (the live view listens); dispose() of the result stops it. */
  onEvents(listener: (events: TraceEvent[]) => void): { dispose(): void } {
    this.listeners.push(listener);
    return { dispose: () => void (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }

  /** The container (or pod, or selector) by name. */
  get containerName(): string {
    const p = this.params;
    return this.result?.container.name ?? this.display.container ?? (p.container !== undefined ? shortRef(p.container) : describeSelector(p.selector ?? {}));
  }

  /** `web · exec`: container name and kind. */
  get title(): string {
    return `${this.containerName} · ${this.params.gadget}`;
  }

  /** `PID 7+` (with descendants), `TID 9`, `all`. */
  get scopeShort(): string {
    const s = this.params.scope;
    return s?.tid !== undefined ? `TID ${s.tid}` : s?.pid !== undefined ? `PID ${s.pid}${s.follow ? '+' : ''}` : 'all';
  }

  /** It ended before it started (the helper refused it). */
  get failedToStart(): boolean {
    return this.state === 'ended' && !this.result;
  }

  /** Plain words for the Traces view and the live view. */
  get scopeText(): string {
    const s = this.params.scope;
    const t = this.result?.target;
    if (s?.tid !== undefined) return `thread ${s.tid}${t ? ` (${t.comm}, host ${t.hostTid})` : ''}`;
    if (s?.pid !== undefined) return `process ${s.pid}${t ? ` (${t.comm}, host ${t.hostPid})` : ''}${s.follow ? ' and descendants' : ''}`;
    return 'all processes';
  }

  add(events: TraceEvent[]): void {
    this.received += events.length;
    if (this.summary && events.length) {
      this.summary.add(events);
      this.summaryVersion++;
    }
    for (const e of events) this.rows.push(e);
    const max = this.limits().maxRows;
    if (this.rows.length > max * 1.1) {
      const extra = this.rows.length - max;
      this.rows.splice(0, extra);
      this.evicted += extra;
    }
    // A kind that reports per interval (profile) writes its report's text, not a line per entry.
    const report = CLIENT_KIND_BY_NAME[this.params.gadget]?.report;
    if (report) {
      const text = events.length ? report(events, this.params.options?.top ?? 20) : '';
      if (text) this.output.note(text + '\n');
    } else this.output.append(events, this.params.selector ? (e) => outputLine(e, true) : (e) => outputLine(e));
    for (const l of this.listeners) l(events);
  }

  /** Empty the buffer and the summary (counters keep counting). */
  clearRows(): void {
    this.evicted += this.rows.length;
    this.rows = [];
    this.summary = this.newSummary();
    this.summaryVersion++;
  }

  dispose(): void {
    this.rows = [];
    this.output.dispose();
    this.listeners = [];
  }
}

