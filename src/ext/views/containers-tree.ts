/**
 * "Containers": runtime → container → processes as a tree by parent, threads
 * under their process. contextValue drives the menus (package.json). Every
 * node's id is its parent's plus its own key, so ids are unique however often
 * a container appears (two runtimes, a node's own runtime), and the view and
 * reveal() agree on every node; reveal waits for the view's own loading and
 * holds refreshes while it walks down.
 */
import * as vscode from 'vscode';
import type { ContainerInfo } from '../../runtime';
import type { ProcessInfo, ThreadInfo } from '../../proc/container';
import type { ContainerService, RuntimeListing } from '../containers';
import { namespaceInode as pidNamespaceOf } from '../../proc/ns';
import { mdCode, mdCodeblock, mdText } from '../markdown';

const RUNTIME_NAMES = { docker: 'Docker', podman: 'Podman', 'podman-rootless': 'Podman (rootless)', containerd: 'containerd', cri: 'Kubernetes (CRI)' } as const;

/** Runtimes the Container Tools extension manages (its Logs, Shell and Inspect apply). */
const TOOLS_RUNTIMES = new Set(['docker', 'podman', 'podman-rootless']);

const child = (parent: string | undefined, key: string) => (parent ? `${parent}/${key}` : key);

export class RuntimeItem extends vscode.TreeItem {
  constructor(
    readonly listing: RuntimeListing,
    parentId?: string,
  ) {
    const status = listing.status;
    super(RUNTIME_NAMES[status.kind], status.reachable ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.id = child(parentId, `runtime:${status.kind}:${status.endpoint}`);
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
    parentId: string,
  ) {
    super(namespace, vscode.TreeItemCollapsibleState.Expanded);
    this.id = child(parentId, `namespace:${namespace}`);
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
    parentId: string,
  ) {
    super(pod, vscode.TreeItemCollapsibleState.Expanded);
    this.id = child(parentId, `pod:${pod}`);
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
    parentId: string,
  ) {
    super(project, vscode.TreeItemCollapsibleState.Expanded);
    this.id = child(parentId, `compose:${project}`);
    this.description = `compose · ${containers.length}`;
    this.iconPath = new vscode.ThemeIcon('layers');
    this.contextValue = containers.some((c) => c.state === 'running') ? 'compose' : 'compose.stopped';
  }
}

export class ContainerItem extends vscode.TreeItem {
  constructor(
    readonly container: ContainerInfo,
    parentId: string,
  ) {
    const running = container.state === 'running';
    super(container.name, running ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = child(parentId, `container:${container.id}`);
    this.description = running ? container.image : `${container.image} · ${container.state}`;
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
    // `.docker`: one the Container Tools extension manages (Logs, Shell, Inspect); not for nested runtimes.
    const tools = TOOLS_RUNTIMES.has(container.runtime) && !container.node ? '.docker' : '';
    this.contextValue = `${running ? 'container.running' : 'container.stopped'}${tools}`;
  }
}

export class ProcessItem extends vscode.TreeItem {
  constructor(
    readonly container: ContainerInfo,
    readonly process: ProcessInfo,
    readonly children: ProcessInfo[],
    /** The container's processes when this was read (its children come from the same reading). */
    readonly all: ProcessInfo[],
    parentId: string,
  ) {
    const cmd = process.cmdline.length ? process.cmdline.join(' ') : process.comm;
    const extraThreads = process.threads.filter((t) => t.hostTid !== process.hostPid).length;
    super(`${process.pid} ${cmd}`, children.length || extraThreads ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = child(parentId, `process:${process.hostPid}`);
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
    parentId: string,
  ) {
    super(`${thread.tid} ${thread.comm}`, vscode.TreeItemCollapsibleState.None);
    this.id = child(parentId, `thread:${thread.hostTid}`);
    this.description = `thread · host ${thread.hostTid}`;
    this.tooltip = `Thread ${thread.tid} of process ${process.pid} (${process.comm}); host TID ${thread.hostTid}; NSpid ${thread.nstids.join(' → ')}`;
    this.iconPath = new vscode.ThemeIcon('symbol-event');
    this.contextValue = 'thread';
  }
}

export class MessageItem extends vscode.TreeItem {
  constructor(message: string, icon: string, parentId: string) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.id = child(parentId, 'message');
    this.iconPath = new vscode.ThemeIcon(icon);
    this.contextValue = 'message';
  }
}

export type ContainersNode = RuntimeItem | NamespaceItem | PodItem | ComposeItem | ContainerItem | ProcessItem | ThreadItem | MessageItem;

/** Namespaces, then pods and Compose projects, then lone containers. */
function groupContainers(listing: RuntimeListing, containers: ContainerInfo[], parentId: string, inNamespace?: string): ContainersNode[] {
  const out: ContainersNode[] = [];
  if (inNamespace === undefined) {
    const namespaces = [...new Set(containers.map((c) => c.namespace).filter((n): n is string => !!n))].sort();
    for (const ns of namespaces) out.push(new NamespaceItem(listing, ns, containers.filter((c) => c.namespace === ns), parentId));
    containers = containers.filter((c) => !c.namespace);
  }
  const pods = [...new Set(containers.map((c) => c.pod).filter((p): p is string => !!p))].sort();
  for (const pod of pods) out.push(new PodItem(listing, inNamespace, pod, containers.filter((c) => c.pod === pod), parentId));
  const compose = (c: ContainerInfo) => c.labels['com.docker.compose.project'];
  const projects = [...new Set(containers.filter((c) => !c.pod).map(compose).filter((p): p is string => !!p))].sort();
  for (const p of projects) out.push(new ComposeItem(listing, p, containers.filter((c) => !c.pod && compose(c) === p), parentId));
  for (const c of containers) if (!c.pod && !compose(c)) out.push(new ContainerItem(c, parentId));
  return out;
}

/** What reveal found: the process, or (it exited) its container. */
export interface Found {
  node: ContainersNode;
  exact: boolean;
  container: ContainerInfo;
}

export class ContainersTreeProvider implements vscode.TreeDataProvider<ContainersNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ContainersNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  /** Parents of the nodes handed out, by id: what getParent answers (reveal walks up with it). */
  private readonly parents = new Map<string, ContainersNode | undefined>();
  /** The view's root: loading (its promise) or loaded since the last refresh. */
  private root: { loading?: Promise<unknown>; loaded: boolean; waiters: (() => void)[] } = { loaded: false, waiters: [] };
  /** Reveals in progress hold refreshes (a refresh under a reveal would pull its nodes away). */
  private holding = 0;
  private deferred = false;
  /** Containers collapsed since their processes were read: read again when expanded. */
  private readonly stale = new Set<string>();
  private reveals: Promise<unknown> = Promise.resolve();

