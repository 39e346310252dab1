/**
 * "Containers": runtime → container → processes as a tree by parent, threads
 * under their process. contextValue drives the menus (package.json).
 */
import * as vscode from 'vscode';
import type { ContainerInfo } from '../../runtime';
import type { ProcessInfo, ThreadInfo } from '../../proc/container';
import type { ContainerService, RuntimeListing } from '../containers';
import { namespaceInode as pidNamespaceOf } from '../../proc/ns';
import { mdCode, mdCodeblock, mdText } from '../markdown';

const RUNTIME_NAMES = { docker: 'Docker', podman: 'Podman', 'podman-rootless': 'Podman (rootless)', containerd: 'containerd', cri: 'Kubernetes (CRI)' } as const;

export class RuntimeItem extends vscode.TreeItem {
  constructor(readonly listing: RuntimeListing) {
    const status = listing.status;
    super(RUNTIME_NAMES[status.kind], status.reachable ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.id = `runtime:${status.kind}:${status.endpoint}:${status.node?.id ?? ''}`;
    const via = listing.viaHelper ? ' · via helper' : '';
    this.description = status.reachable
      ? `${status.version ?? ''} · ${listing.containers.length} · ${status.endpoint}${via}`
      : listing.needsHelper
        ? 'needs root — click to list through the helper'
        : `unreachable: ${status.error ?? ''}`;
    this.tooltip = status.reachable ? `${this.label} ${status.version} at ${status.endpoint}${via}` : status.error;
    this.iconPath = new vscode.ThemeIcon(status.reachable ? 'server-environment' : listing.needsHelper ? 'lock' : 'warning');
    this.contextValue = status.reachable ? 'runtime' : listing.needsHelper ? 'runtime.needsHelper' : 'runtime.unreachable';
    if (listing.needsHelper) this.command = { command: 'containerTrace.listWithHelper', title: 'List Through the Helper' };
  }
}

/** A Kubernetes or containerd namespace. */
export class NamespaceItem extends vscode.TreeItem {
  constructor(
    readonly listing: RuntimeListing,
    readonly namespace: string,
    readonly containers: ContainerInfo[],
  ) {
    super(namespace, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `namespace:${listing.status.kind}:${listing.status.endpoint}:${listing.status.node?.id ?? ''}:${namespace}`;
    this.description = `namespace · ${containers.length}`;
    this.iconPath = new vscode.ThemeIcon('symbol-namespace');
    this.contextValue = 'namespace';
  }
}

/** A pod (Kubernetes through CRI, or Podman's): tracing it traces all its containers. */
export class PodItem extends vscode.TreeItem {
  constructor(
    readonly listing: RuntimeListing,
    readonly namespace: string | undefined,
    readonly pod: string,
    readonly containers: ContainerInfo[],
  ) {
    super(pod, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `pod:${listing.status.kind}:${listing.status.node?.id ?? ''}:${namespace ?? ''}/${pod}`;
    const running = containers.filter((c) => c.state === 'running').length;
    this.description = `pod · ${running}/${containers.length} running`;
    this.iconPath = new vscode.ThemeIcon('package');
    this.contextValue = running ? 'pod' : 'pod.stopped';
  }
}

/** A Docker Compose project (com.docker.compose.project): tracing it traces all its services. */
export class ComposeItem extends vscode.TreeItem {
  constructor(
    readonly listing: RuntimeListing,
    readonly project: string,
    readonly containers: ContainerInfo[],
  ) {
    super(project, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `compose:${listing.status.kind}:${listing.status.endpoint}:${project}`;
    this.description = `compose · ${containers.length}`;
    this.iconPath = new vscode.ThemeIcon('layers');
    this.contextValue = containers.some((c) => c.state === 'running') ? 'compose' : 'compose.stopped';
  }
}

export class ContainerItem extends vscode.TreeItem {
  constructor(readonly container: ContainerInfo) {
    const running = container.state === 'running';
    super(container.name, running ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `container:${container.runtime}:${container.node?.id ?? ''}:${container.id}`;
    this.description = container.image;
    const ns = running ? pidNamespaceOf(container.hostPid) : undefined;
    // Theme icons off: a name such as $(alert) is the container's text, not an icon.
    const md = new vscode.MarkdownString();
    const node = container.node ? ` in ${mdText(container.node.name)}` : '';
    md.appendMarkdown(`**${mdText(container.name)}** — ${mdText(container.state)}\n\n`);
    md.appendMarkdown(`| | |\n|---|---|\n| runtime | ${mdText(container.runtime)}${node} |\n| id | ${mdCode(container.id.slice(0, 12))} |\n| image | ${mdCode(container.image)} |\n`);
    if (container.namespace) md.appendMarkdown(`| namespace | ${mdText(container.namespace)} |\n`);
    if (container.pod) md.appendMarkdown(`| pod | ${mdText(container.pod)} |\n`);
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
    md.appendMarkdown(`**PID ${process.pid}** in ${mdText(container.name)} — ${mdCode(process.comm)}\n\n`);
    md.appendMarkdown(`| | |\n|---|---|\n| host PID | ${process.hostPid} |\n| NSpid (host → inner) | ${process.nspids.join(' → ')} |\n`);
    md.appendMarkdown(`| parent | ${process.ppid || 'outside the container'} (host ${process.hostPpid}) |\n| uid | ${process.uid} |\n| threads | ${process.threads.length} |\n`);
    md.appendMarkdown(mdCodeblock(process.cmdline.join(' ') || process.comm, 'shellscript'));
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

export type ContainersNode = RuntimeItem | NamespaceItem | PodItem | ComposeItem | ContainerItem | ProcessItem | ThreadItem | MessageItem;

/** Namespaces, then pods and Compose projects, then lone containers. */
function groupContainers(listing: RuntimeListing, containers: ContainerInfo[], inNamespace?: string): ContainersNode[] {
  const out: ContainersNode[] = [];
  if (inNamespace === undefined) {
    const namespaces = [...new Set(containers.map((c) => c.namespace).filter((n): n is string => !!n))].sort();
    for (const ns of namespaces) out.push(new NamespaceItem(listing, ns, containers.filter((c) => c.namespace === ns)));
    containers = containers.filter((c) => !c.namespace);
  }
  const pods = [...new Set(containers.map((c) => c.pod).filter((p): p is string => !!p))].sort();
  for (const pod of pods) out.push(new PodItem(listing, inNamespace, pod, containers.filter((c) => c.pod === pod)));
  const compose = (c: ContainerInfo) => c.labels['com.docker.compose.project'];
  const projects = [...new Set(containers.filter((c) => !c.pod).map(compose).filter((p): p is string => !!p))].sort();
  for (const p of projects) out.push(new ComposeItem(listing, p, containers.filter((c) => !c.pod && compose(c) === p)));
  for (const c of containers) if (!c.pod && !compose(c)) out.push(new ContainerItem(c));
  return out;
}

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

  /** Parents of the nodes handed out, by id: what reveal() walks up. */
  private readonly parents = new Map<string, ContainersNode | undefined>();

  getParent(node: ContainersNode): ContainersNode | undefined {
    return node.id ? this.parents.get(node.id) : undefined;
  }

  async getChildren(node?: ContainersNode): Promise<ContainersNode[]> {
    const children = await this.children(node);
    for (const c of children) if (c.id) this.parents.set(c.id, node);
    return children;
  }

  /**
   * The tree node of a process (by host PID) in one of these containers,
   * found by walking down as the view would: what "reveal" selects.
   */
  async findProcess(containerIds: string[], hostPid: number): Promise<ContainersNode | undefined> {
    const holds = (n: ContainersNode) =>
      n instanceof RuntimeItem ? n.listing.containers : n instanceof NamespaceItem || n instanceof PodItem || n instanceof ComposeItem ? n.containers : [];
    let level = await this.getChildren();
    for (let depth = 0; depth < 6; depth++) {
      const container = level.find((n): n is ContainerItem => n instanceof ContainerItem && containerIds.includes(n.container.id));
      if (container) {
        // Processes: breadth first through the process tree.
        let procs = await this.getChildren(container);
        for (let d = 0; d < 64 && procs.length; d++) {
          const hit = procs.find((n) => n instanceof ProcessItem && n.process.hostPid === hostPid);
          if (hit) return hit;
          const next: ContainersNode[] = [];
          for (const n of procs) if (n instanceof ProcessItem && n.children.length) next.push(...(await this.getChildren(n)));
          procs = next;
        }
        return container;
      }
      const group = level.find((n) => holds(n).some((c) => containerIds.includes(c.id)));
      if (!group) return undefined;
      level = await this.getChildren(group);
    }
    return undefined;
  }

  private async children(node?: ContainersNode): Promise<ContainersNode[]> {
    if (!node) {
      const listings = await this.service.list();
      const reachable = listings.filter((l) => l.status.reachable);
      const state = reachable.length === 0 && !listings.some((l) => l.needsHelper) ? 'unreachable' : reachable.every((l) => l.containers.length === 0) && !listings.some((l) => l.needsHelper) ? 'empty' : 'ok';
      await vscode.commands.executeCommand('setContext', 'containerTrace.runtimeState', state);
      return state === 'ok' ? listings.filter((l) => !l.status.node).map((l) => new RuntimeItem(l)) : [];
    }
    if (node instanceof RuntimeItem) return groupContainers(node.listing, node.listing.containers);
    if (node instanceof NamespaceItem) return groupContainers(node.listing, node.containers, node.namespace);
    if (node instanceof PodItem || node instanceof ComposeItem) return node.containers.map((c) => new ContainerItem(c));
    if (node instanceof ContainerItem) {
      // A node (kind, docker-in-docker): its own runtimes first.
      const nested = (await this.service.list()).filter((l) => l.status.node?.id === node.container.id).map((l) => new RuntimeItem(l));
      try {
        const { processes } = this.service.processes(node.container);
        const known = new Set(processes.map((p) => p.pid));
        return [...nested, ...this.processNodes(node.container, processes, processes.filter((p) => !p.ppid || !known.has(p.ppid)))];
      } catch (err) {
        return [...nested, new MessageItem((err as Error).message, 'warning')];
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
