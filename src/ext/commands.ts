/** Every command, registered in one place; each one small. */
import * as vscode from 'vscode';
import type { ContainerSelector, KindName, TraceOptions, TraceStartParams } from '../protocol';
import { describeSelector } from '../runtime/match';
import { containerRef, type ContainerService } from './containers';
import type { HelperClient } from './helper';
import type { SessionManager, TraceSessionModel } from './sessions';
import { askOptions, pickContainer, pickKind, pickScope, type KindChoice } from './pickers';
import { KIND_BY_NAME } from '../gadgets/kinds';
import { ComposeItem, ContainerItem, PodItem, ProcessItem, ThreadItem } from './views/containers-tree';
import { SessionItem } from './views/traces-tree';
import { LivePanel } from './views/live-panel';
import { installHelper, showCheck } from './system';
import { cliCommand } from '../cli/command-line';
import type { ExportFormat } from './model/export';

/** Arguments scripts and tests may pass instead of tree items. */
export interface TraceArgs {
  container: string;
  pid?: number;
  tid?: number;
  follow?: boolean;
  gadget?: KindName;
  options?: TraceOptions;
  /** Do not open the live view. */
  background?: boolean;
}

export interface Services {
  extensionUri: vscode.Uri;
  cliPath: string;
  containers: ContainerService;
  helper: HelperClient;
  sessions: SessionManager;
  /** Select a process (by host PID) of one of these containers in the Containers view; false when it is not there. */
  reveal?: (containerIds: string[], hostPid: number) => Promise<boolean>;
}

function sessionOf(s: Services, arg: unknown): TraceSessionModel | undefined {
  if (arg instanceof SessionItem) return arg.session;
  if (typeof arg === 'string') return s.sessions.sessions.find((x) => x.key === arg || x.helperId === arg);
  return undefined;
}