  constructor(private readonly service: ContainerService) {
    this.subs.push(service.onDidChange(() => this.fireRoot()));
  }

  private fireRoot(): void {
    if (this.holding) {
      this.deferred = true;
      return;
    }
    this.root = { loaded: false, waiters: this.root.waiters };
    this.changed.fire(undefined);
  }

  /** The view this provider feeds: a container expanded again shows its processes as they are now. */
  attach(view: vscode.TreeView<ContainersNode>): void {
    this.subs.push(
      view.onDidCollapseElement(({ element }) => {
        if (element instanceof ContainerItem && element.id) this.stale.add(element.id);
      }),
      view.onDidExpandElement(({ element }) => {
        if (element instanceof ContainerItem && element.id && this.stale.delete(element.id)) this.changed.fire(element);
      }),
    );
  }

  getTreeItem(node: ContainersNode): vscode.TreeItem {
    return node;
  }

  getParent(node: ContainersNode): ContainersNode | undefined {
    return node.id ? this.parents.get(node.id) : undefined;
  }

  async getChildren(node?: ContainersNode): Promise<ContainersNode[]> {
    if (!node) {
      const loading = this.children(undefined);
      this.root.loading = loading;
      try {
        const out = await loading;
        this.register(out, undefined);
        if (this.root.loading === loading) {
          this.root.loaded = true;
          for (const w of this.root.waiters.splice(0)) w();
        }
        return out;
      } finally {
        if (this.root.loading === loading) this.root.loading = undefined;
      }
    }
    return this.kids(node);
  }

  /** Children, their parents remembered (what findProcess walks; the view's root load is tracked apart). */
  private async kids(node?: ContainersNode): Promise<ContainersNode[]> {
    const out = await this.children(node);
    this.register(out, node);
    return out;
  }

  private register(children: ContainersNode[], parent: ContainersNode | undefined): void {
    for (const c of children) if (c.id) this.parents.set(c.id, parent);
  }

