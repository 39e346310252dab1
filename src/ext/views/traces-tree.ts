/** "Traces": running and finished sessions with live counters. */
import * as vscode from 'vscode';
import type { SessionManager, TraceSessionModel } from '../sessions';
import { mdText } from '../markdown';

export class SessionItem extends vscode.TreeItem {
  constructor(readonly session: TraceSessionModel) {
    super(session.title, vscode.TreeItemCollapsibleState.None);
    this.id = session.key;
    const n = (v: number) => v.toLocaleString('en-US');
    const counts = `${n(session.received)} events · ${n(session.dropped)} dropped`;
    if (session.state === 'starting') {
      this.description = 'starting…';
      this.iconPath = new vscode.ThemeIcon('loading~spin');
    } else if (session.state === 'running') {
      this.description = `${counts} · ${n(session.rate)}/s`;
      this.iconPath = new vscode.ThemeIcon('record', new vscode.ThemeColor('charts.red'));
    } else {
      const reason = { stopped: 'stopped', 'container-exited': 'container exited', 'process-exited': 'process exited', error: 'error' }[session.endReason ?? 'stopped'];
      this.description = `${reason} · ${counts}`;
      this.iconPath = new vscode.ThemeIcon(session.endReason === 'error' ? 'error' : 'circle-outline', session.endReason === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
    }
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${mdText(session.params.gadget)}** in **${mdText(session.result?.container.name ?? session.params.container ?? '')}** — ${mdText(session.scopeText)}\n\n`);
    md.appendMarkdown(`${counts}${session.state === 'running' ? ` · ${n(session.rate)}/s` : ''}\n\n`);
    if (session.endMessage) md.appendMarkdown(`${session.endReason === 'error' ? '$(error) ' : ''}${mdText(session.endMessage)}\n\n`);
    md.supportThemeIcons = true;
    this.tooltip = md;
    this.contextValue = session.state === 'ended' ? 'session.ended' : 'session.running';
    this.command = { command: 'containerTrace.openLiveView', title: 'Open Live View', arguments: [this] };
  }
}

export class TracesTreeProvider implements vscode.TreeDataProvider<SessionItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SessionItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: vscode.Disposable;
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly sessions: SessionManager) {
    // Counters change many times a second: repaint at most 4 times a second.
    this.sub = sessions.onDidChange(() => {
      this.pending ??= setTimeout(() => {
        this.pending = undefined;
        this.changed.fire(undefined);
      }, 250);
    });
  }

  getTreeItem(item: SessionItem): vscode.TreeItem {
    return item;
  }

  getChildren(item?: SessionItem): SessionItem[] {
    return item ? [] : this.sessions.sessions.map((s) => new SessionItem(s));
  }

  dispose(): void {
    clearTimeout(this.pending);
    this.sub.dispose();
    this.changed.dispose();
  }
}
