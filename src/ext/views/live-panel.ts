/**
 * A live view per session: a webview with a virtualized table, fed in
 * batches (at most 10 posts a second), strict CSP with a nonce. It never
 * runs ahead of the view: at most MAX_IN_FLIGHT messages wait for the view
 * to say it handled them; meanwhile rows are bounded (failures first, the
 * rest counted) and panels and counters are sent as they are when it can
 * take them, so what it shows is never more than a post behind. The Summary
 * is built only while it is shown.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { ProfileEvent, TraceEvent } from '../../protocol';
import type { SessionManager, TraceSessionModel } from '../sessions';
import type { Counters, FromView, Row, ToView } from '../../webview/messages';
import { stackLines } from '../../kinds/shared/stack';
import { clock, details, errnoName, failed, visible, where } from '../format';
import { settings } from '../settings';
import { CLIENT_KIND_BY_NAME } from '../../kinds/client-registry';
import { jsonLines, perfettoTrace, summaryCsv, type ExportFormat } from '../model/export';
import { foldedStacks, pprofProfile } from '../../kinds/profile/export';
import type { SessionSources, SourceService } from '../source/session-sources';
import { openSource } from '../source/resolver';

const POST_MS = 100;
/** Messages sent and not yet handled by the view. */
const MAX_IN_FLIGHT = 2;
/** How often the Summary tab gets new panels (when something changed). */
const SUMMARY_MS = 500;
/**
 * Rows a live view is sent per post (10 posts a second): beyond that rate a
 * table is unreadable, and formatting and posting every row would cost the
 * window its responsiveness. Failures are kept first; the rest is counted as
 * not shown (export and the output channel still have them).
 */
export const MAX_ROWS_PER_POST = 2000;

/** At most `max` of `items`, in order: every failed one first (the newest if too many), then the newest others. */
export function keepRows<T>(items: T[], max: number, failed: (x: T) => boolean): T[] {
  if (items.length <= max) return items;
  let nFailed = 0;
  for (const x of items) if (failed(x)) nFailed++;
  let others = Math.max(0, max - nFailed);
  let failures = Math.min(max, nFailed);
  const out: T[] = [];
  for (let i = items.length - 1; i >= 0 && out.length < max; i--) {
    const x = items[i];
    if (failed(x) ? failures-- > 0 : others-- > 0) out.push(x);
  }
  return out.reverse();
}

function row(e: TraceEvent, many: boolean, sources?: SessionSources): Row {
  const r: Row = [clock(e.time), e.pid, e.tid, e.hostPid, visible(e.comm), e.gadget, visible((many ? where(e) : '') + details(e)), failed(e) ? 1 : 0, e.runtime ? 1 : 0, errnoName(e)];
  // --stack: its frames, shown when the row is selected (profiles draw theirs in the Summary), each with its source.
  if (e.stack && e.gadget !== 'profile') {
    r[10] = stackLines(e.stack, visible).slice(1).replace(/^ {4}/gm, '');
    if (sources) r[11] = sources.frames(e, e.stack);
  }
  // The path it names, a link to its workspace file.
  const p = sources && CLIENT_KIND_BY_NAME[e.gadget]?.path?.(e as never);
  if (p) r[12] = [visible(p), sources!.path(e, p)];
  // Words the filter's %class and syscall: terms match (the syscall kind's name and classes).
  const tags = CLIENT_KIND_BY_NAME[e.gadget]?.tags?.(e as never);
  if (tags) r[13] = tags;
  return r;
}

export class LivePanel implements vscode.Disposable {
  private static readonly open = new Map<string, LivePanel>();
  /** Paths and frames as workspace links (set at activation). */
  static sources: SourceService | undefined;
  private readonly panel: vscode.WebviewPanel;
  private readonly subs: vscode.Disposable[] = [];
  private queue: TraceEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  private inFlight = 0;
  /** The counters changed since they were last sent. */
  private countersDirty = false;
  /** The view shows its Summary tab (it opens on it when the kind has one). */
  private summaryShown = true;
  /** Process-tree groups the user opened. */
  private readonly expanded = new Set<string>();