  /** Resolves when the view has its root (at most `ms` later: the view may not be shown). */
  private rootReady(ms = 3000): Promise<void> {
    if (this.root.loaded && !this.root.loading) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.root.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Select a process (by host PID) of one of these containers in the view,
   * on the first try: after the view has its root, with refreshes held. Its
   * container instead when the process is gone (exact: false).
   */
  reveal(view: vscode.TreeView<ContainersNode>, containerIds: string[], hostPid: number): Promise<Found | undefined> {
    const run = async () => {
      await this.rootReady();
      this.holding++;
      try {
        const found = await this.findProcess(containerIds, hostPid);
        if (found) await view.reveal(found.node, { select: true, focus: true, expand: false });
        return found;
      } finally {
        if (--this.holding === 0 && this.deferred) {
          this.deferred = false;
          this.fireRoot();
        }
      }
    };
    // One at a time: two links clicked quickly do not walk the tree together.
    const p = this.reveals.then(run, run);
    this.reveals = p.catch(() => undefined);
    return p;
  }

  /** The node of a process (by host PID) in one of these containers, found by walking down as the view does. */
  async findProcess(containerIds: string[], hostPid: number): Promise<Found | undefined> {
    const holds = (n: ContainersNode) =>
      n instanceof RuntimeItem ? n.listing.containers : n instanceof NamespaceItem || n instanceof PodItem || n instanceof ComposeItem ? n.containers : [];
    let level = await this.kids();
    for (let depth = 0; depth < 8; depth++) {
      const container = level.find((n): n is ContainerItem => n instanceof ContainerItem && containerIds.includes(n.container.id));
      if (container) {
        // Processes: breadth first through the process tree.
        let procs = await this.kids(container);
        for (let d = 0; d < 64 && procs.length; d++) {
          const hit = procs.find((n) => n instanceof ProcessItem && n.process.hostPid === hostPid);
          if (hit) return { node: hit, exact: true, container: container.container };
          const next: ContainersNode[] = [];
          for (const n of procs) if (n instanceof ProcessItem && n.children.length) next.push(...(await this.kids(n)));
          procs = next;
        }
        return { node: container, exact: false, container: container.container };
      }
      // Down through the group that holds it; a nested runtime's container through its node container.
      const nodes = containerIds.map((id) => this.nodeIds.get(id)).filter((id): id is string => !!id);
      const group =
        level.find((n) => n instanceof ContainerItem && nodes.includes(n.container.id)) ??
        level.find((n) => holds(n).some((c) => containerIds.includes(c.id) || nodes.includes(c.id)));
      if (!group) return undefined;
      level = await this.kids(group);
    }
    return undefined;
  }

  /** The node container each nested container runs in (from the last listing). */
  private nodeIds = new Map<string, string>();

  private async children(node?: ContainersNode): Promise<ContainersNode[]> {
    if (!node) {
      const listings = await this.service.list();
      this.nodeIds = new Map(listings.flatMap((l) => (l.status.node ? l.containers.map((c) => [c.id, l.status.node!.id] as [string, string]) : [])));
      const reachable = listings.filter((l) => l.status.reachable);
      const state = reachable.length === 0 && !listings.some((l) => l.needsHelper) ? 'unreachable' : reachable.every((l) => l.containers.length === 0) && !listings.some((l) => l.needsHelper) ? 'empty' : 'ok';
      await vscode.commands.executeCommand('setContext', 'containerTrace.runtimeState', state);
      return state === 'ok' ? listings.filter((l) => !l.status.node).map((l) => new RuntimeItem(l)) : [];
    }
    const id = node.id ?? '';
    if (node instanceof RuntimeItem) {
      if (!node.listing.containers.length) return node.listing.status.reachable ? [new MessageItem('No containers', 'info', id)] : [];
      return groupContainers(node.listing, node.listing.containers, id);
    }
    if (node instanceof NamespaceItem) return groupContainers(node.listing, node.containers, id, node.namespace);
    if (node instanceof PodItem || node instanceof ComposeItem) return node.containers.map((c) => new ContainerItem(c, id));
    if (node instanceof ContainerItem) {
      this.stale.delete(id);
      // A node (kind, docker-in-docker): its own runtimes first.
      const nested = (await this.service.list()).filter((l) => l.status.node?.id === node.container.id).map((l) => new RuntimeItem(l, id));
      try {
        const { processes } = this.service.processes(node.container);
        const known = new Set(processes.map((p) => p.pid));
        return [...nested, ...processNodes(node.container, processes, processes.filter((p) => !p.ppid || !known.has(p.ppid)), id)];
      } catch (err) {
        return [...nested, new MessageItem((err as Error).message, 'warning', id)];
      }
    }
    if (node instanceof ProcessItem) {
      const threads = node.process.threads.filter((t) => t.hostTid !== node.process.hostPid).map((t) => new ThreadItem(node.container, node.process, t, id));
      return [...threads, ...processNodes(node.container, node.all, node.children, id)];
    }
    return [];
  }

  /** A container or a process: its processes read again; anything else: every runtime listed again. */
  refresh(node?: ContainersNode): void {
    if (node instanceof ContainerItem || node instanceof ProcessItem) this.changed.fire(node);
    else this.service.refresh();
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}

function processNodes(container: ContainerInfo, all: ProcessInfo[], level: ProcessInfo[], parentId: string): ProcessItem[] {
  return level.map((p) => new ProcessItem(container, p, all.filter((c) => c.ppid === p.pid && c.hostPid !== p.hostPid), all, parentId));
}
