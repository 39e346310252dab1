/**
 * "Traces": running and finished sessions with live counters, each titled
 * by its container and kind (`web · exec`); a trace that failed to start is
 * one collapsed entry whose child says why; ended ones can run again.
 */
import * as vscode from 'vscode';
import type { SessionManager, TraceSessionModel } from '../sessions';
import { mdText } from '../markdown';

const n = (v: number) => v.toLocaleString('en-US');

export class SessionItem extends vscode.TreeItem {
  constructor(readonly session: TraceSessionModel) {
    const failed = session.failedToStart;
    super(session.title, failed ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = session.key;
    // The counters every surface shows (the live view and the status bar read the same).
    const c = session.counters();
    const counts = `${n(c.received)} events · ${n(c.dropped)} dropped`;
    if (c.state === 'starting') {
      this.description = `${session.scopeShort} · starting…`;
      this.iconPath = new vscode.ThemeIcon('loading~spin');
    } else if (c.state === 'stopping') {
      this.description = `${session.scopeShort} · stopping… · ${counts}`;
      this.iconPath = new vscode.ThemeIcon('loading~spin');
    } else if (c.state === 'running') {
      this.description = `${session.scopeShort} · ${counts} · ${n(c.rate)}/s`;
      this.iconPath = new vscode.ThemeIcon('record', new vscode.ThemeColor('charts.red'));
    } else if (failed) {
      this.description = `${session.scopeShort} · failed to start`;
      this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    } else {
      const reason = { stopped: 'stopped', 'container-exited': 'container exited', 'process-exited': 'process exited', error: 'error' }[session.endReason ?? 'stopped'];
      this.description = `${session.scopeShort} · ${reason} · ${counts}`;
      this.iconPath = new vscode.ThemeIcon(session.endReason === 'error' ? 'error' : 'circle-outline', session.endReason === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
    }
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${mdText(session.params.gadget)}** in **${mdText(session.containerName)}** — ${mdText(session.scopeText)}\n\n`);
    if (!failed) md.appendMarkdown(`${counts}${c.state === 'running' ? ` · ${n(c.rate)}/s` : ''}\n\n`);
    if (session.endMessage) md.appendMarkdown(`${session.endReason === 'error' ? '$(error) ' : ''}${mdText(session.endMessage)}\n\n`);
    md.supportThemeIcons = true;
    this.tooltip = md;
    this.contextValue = failed ? 'session.failed' : session.state === 'ended' ? 'session.ended' : 'session.running';
    // A failed start has no live view: its child says why.
    if (!failed) this.command = { command: 'containerTrace.openLiveView', title: 'Open Live View', arguments: [this] };
  }
}

/** Why a trace could not start (the error, whole in the tooltip). */
export class FailureItem extends vscode.TreeItem {
  constructor(readonly session: TraceSessionModel) {
    const message = session.endMessage ?? 'it could not start';
    super(message.length > 90 ? `${message.slice(0, 89)}…` : message, vscode.TreeItemCollapsibleState.None);
    this.id = `${session.key}/why`;
    this.tooltip = message;
    this.iconPath = new vscode.ThemeIcon('info');
    this.contextValue = 'session.failure';
  }
}

type TracesNode = SessionItem | FailureItem;

/** The Traces view repaints at most this often. */
const REPAINT_MS = 500;

export class TracesTreeProvider implements vscode.TreeDataProvider<TracesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TracesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: vscode.Disposable;
  private pending: NodeJS.Timeout | undefined;
  private lastFired = 0;

  constructor(private readonly sessions: SessionManager) {
    // Counters change four times a second: repaint at most twice a second (each repaint rebuilds
    // the view's rows in the window), at once when it has not repainted for that long, else
    // when it may (so a change waits at most REPAINT_MS).
    this.sub = sessions.onDidChange(() => {
      if (this.pending) return;
      const wait = Math.max(0, this.lastFired + REPAINT_MS - Date.now());
      this.pending = setTimeout(() => {
        this.pending = undefined;
        this.lastFired = Date.now();
        this.changed.fire(undefined);
      }, wait);
    });
  }

  getTreeItem(item: TracesNode): vscode.TreeItem {
    return item;
  }

  getChildren(item?: TracesNode): TracesNode[] {
    if (!item) return this.sessions.sessions.map((s) => new SessionItem(s));
    return item instanceof SessionItem && item.session.failedToStart ? [new FailureItem(item.session)] : [];
  }

  getParent(item: TracesNode): TracesNode | undefined {
    return item instanceof FailureItem ? new SessionItem(item.session) : undefined;
  }

  dispose(): void {
    clearTimeout(this.pending);
    this.sub.dispose();
    this.changed.dispose();
  }
}
