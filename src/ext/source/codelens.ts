/**
 * From the code to a live trace: over a function of a C, C++, Rust or Go
 * source of the workspace that a running container's binary was built
 * from (its DWARF names this file and the function, declared at that
 * line), a CodeLens "Trace calls" starts a uprobe trace on it in that
 * container (several: a pick). While the trace runs the lens reads its
 * calls a second, p50 and p99 latency and calls in all, and opens the
 * trace's view; Stop beside it; the trace ended, the lens is "Trace calls"
 * again. A binary whose build ID differs from the workspace's build output
 * of the same name is said to be stale: its lines may not match.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerInfo, TraceStartParams, UprobeEvent } from '../../protocol';
import type { ContainerService } from '../containers';
import { containerRef } from '../containers';
import type { HelperClient } from '../helper';
import type { SessionManager, TraceSessionModel } from '../sessions';
import type { SourceResolver } from './resolver';
import { FunctionReader, type SourceFunction } from '../../client/source/functions';
import { fdReader, readElfLayout } from '../../kinds/profile/elf';
import { staleReason } from '../../client/source/stale';
import { formatNs } from '../../webview/panels';

export const TRACE_FUNCTION = 'containerTrace.traceFunction';
export const FIND_FUNCTIONS = 'containerTrace.findSourceFunctions';
export const SOURCE_LANGUAGES = ['c', 'cpp', 'rust', 'go'];
/** Running containers looked at, and binaries read, per scan at most. */
const MAX_CONTAINERS = 32;
/** A scan is believed this long (containers start and stop: the tree's changes rescan sooner). */
const SCAN_MS = 30_000;
/** The latencies a running lens's quantiles are of: the last seconds, bounded. */
const WINDOW_MS = 5000;
const MAX_WINDOW = 20_000;

/** One binary of one container that has the function. */
export interface FunctionHost {
  container: ContainerInfo;
  /** The binary's path inside the container. */
  binary: string;
  buildId?: string;
  /** Container-level PIDs of the processes that run it (at most 16), and how many. */
  pids: number[];
  processes: number;
  /** A Go program: not probed (a return probe breaks its moving goroutine stacks). */
  go?: boolean;
  /** Set when the workspace's build output of the same name has another build ID. */
  stale?: string;
}

export interface LensTarget {
  fn: SourceFunction;
  hosts: FunctionHost[];
}

/** What the lens shows while a trace of its function runs: a window of latencies. */
class CallWindow {
  private readonly at: number[] = [];
  private readonly ns: number[] = [];
  calls = 0;
  constructor(readonly session: TraceSessionModel) {
    session.onEvents((events) => {
      const now = Date.now();
      for (const e of events as UprobeEvent[]) {
        this.at.push(now);
        this.ns.push(e.latencyNs);
        if (e.calls > this.calls) this.calls = e.calls;
      }
      if (this.at.length > MAX_WINDOW) {
        this.at.splice(0, this.at.length - MAX_WINDOW);
        this.ns.splice(0, this.ns.length - MAX_WINDOW);
      }
    });
  }

  text(): string {
    const cut = Date.now() - WINDOW_MS;
    let i = 0;
    while (i < this.at.length && this.at[i] < cut) i++;
    this.at.splice(0, i);
    this.ns.splice(0, i);
    const sorted = [...this.ns].sort((a, b) => a - b);
    const q = (p: number) => (sorted.length ? formatNs(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]) : '–');
    const s = this.session;
    const state = s.state === 'starting' ? 'starting… · ' : '';
    return `${state}${Math.round(s.rate).toLocaleString('en-US')} calls/s · p50 ${q(0.5)} · p99 ${q(0.99)} · ${this.calls.toLocaleString('en-US')} calls`;
  }
}