  /** Show the session's view, creating it if needed. */
  static show(extensionUri: vscode.Uri, manager: SessionManager, session: TraceSessionModel): LivePanel {
    const existing = LivePanel.open.get(session.key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = new LivePanel(extensionUri, manager, session);
    LivePanel.open.set(session.key, panel);
    return panel;
  }

  static forSession(key: string): LivePanel | undefined {
    return LivePanel.open.get(key);
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly manager: SessionManager,
    readonly session: TraceSessionModel,
  ) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel('containerTrace.live', `Trace: ${session.title}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [media],
      retainContextWhenHidden: true,
    });
    this.panel.iconPath = vscode.Uri.joinPath(media, 'activity.svg');
    this.panel.webview.html = this.html();
    this.subs.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: FromView) => this.receive(m)),
      session.onEvents((events) => this.enqueue(events)),
      // The Summary's panels, and sources that came later (the runtime's mounts, the workspace's index).
      { dispose: clearInterval.bind(undefined, setInterval(() => (this.postPanels(), this.ready && this.postSources()), SUMMARY_MS)) },
      manager.onDidChange((s) => {
        if (s === this.session || s === undefined) this.countersChanged();
      }),
      this.panel.onDidChangeViewState(() => this.panel.visible && this.postPanels(true)),
    );
  }

  /** The session's counters (as the Traces view and the status bar show them), with what this view did not show. */
  private counters(): Counters {
    const s = this.session;
    const c = s.counters();
    const ended = c.state === 'ended' ? `${s.endReason}${s.endMessage ? `: ${s.endMessage}` : ''}` : undefined;
    return { ...c, unshown: this.unshown, ended };
  }

  private countersChanged(): void {
    if (!this.ready) return;
    if (this.inFlight < MAX_IN_FLIGHT && !this.queue.length) this.post({ type: 'counters', counters: this.counters() });
    else {
      this.countersDirty = true;
      this.timer ??= setTimeout(() => this.flush(), POST_MS);
    }
  }

  private enqueue(events: TraceEvent[]): void {
    if (!this.ready) return; // init sends the buffer
    // Under a flood only what can be shown becomes a row: failures, then the newest (newer rows
    // replace older ones waiting, when the view is behind); the rest is counted.
    const cap = Math.min(settings().maxRows, MAX_ROWS_PER_POST);
    const spare = cap;
    const isFailed = CLIENT_KIND_BY_NAME[this.session.params.gadget]?.failed;
    // Events wait as they are: a row (its text, its links) is made at the post, only for those kept.
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (i < events.length - spare && !isFailed?.(e)) {
        this.unshown++;
        continue;
      }
      this.queue.push(e);
    }
    if (this.queue.length > cap) {
      const kept = keepRows(this.queue, cap, (e) => !!isFailed?.(e));
      this.unshown += this.queue.length - kept.length;
      this.queue = kept;
    }
    this.timer ??= setTimeout(() => this.flush(), POST_MS);
  }

  /** Rows of events that were not sent to the view (above MAX_ROWS_PER_POST per post). */
  private unshown = 0;

  private flush(): void {
    this.timer = undefined;
    if (!this.ready || (!this.queue.length && !this.countersDirty)) return;
    if (this.inFlight >= MAX_IN_FLIGHT) {
      // The view is behind: keep (bounded) what it will be sent, and look again.
      this.timer = setTimeout(() => this.flush(), POST_MS);
      return;
    }
    this.countersDirty = false;
    if (!this.queue.length) return this.post({ type: 'counters', counters: this.counters() });
    const many = !!this.session.params.selector;
    const sources = this.sources();
    const rows = this.queue.map((e) => row(e, many, sources));
    this.queue = [];
    this.postSources();
    this.post({ type: 'rows', rows, counters: this.counters() });
  }

  /** The session's paths and frame files (made once the trace has its container). */
  private sources(): SessionSources | undefined {
    return this.session.result ? LivePanel.sources?.forSession(this.session) : undefined;
  }

  /** How the paths and frames it is about to be sent map (what it does not know yet). */
  private postSources(all = false): void {
    const s = this.sources();
    const entries = all ? s?.all() : s?.take();
    if (entries && Object.keys(entries).length) void this.panel.webview.postMessage({ type: 'sources', entries } satisfies ToView);
  }

  private post(message: ToView): void {
    if (message.type === 'rows' || message.type === 'panels' || message.type === 'counters') this.inFlight++;
    void this.panel.webview.postMessage(message);
  }

  private async receive(m: FromView): Promise<void> {
    switch (m?.type) {
      case 'ack':
        this.inFlight = Math.max(0, this.inFlight - 1);
        return;
      case 'tab':
        this.summaryShown = !!m.summary;
        if (this.summaryShown) this.postPanels(true);
        return;
      case 'expand':
        if (typeof m.key !== 'string') return;
        if (m.open) this.expanded.add(m.key);
        else this.expanded.delete(m.key);
        this.postPanels(true);
        return;
      case 'ready':
        this.ready = true;
        this.inFlight = 0;
        this.countersDirty = false;
        this.summaryShown = true;
        this.queue = [];
        this.post({
          type: 'init',
          title: this.session.title,
          scope: this.session.scopeText,
          maxRows: settings().maxRows,
          rows: this.session.rows.map((e) => row(e, !!this.session.params.selector, this.sources())),
          counters: this.counters(),
          summary: !!this.session.summary,
        });
        this.postSources(true);
        this.postPanels(true);
        return;
      case 'clear':
        // Rows and the summary both start again (the counters keep counting).
        this.manager.clear(this.session);
        this.queue = [];
        this.expanded.clear();
        this.post({ type: 'cleared' });
        this.postPanels(true);
        return;
      case 'stop':
        await this.manager.stop(this.session);
        return;
      case 'export':
        await this.exportAs();
        return;
      case 'copyCli':
        await vscode.commands.executeCommand('containerTrace.copyCliCommand', this.session.key);
        return;
      case 'openSource': {
        if (typeof m.key !== 'string') return;
        const link = this.sources()?.link(m.key);
        if (!link) return;
        if ('why' in link) return void vscode.window.showInformationMessage(`Container Trace: not in the workspace — ${link.why}`);
        const line = Number.isInteger(m.line) && m.line! > 0 ? m.line : link.line;
        await openSource(link.uri, line).catch((err: Error) => vscode.window.showWarningMessage(`Container Trace: ${vscode.workspace.asRelativePath(link.uri)} cannot be opened as text: ${err.message}`));
        return;
      }
      case 'reveal':
        if (Number.isInteger(m.pid) && Number.isInteger(m.hostPid)) {
          await vscode.commands.executeCommand('containerTrace.revealProcess', { sessionKey: this.session.key, pid: m.pid, hostPid: m.hostPid });
        }
        return;
    }
  }

  /** Ask for a format, then a file. */
  async exportAs(): Promise<void> {
    const formats: (vscode.QuickPickItem & { format: ExportFormat })[] = [
      { label: 'JSON Lines', description: '.jsonl', detail: 'One event per line, as `container-trace trace --json` writes them', format: 'jsonl' },
      { label: 'Perfetto trace', description: '.json', detail: 'Opens in ui.perfetto.dev or chrome://tracing: processes and threads as tracks (a profile: each report\'s rate and busiest functions)', format: 'perfetto' },
    ];
    if (CLIENT_KIND_BY_NAME[this.session.params.gadget]?.stacks) {
      formats.unshift(
        { label: 'pprof profile', description: '.pb.gz', detail: 'go tool pprof, Parca, Pyroscope, speedscope: samples with their symbolized stacks and build IDs', format: 'pprof' },
        { label: 'Folded stacks', description: '.folded', detail: 'flamegraph.pl, inferno, speedscope: one line per stack with its samples', format: 'folded' },
      );
    }
    if (this.session.summary) formats.push({ label: 'Summary table as CSV', description: '.csv', detail: 'The Summary tab as it is now', format: 'csv' });
    const pick = await vscode.window.showQuickPick(formats, { title: 'Export trace', placeHolder: 'Format' });
    if (pick) await this.export(pick.format);
  }

  /** Save the buffered events (or the summary table) in a format; asks where unless `target` is given. */
  async export(format: ExportFormat = 'jsonl', target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const ext = { jsonl: 'jsonl', perfetto: 'json', csv: 'csv', pprof: 'pb.gz', folded: 'folded' }[format];
    const base = `trace-${this.session.params.gadget}-${this.session.result?.container.name ?? 'container'}-${new Date(this.session.startedAt).toISOString().replace(/[:.]/g, '-')}`;
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(require('node:os').homedir()), `${base}${format === 'perfetto' ? '.perfetto' : ''}.${ext}`),
        filters: { [{ csv: 'CSV', perfetto: 'Perfetto / Chrome trace', jsonl: 'JSON Lines', pprof: 'pprof profile', folded: 'Folded stacks' }[format]]: [ext] },
        title: 'Export trace',
      }));
    if (!uri) return undefined;
    const rows = this.session.rows;
    let text: string | Buffer;
    let what: string;
    // Stacks: every one the window holds (the newest maxRows; said when older ones left).
    const stacks = () => `${rows.length} stacks${this.session.evicted ? ` (the newest; ${this.session.evicted} older ones left the buffer)` : ''}`;
    if (format === 'pprof') {
      text = pprofProfile(rows as ProfileEvent[], this.session.params.options?.hz ?? 99);
      what = `${stacks()} as a pprof profile`;
    } else if (format === 'folded') {
      text = foldedStacks(rows as ProfileEvent[]);
      what = `${stacks()} as folded stacks`;
    } else if (format === 'perfetto') {
      text = JSON.stringify(perfettoTrace(rows));
      what = `${rows.length} events as a Perfetto trace`;
    } else if (format === 'csv') {
      text = summaryCsv(this.session.summary?.panels({ expanded: this.expanded }) ?? []) ?? '';
      what = 'the summary table';
    } else {
      text = jsonLines(rows);
      what = `${rows.length} events`;
    }
    await vscode.workspace.fs.writeFile(uri, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
    void vscode.window.showInformationMessage(`Exported ${what} to ${uri.fsPath}`, 'Open').then((pick) => {
      if (pick) void vscode.commands.executeCommand('vscode.open', uri);
    });
    return uri;
  }

  /**
   * The Summary tab: new panels twice a second while events come, built
   * only while it is shown and the view can take them (`force`: something
   * other than the events changed them — the tab shown, a group opened).
   */
  private postPanels(force = false): void {
    const s = this.session;
    if (force) this.panelsVersion = -1;
    if (!this.ready || !s.summary || !this.summaryShown || !this.panel.visible || s.summaryVersion === this.panelsVersion) return;
    if (this.inFlight >= MAX_IN_FLIGHT) return; // the next interval sends them as they are then
    this.panelsVersion = s.summaryVersion;
    const panels = s.summary.panels({ expanded: this.expanded });
    this.sources()?.panels(panels);
    this.postSources();
    this.post({ type: 'panels', panels });
  }

  private panelsVersion = -1;

  private html(): string {
    const nonce = randomBytes(16).toString('base64');
    const webview = this.panel.webview;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'dist', 'live.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'live.css'));
    const template = fs.readFileSync(vscode.Uri.joinPath(media, 'live.html').fsPath, 'utf8');
    return template
      .replace(/\{\{nonce\}\}/g, nonce)
      .replace(/\{\{cspSource\}\}/g, webview.cspSource)
      .replace('{{script}}', script.toString())
      .replace('{{style}}', style.toString());
  }

  dispose(): void {
    LivePanel.open.delete(this.session.key);
    clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.panel.dispose();
  }
}
