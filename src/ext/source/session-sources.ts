/**
 * One trace's paths and frame files as its views show them: each mapped
 * once (the resolver, through the event's container), by the key the
 * webview links by (../../webview/messages sourceKey); new answers are
 * handed out in batches for the view, all of them kept for clicks and the
 * output channel's links. Bounded: past MAX_SOURCES names no more are
 * looked up (and the view says so on hover).
 */
import * as vscode from 'vscode';
import type { ContainerInfo, ProfileFrame, TraceEvent } from '../../protocol';
import { sourceKey, type SourceInfo } from '../../webview/messages';
import type { Panel } from '../../webview/panels';
import type { SourceContainer, SourceLink, SourceResolver } from './resolver';

export const MAX_SOURCES = 10_000;

interface Entry {
  kind: 'p' | 'f';
  name: string;
  container: string | undefined;
  link: SourceLink;
}

export class SessionSources {
  private readonly entries = new Map<string, Entry>();
  private fresh: Record<string, SourceInfo> = {};
  private freshCount = 0;
  private version: number;
  /** Containers by name (a selector's members), with their mounts as the runtime reported them. */
  private byName = new Map<string, SourceContainer>();

  constructor(
    private readonly resolver: SourceResolver,
    /** The trace's container (one-container traces), or its first. */
    private primary: SourceContainer | undefined,
    /** Whether events come from many containers (keys carry the container's name). */
    private readonly many: boolean,
  ) {
    this.version = resolver.version;
  }

  /** What the runtimes list of the trace's containers (their mounts as reported; the primary's PID when it had none). */
  setContainers(list: ContainerInfo[], primaryId: string | undefined): void {
    this.byName = new Map(list.map((c) => [c.name, { id: c.id, hostPid: c.hostPid, mounts: c.mounts, runtime: c.runtime }]));
    const p = list.find((c) => c.id === primaryId);
    if (p) this.primary = { id: p.id, hostPid: p.hostPid || this.primary?.hostPid || 0, mounts: p.mounts, runtime: p.runtime };
    this.refresh();
  }

  private containerOf(name: string | undefined): SourceContainer | undefined {
    return (name !== undefined ? this.byName.get(name) : undefined) ?? this.primary;
  }

  private ensure(kind: 'p' | 'f', name: string, container: string | undefined): string {
    const c = this.many ? container : undefined;
    const key = sourceKey(kind, name, c);
    if (this.entries.has(key) || this.entries.size >= MAX_SOURCES) return key;
    const e: Entry = { kind, name, container: c, link: this.resolve(kind, name, c) };
    this.entries.set(key, e);
    this.publish(key, e);
    return key;
  }

  private resolve(kind: 'p' | 'f', name: string, container: string | undefined): SourceLink {
    const c = this.containerOf(container);
    return kind === 'p' ? this.resolver.path(c, name) : this.resolver.frame(c, name);
  }

  private publish(key: string, e: Entry): void {
    const l = e.link;
    this.fresh[key] = 'why' in l ? { ok: false, tip: l.why } : { ok: true, tip: l.via, rel: vsRel(l.uri) };
    this.freshCount++;
  }

  /** The key of a path an event names. */
  path(e: TraceEvent, p: string): string {
    return this.ensure('p', p, e.container?.name);
  }

  /** Each frame's [key, line], or 0 when it names no file. */
  frames(e: TraceEvent, stack: ProfileFrame[]): ([string, number] | 0)[] {
    return stack.map((f) => (f.file ? [this.ensure('f', f.file, e.container?.name), f.line ?? 0] : 0));
  }

  /** The paths and files a summary's panels name (tables' source cells, flame frames). */
  panels(panels: Panel[]): void {
    for (const p of panels) {
      if (p.type === 'table') for (const r of p.rows) if (r.source) this.ensure(r.source.kind, r.source.name, undefined);
      if (p.type === 'flame') for (const n of p.nodes) if (n.file) this.ensure('f', n.file, undefined);
    }
  }

  /** What is new since the last call, for the view (undefined: nothing). */
  take(): Record<string, SourceInfo> | undefined {
    if (this.resolver.version !== this.version) this.refresh();
    if (!this.freshCount) return undefined;
    const out = this.fresh;
    this.fresh = {};
    this.freshCount = 0;
    return out;
  }

  /** Everything looked up again (the workspace, its index or the settings changed); what changed is handed out anew. */
  refresh(): void {
    this.version = this.resolver.version;
    for (const [key, e] of this.entries) {
      const before = e.link;
      e.link = this.resolve(e.kind, e.name, e.container);
      if (JSON.stringify(before) !== JSON.stringify(e.link)) this.publish(key, e);
    }
  }

  /** Every answer so far, for a view that starts (or starts again). */
  all(): Record<string, SourceInfo> {
    this.take();
    const out: Record<string, SourceInfo> = {};
    for (const [key, e] of this.entries) {
      const l = e.link;
      out[key] = 'why' in l ? { ok: false, tip: l.why } : { ok: true, tip: l.via, rel: vsRel(l.uri) };
    }
    return out;
  }

  /** The file a key names, when it maps to one. */
  link(key: string): SourceLink | undefined {
    return this.entries.get(key)?.link;
  }

  /** A path or file looked up now (the output channel's links; kept as the view's are, within the bound). */
  lookup(kind: 'p' | 'f', name: string, container?: string): SourceLink {
    const key = this.ensure(kind, name, container);
    return this.entries.get(key)?.link ?? this.resolve(kind, name, this.many ? container : undefined);
  }
}

/** A file's path as its workspace folder names it. */
const vsRel = (uri: vscode.Uri) => vscode.workspace.asRelativePath(uri, true);

/** Each trace's sources, made when first asked for (its container known by then), with the runtimes' listing for their mounts. */
export class SourceService {
  private readonly bySession = new WeakMap<object, SessionSources>();

  constructor(
    readonly resolver: SourceResolver,
    private readonly listContainers: () => Promise<ContainerInfo[]>,
  ) {}

  forSession(session: { result?: { container: { id: string; hostPid: number }; matched?: unknown[] }; params: { selector?: unknown } }): SessionSources {
    let s = this.bySession.get(session);
    if (!s) {
      const r = session.result;
      const many = !!session.params.selector;
      const primary = r && r.container.hostPid ? { id: r.container.id, hostPid: r.container.hostPid } : undefined;
      const made = new SessionSources(this.resolver, primary, many);
      s = made;
      this.bySession.set(session, s);
      // The runtime's mounts (and a selector's members): a moment later, answers looked up again then.
      void this.listContainers().then(
        (list) => made.setContainers(list, r?.container.id),
        () => undefined,
      );
    }
    return s;
  }
}