/** The build ID of a local ELF file, or undefined (not ELF, none). */
function localBuildId(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    return readElfLayout(fdReader(fd), st.size).buildId;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export class FunctionLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private scan: { at: number; byUri: Promise<Map<string, LensTarget[]>> } | undefined;
  private readonly reader: FunctionReader;
  private readonly windows = new WeakMap<TraceSessionModel, CallWindow>();
  private readonly subs: vscode.Disposable[] = [];
  private ticker: NodeJS.Timeout | undefined;
  private readonly warned = new Set<string>();
  /** Why the last scan found nothing it could read (shown on the lens that asks for one). */
  lastWhy: string | undefined;

  constructor(
    private readonly containers: ContainerService,
    private readonly helper: HelperClient,
    private readonly sessions: SessionManager,
    private readonly resolver: SourceResolver,
  ) {
    this.reader = new FunctionReader((id, offset, length) => helper.readProfileFile(id, offset, length));
    // Containers come and go without a tree event (nested runtimes, another user's): a source in view is looked at again now and then.
    const recheck = setInterval(() => {
      if (vscode.window.visibleTextEditors.some((e) => SOURCE_LANGUAGES.includes(e.document.languageId))) this.rescan();
    }, SCAN_MS);
    this.subs.push({ dispose: () => clearInterval(recheck) });
    this.subs.push(
      this.changed,
      containers.onDidChange(() => this.rescan()),
      resolver.onDidChange(() => this.rescan()),
      sessions.onDidChange(() => this.sessionsChanged()),
    );
  }

  /** Scanned again on the next look (containers, folders or files changed). */
  rescan(): void {
    this.scan = undefined;
    this.changed.fire();
  }

  /** The function traces running: their lenses count once a second. */
  private sessionsChanged(): void {
    const running = this.sessions.running.some((s) => s.params.gadget === 'uprobe');
    if (running && !this.ticker) this.ticker = setInterval(() => this.changed.fire(), 1000);
    if (!running && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    this.changed.fire();
  }

  /** The helper lists binaries; unprivileged windows ask for it only when the user does (it may ask for a password). */
  private get canList(): boolean {
    return this.helper.running || process.getuid?.() === 0;
  }

  /** Every running container's binaries with DWARF, their functions by the workspace file that declares them. */
  targets(): Promise<Map<string, LensTarget[]>> {
    if (this.scan && Date.now() - this.scan.at < SCAN_MS) return this.scan.byUri;
    const byUri = this.read();
    this.scan = { at: Date.now(), byUri };
    return byUri;
  }

  private async read(): Promise<Map<string, LensTarget[]>> {
    const out = new Map<string, LensTarget[]>();
    if (!this.canList) return out;
    await this.resolver.indexed();
    const running = (await this.containers.running()).slice(0, MAX_CONTAINERS);
    const whys: string[] = [];
    let read = 0;
    for (const c of running) {
      let listed;
      try {
        listed = await this.helper.containerBinaries(containerRef(c));
      } catch (err) {
        whys.push(`${c.name}: ${(err as Error).message}`);
        continue;
      }
      for (const b of listed.binaries) {
        if (!b.fileId) continue;
        const got = await this.reader.functions(b.fileId, b.buildId);
        if (!got.functions.length) continue;
        read++;
        const stale = this.staleness(c, b.path, b.buildId);
        // Each DWARF file once (a binary has thousands of functions in a few files).
        const byFile = new Map<string, ReturnType<SourceResolver['frame']>>();
        for (const fn of got.functions) {
          let l = byFile.get(fn.file);
          if (!l) byFile.set(fn.file, (l = this.resolver.frame({ id: c.id, hostPid: c.hostPid, mounts: c.mounts, runtime: c.runtime }, fn.file)));
          if ('why' in l) continue;
          const key = l.uri.toString();
          let list = out.get(key);
          if (!list) out.set(key, (list = []));
          let t = list.find((x) => x.fn.symbol === fn.symbol && x.fn.line === fn.line);
          if (!t) list.push((t = { fn, hosts: [] }));
          if (!t.hosts.some((h) => h.container.id === c.id && h.binary === b.path)) t.hosts.push({ container: c, binary: b.path, buildId: b.buildId, pids: b.pids, processes: b.processes, ...(got.go ? { go: true } : {}), ...(stale ? { stale } : {}) });
        }
      }
    }
    this.lastWhy = whys.length ? whys.join('; ') : undefined;
    let fns = 0;
    for (const l of out.values()) fns += l.length;
    this.helper.log.info(`source functions: ${running.length} running container(s), ${read} binaries with DWARF, ${fns} functions in ${out.size} workspace file(s)${this.lastWhy ? `; not listed: ${this.lastWhy}` : ''}`);
    return out;
  }

  /** Why a container's binary may not match the workspace's build of it (another build ID), or undefined; said once as a warning. */
  private staleness(c: ContainerInfo, binary: string, buildId: string | undefined): string | undefined {
    if (!buildId) return undefined;
    // The container runs the workspace's own file (a bind mount): the same bytes.
    const same = this.resolver.path({ id: c.id, hostPid: c.hostPid, mounts: c.mounts, runtime: c.runtime }, binary);
    const locals = this.resolver.filesNamed(path.posix.basename(binary)).map((p) => ({ path: p, rel: vscode.workspace.asRelativePath(p), buildId: localBuildId(p) }));
    const why = staleReason(c.name, binary, buildId, locals, 'why' in same ? undefined : same.uri.path);
    const key = `${c.id}:${buildId}`;
    if (why && !this.warned.has(key)) {
      this.warned.add(key);
      void vscode.window.showWarningMessage(`Container Trace: ${why}`);
    }
    return why;
  }

  /** The running trace of this function (by its symbol, in one of its binaries), if any. */
  private running(t: LensTarget): TraceSessionModel | undefined {
    return this.sessions.running.find(
      (s) => s.params.gadget === 'uprobe' && s.params.options?.function === t.fn.symbol && t.hosts.some((h) => h.binary === s.params.options?.target && s.params.container === containerRef(h.container)),
    );
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!this.canList) {
      const any = (await this.containers.running()).length > 0;
      const top = new vscode.Range(0, 0, 0, 0);
      return any ? [new vscode.CodeLens(top, { title: 'Container Trace: find this file\'s functions in running containers', command: FIND_FUNCTIONS, tooltip: 'Starts the helper (it may ask for your password) to read which binaries the containers run' })] : [];
    }
    const targets = (await this.targets()).get(doc.uri.toString()) ?? [];
    const lenses: vscode.CodeLens[] = [];
    for (const t of targets) {
      const line = Math.min(Math.max(0, t.fn.line - 1), doc.lineCount - 1);
      const range = new vscode.Range(line, 0, line, 0);
      const s = this.running(t);
      if (s) {
        let w = this.windows.get(s);
        if (!w) this.windows.set(s, (w = new CallWindow(s)));
        lenses.push(new vscode.CodeLens(range, { title: `$(pulse) ${w.text()}`, command: 'containerTrace.openLiveView', arguments: [s.key], tooltip: `Calls of ${t.fn.name} in ${s.display.container ?? s.params.container}: open the trace's view` }));
        lenses.push(new vscode.CodeLens(range, { title: '$(debug-stop) Stop', command: 'containerTrace.stopTrace', arguments: [s.key], tooltip: 'Stop tracing its calls' }));
        continue;
      }
      if (t.hosts.every((h) => h.go)) {
        lenses.push(new vscode.CodeLens(range, { title: 'Trace calls: not for Go functions', command: '', tooltip: `${t.fn.name} is Go code: a uprobe's return probe breaks the goroutine stacks Go moves, so its calls are not traced (a profile shows where its time goes)` }));
        continue;
      }
      const hosts = t.hosts.filter((h) => !h.go);
      const where = hosts.length === 1 ? ` in ${hosts[0].container.name}` : ` (${hosts.length} containers)`;
      const stale = t.hosts.find((h) => h.stale)?.stale;
      lenses.push(
        new vscode.CodeLens(range, {
          title: `${stale ? '$(warning) ' : ''}Trace calls${where}`,
          command: TRACE_FUNCTION,
          arguments: [{ ...t, hosts }],
          tooltip: `${t.fn.name}: its calls, arguments, results and latency, live (a uprobe on ${hosts.map((h) => `${h.binary} in ${h.container.name}`).join(', ')})${stale ? `\n${stale}` : ''}`,
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.reader.close();
    for (const s of this.subs) s.dispose();
  }
}

/** "Trace calls": the one container directly, else a pick; the trace runs in the background (the lens shows it). */
export async function traceFunction(t: LensTarget | undefined, start: (params: TraceStartParams, container: string) => Promise<TraceSessionModel | undefined>): Promise<TraceSessionModel | undefined> {
  if (!t?.hosts?.length) return undefined;
  let host: FunctionHost | undefined = t.hosts[0];
  if (t.hosts.length > 1) {
    const pick = await vscode.window.showQuickPick(
      t.hosts.map((h) => ({ label: h.container.name, description: h.binary, detail: h.stale, host: h })),
      { title: `Trace calls of ${t.fn.name} in which container?` },
    );
    host = pick?.host;
  }
  if (!host) return undefined;
  // One process runs it: that process (a file bind-mounted from the host is probed only in a process; every process that maps it otherwise).
  const scope = host.processes === 1 && host.pids.length === 1 ? { scope: { pid: host.pids[0] } } : {};
  return start({ gadget: 'uprobe', container: containerRef(host.container), ...scope, options: { target: host.binary, function: t.fn.symbol } }, host.container.name);
}