async function start(s: Services, params: TraceStartParams, background = false): Promise<TraceSessionModel | undefined> {
  try {
    const session = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Container Trace: starting ${params.gadget} in ${params.container ?? describeSelector(params.selector ?? {})}` },
      () => s.sessions.start(params),
    );
    if (!background) {
      LivePanel.show(s.extensionUri, s.sessions, session);
      session.output.show();
    }
    return session;
  } catch (err) {
    const pick = await vscode.window.showErrorMessage(`Container Trace: ${(err as Error).message}`, 'Show Helper Log');
    if (pick) s.helper.log.show();
    return undefined;
  }
}

export async function traceProcess(s: Services, arg?: unknown): Promise<TraceSessionModel | undefined> {
  if (arg && typeof arg === 'object' && 'container' in arg && typeof (arg as TraceArgs).container === 'string') {
    const a = arg as TraceArgs;
    const scope = a.tid !== undefined ? { tid: a.tid } : a.pid !== undefined ? { pid: a.pid, follow: a.follow } : undefined;
    const kind = a.gadget ? { gadget: a.gadget, follow: !!a.follow, options: a.options } : await pickKind(scope);
    if (!kind) return undefined;
    if (scope?.pid !== undefined) scope.follow = kind.follow;
    const options = await kindOptions(s, kind, a.container, scope);
    if (options === null) return undefined;
    return start(s, { gadget: kind.gadget, container: a.container, scope, options }, a.background);
  }
  let container = arg instanceof ContainerItem ? arg.container : undefined;
  let scope: TraceStartParams['scope'];
  if (arg instanceof ProcessItem) {
    container = arg.container;
    scope = { pid: arg.process.pid };
  } else if (arg instanceof ThreadItem) {
    container = arg.container;
    scope = { tid: arg.thread.tid };
  }
  container ??= await pickContainer(s.containers);
  if (!container) return undefined;
  if (!scope) {
    const picked = await pickScope(s.containers, container);
    if (!picked) return undefined;
    scope = picked.scope;
  }
  const kind = await pickKind(scope);
  if (!kind) return undefined;
  if (scope?.pid !== undefined) scope = { ...scope, follow: kind.follow };
  const options = await kindOptions(s, kind, containerRef(container), scope);
  if (options === null) return undefined;
  return start(s, { gadget: kind.gadget, container: containerRef(container), scope, options });
}

/** The options a kind cannot run without, asked as its spec says; null when cancelled. */
async function kindOptions(s: Services, kind: KindChoice, container: string, scope: TraceStartParams['scope']): Promise<TraceOptions | undefined | null> {
  const required = KIND_BY_NAME[kind.gadget].spec.required;
  if (!required || required.keys.every((k) => kind.options?.[k] !== undefined)) return kind.options;
  const info = await s.containers.find(container);
  let hostPid = info?.hostPid;
  if (info && (scope?.pid !== undefined || scope?.tid !== undefined)) {
    try {
      const procs = s.containers.processes(info).processes;
      hostPid = procs.find((p) => p.pid === scope.pid || p.threads.some((t) => t.tid === scope.tid))?.hostPid ?? hostPid;
    } catch {
      /* the container is gone: the helper will say so */
    }
  }
  return (await askOptions(kind.gadget, hostPid, kind.options)) ?? null;
}

async function traceContainer(s: Services, arg?: unknown): Promise<TraceSessionModel | undefined> {
  // A pod or a Compose project: every container in it, those started later too.
  const selector = arg instanceof PodItem ? podSelector(arg) : arg instanceof ComposeItem ? { runtime: arg.listing.status.kind, composeProject: arg.project } : undefined;
  if (selector) {
    const kind = await pickKind(undefined, true);
    if (!kind) return undefined;
    return start(s, { gadget: kind.gadget, selector, options: kind.options });
  }
  const container = arg instanceof ContainerItem ? arg.container : await pickContainer(s.containers);
  if (!container) return undefined;
  const kind = await pickKind(undefined);
  if (!kind) return undefined;
  const options = await kindOptions(s, kind, containerRef(container), undefined);
  if (options === null) return undefined;
  return start(s, { gadget: kind.gadget, container: containerRef(container), options });
}

function podSelector(item: PodItem): ContainerSelector {
  return { runtime: item.listing.status.kind, ...(item.namespace ? { namespace: item.namespace } : {}), pod: item.pod };
}

async function stopTrace(s: Services, arg?: unknown): Promise<void> {
  let session = sessionOf(s, arg);
  if (!session) {
    const running = s.sessions.running;
    if (running.length === 1) session = running[0];
    else if (running.length > 1) {
      const pick = await vscode.window.showQuickPick(
        running.map((x) => ({ label: x.title, description: `${x.received} events`, session: x })),
        { title: 'Stop which trace?' },
      );
      session = pick?.session;
    }
  }
  if (session) await s.sessions.stop(session);
}

async function copy(value: number | undefined, what: string): Promise<void> {
  if (value === undefined) return;
  await vscode.env.clipboard.writeText(String(value));
  vscode.window.setStatusBarMessage(`Copied ${what} ${value}`, 3000);
}

/** A PID link: the process in the Containers view, under its container. */
async function revealProcess(s: Services, arg?: unknown): Promise<boolean> {
  const a = arg as { sessionKey?: string; hostPid?: number; pid?: number } | undefined;
  const session = sessionOf(s, a?.sessionKey);
  if (!session?.result || !Number.isInteger(a?.hostPid) || !s.reveal) return false;
  const ids = session.result.matched ? session.result.matched.map((m) => m.id) : [session.result.container.id];
  await vscode.commands.executeCommand('containerTrace.containers.focus');
  const found = await s.reveal(ids, a!.hostPid!);
  if (!found) void vscode.window.showInformationMessage(`Process ${a?.pid ?? ''} (host ${a!.hostPid}) is not running any more in ${session.result.container.name}.`);
  return found;
}

/** The running traces of a process (or of its whole container) from the Containers view. */
async function showProcessTraces(s: Services, item?: unknown): Promise<void> {
  if (!(item instanceof ProcessItem)) return;
  const mine = s.sessions.sessions.filter((x) => {
    const r = x.result;
    if (!r) return false;
    const inContainer = r.container.id === item.container.id || !!r.matched?.some((m) => m.id === item.container.id);
    const scope = x.params.scope;
    return inContainer && (!scope || scope.pid === item.process.pid || scope.follow || scope.tid !== undefined);
  });
  if (!mine.length) {
    const start = await vscode.window.showInformationMessage(`No trace covers process ${item.process.pid} (${item.process.comm}).`, 'Trace It…');
    if (start) await vscode.commands.executeCommand('containerTrace.traceProcess', item);
    return;
  }
  const pick = mine.length === 1 ? { session: mine[0] } : await vscode.window.showQuickPick(mine.map((x) => ({ label: x.title, description: `${x.state} · ${x.received} events`, session: x })), { title: `Traces of process ${item.process.pid}` });
  if (pick) LivePanel.show(s.extensionUri, s.sessions, pick.session);
}

export function registerCommands(s: Services, refresh: () => void): vscode.Disposable[] {
  const r = vscode.commands.registerCommand;
  return [
    r('containerTrace.revealProcess', (arg?: unknown) => revealProcess(s, arg)),
    // An output channel's PID link: the process in whichever traced container holds it.
    r('containerTrace.revealHostPid', async (hostPid?: unknown) => {
      if (!Number.isInteger(hostPid) || !s.reveal) return false;
      const ids = [...new Set(s.sessions.sessions.flatMap((x) => (x.result ? (x.result.matched?.map((m) => m.id) ?? [x.result.container.id]) : [])))];
      await vscode.commands.executeCommand('containerTrace.containers.focus');
      const found = await s.reveal(ids, hostPid as number);
      if (!found) void vscode.window.showInformationMessage(`Host PID ${String(hostPid)} is not running in a traced container any more.`);
      return found;
    }),
    r('containerTrace.showProcessTraces', (item?: unknown) => showProcessTraces(s, item)),
    r('containerTrace.copyCliCommand', async (arg?: unknown) => {
      const session = sessionOf(s, arg) ?? s.sessions.sessions[0];
      if (!session) return undefined;
      const line = cliCommand(session.params);
      await vscode.env.clipboard.writeText(line);
      vscode.window.setStatusBarMessage(`Copied: ${line}`, 5000);
      return line;
    }),
    // Scripts and tests: { session, format: jsonl | perfetto | csv, target: Uri }; otherwise asks.
    r('containerTrace.exportTrace', async (arg?: unknown) => {
      const a = arg instanceof SessionItem || typeof arg === 'string' ? { session: arg } : ((arg ?? {}) as { session?: unknown; format?: ExportFormat; target?: vscode.Uri });
      const session = sessionOf(s, a.session) ?? s.sessions.sessions[0];
      if (!session) return undefined;
      const panel = LivePanel.show(s.extensionUri, s.sessions, session);
      return a.format ? panel.export(a.format, a.target) : panel.exportAs();
    }),
    r('containerTrace.traceProcess', (arg?: unknown) => traceProcess(s, arg)),
    r('containerTrace.traceContainer', (arg?: unknown) => traceContainer(s, arg)),
    r('containerTrace.stopTrace', (arg?: unknown) => stopTrace(s, arg)),
    r('containerTrace.stopAllTraces', () => s.sessions.stopAll()),
    r('containerTrace.refresh', refresh),
    r('containerTrace.listWithHelper', async () => {
      try {
        await s.helper.ready();
        s.containers.refresh();
      } catch (err) {
        void vscode.window.showErrorMessage(`Container Trace: ${(err as Error).message}`);
      }
    }),
    r('containerTrace.copyHostPid', (item?: unknown) =>
      copy(
        item instanceof ProcessItem ? item.process.hostPid : item instanceof ThreadItem ? item.thread.hostTid : item instanceof ContainerItem ? item.container.hostPid : undefined,
        'host PID',
      ),
    ),
    r('containerTrace.copyPid', (item?: unknown) =>
      copy(item instanceof ProcessItem ? item.process.pid : item instanceof ThreadItem ? item.thread.tid : undefined, 'PID'),
    ),
    r('containerTrace.showHelperLog', () => s.helper.log.show()),
    r('containerTrace.installHelper', () => installHelper(s.cliPath, s.helper.log)),
    r('containerTrace.checkSystem', () => showCheck(s.cliPath)),
    r('containerTrace.openDockerSetting', () => vscode.commands.executeCommand('workbench.action.openSettings', 'containerTrace.dockerHost')),
    r('containerTrace.openLiveView', (arg?: unknown) => {
      const session = sessionOf(s, arg);
      if (session) LivePanel.show(s.extensionUri, s.sessions, session);
    }),
    r('containerTrace.showOutput', (arg?: unknown) => sessionOf(s, arg)?.output.show()),
    r('containerTrace.clearTrace', (arg?: unknown) => {
      const session = sessionOf(s, arg);
      if (!session) return;
      if (session.state === 'ended') LivePanel.forSession(session.key)?.dispose();
      s.sessions.clear(session);
    }),
  ];
}
