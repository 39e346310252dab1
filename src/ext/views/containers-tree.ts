/**
 * "Containers": runtime → container → processes as a tree by parent, threads
 * under their process. contextValue drives the menus (package.json).
 */
import * as vscode from 'vscode';
import type { ContainerInfo, RuntimeStatus } from '../../runtime';
import type { ProcessInfo, ThreadInfo } from '../../proc/container';
import type { ContainerService } from '../containers';
import { pidNamespaceOf } from '../../engine/system';

const RUNTIME_NAMES = { docker: 'Docker', podman: 'Podman', 'podman-rootless': 'Podman (rootless)', containerd: 'containerd', cri: 'Kubernetes (CRI)' } as const;

export class RuntimeItem extends vscode.TreeItem {
  constructor(readonly status: RuntimeStatus) {
    super(RUNTIME_NAMES[status.kind], status.reachable ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.id = `runtime:${status.kind}`;
    this.description = status.reachable ? `${status.version ?? ''} · ${status.endpoint}` : 'unreachable';
    this.tooltip = status.reachable ? `${this.label} ${status.version} at ${status.endpoint}` : status.error;
    this.iconPath = new vscode.ThemeIcon(status.reachable ? 'server-environment' : 'warning');
    this.contextValue = status.reachable ? 'runtime' : 'runtime.unreachable';
  }
}

export class ContainerItem extends vscode.TreeItem {
  constructor(readonly container: ContainerInfo) {
    const running = container.state === 'running';
    super(container.name, running ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `container:${container.id}`;
    this.description = container.image;
    const ns = running ? pidNamespaceOf(container.hostPid) : undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${container.name}** — ${container.state}\n\n`);
    md.appendMarkdown(`| | |\n|---|---|\n| id | \`${container.id.slice(0, 12)}\` |\n| image | \`${container.image}\` |\n`);
    if (running) {
      md.appendMarkdown(`| host PID | ${container.hostPid} |\n| PID namespace | ${ns ? `pid:[${ns}]` : 'not readable without root'} |\n`);
    }
    this.tooltip = md;
    const icon = { running: ['vm-running', 'charts.green'], paused: ['debug-pause', 'charts.yellow'], restarting: ['sync', 'charts.yellow'] } as Record<string, [string, string]>;
    const [name, color] = icon[container.state] ?? ['vm-outline', 'disabledForeground'];
    this.iconPath = new vscode.ThemeIcon(name, new vscode.ThemeColor(color));
    this.contextValue = running ? 'container.running' : 'container.stopped';
  }
}

export class ProcessItem extends vscode.TreeItem {
  constructor(
    readonly container: ContainerInfo,
    readonly process: ProcessInfo,
    readonly children: ProcessInfo[],
  ) {
    const cmd = process.cmdline.length ? process.cmdline.join(' ') : process.comm;
    const extraThreads = process.threads.filter((t) => t.hostTid !== process.hostPid).length;
    super(
      `${process.pid} ${cmd}`,
      children.length || extraThreads ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    this.id = `process:${container.id}:${process.hostPid}`;
    this.description = `host ${process.hostPid}${extraThreads ? ` · ${extraThreads + 1} threads` : ''}${process.nested ? ' · nested PID ns' : ''}`;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**PID ${process.pid}** in ${container.name} — \`${process.comm}\`\n\n`);
    md.appendMarkdown(`| | |\n|---|---|\n| host PID | ${process.hostPid} |\n| NSpid (host → inner) | ${process.nspids.join(' → ')} |\n`);
    md.appendMarkdown(`| parent | ${process.ppid || 'outside the container'} (host ${process.hostPpid}) |\n| uid | ${process.uid} |\n| threads | ${process.threads.length} |\n`);
    md.appendCodeblock(process.cmdline.join(' ') || process.comm, 'shellscript');
    this.tooltip = md;
    this.iconPath = new vscode.ThemeIcon(process.nested ? 'layers' : 'server-process');
    this.contextValue = 'process';
  }
}

export class ThreadItem extends vscode.TreeItem {
  constructor(
    readonly container: ContainerInfo,
    readonly process: ProcessInfo,
    readonly thread: ThreadInfo,
  ) {
    super(`${thread.tid} ${thread.comm}`, vscode.TreeItemCollapsibleState.None);
    this.id = `thread:${container.id}:${thread.hostTid}`;
    this.description = `thread · host ${thread.hostTid}`;
    this.tooltip = `Thread ${thread.tid} of process ${process.pid} (${process.comm}); host TID ${thread.hostTid}; NSpid ${thread.nstids.join(' → ')}`;
    this.iconPath = new vscode.ThemeIcon('symbol-event');
    this.contextValue = 'thread';
  }
}

export class MessageItem extends vscode.TreeItem {
  constructor(message: string, icon = 'info') {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(icon);
    this.contextValue = 'message';
  }
}

export type ContainersNode = RuntimeItem | ContainerItem | ProcessItem | ThreadItem | MessageItem;

export class ContainersTreeProvider implements vscode.TreeDataProvider<ContainersNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ContainersNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly service: ContainerService) {
    this.sub = service.onDidChange(() => this.changed.fire(undefined));
  }

  getTreeItem(node: ContainersNode): vscode.TreeItem {
    return node;
  }

  async getChildren(node?: ContainersNode): Promise<ContainersNode[]> {
    if (!node) {
      const listings = await this.service.list();
      const reachable = listings.filter((l) => l.status.reachable);
      const state = reachable.length === 0 ? 'unreachable' : reachable.every((l) => l.containers.length === 0) ? 'empty' : 'ok';
      await vscode.commands.executeCommand('setContext', 'containerTrace.runtimeState', state);
      return state === 'ok' ? listings.map((l) => new RuntimeItem(l.status)) : [];
    }
    if (node instanceof RuntimeItem) {
      const listing = (await this.service.list()).find((l) => l.status.kind === node.status.kind);
      return (listing?.containers ?? []).map((c) => new ContainerItem(c));
    }
    if (node instanceof ContainerItem) {
      try {
        const { processes } = this.service.processes(node.container);
        const known = new Set(processes.map((p) => p.pid));
        return this.processNodes(node.container, processes, processes.filter((p) => !p.ppid || !known.has(p.ppid)));
      } catch (err) {
        return [new MessageItem((err as Error).message, 'warning')];
      }
    }
    if (node instanceof ProcessItem) {
      const threads = node.process.threads.filter((t) => t.hostTid !== node.process.hostPid).map((t) => new ThreadItem(node.container, node.process, t));
      return [...threads, ...this.processNodes(node.container, this.siblingsOf(node), node.children)];
    }
    return [];
  }

  private all = new Map<string, ProcessInfo[]>();

  private siblingsOf(node: ProcessItem): ProcessInfo[] {
    return this.all.get(node.container.id) ?? [];
  }

  private processNodes(container: ContainerInfo, all: ProcessInfo[], level: ProcessInfo[]): ProcessItem[] {
    this.all.set(container.id, all);
    return level.map((p) => new ProcessItem(container, p, all.filter((c) => c.ppid === p.pid && c.hostPid !== p.hostPid)));
  }

  refresh(): void {
    this.service.refresh();
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}
