/** Every command, registered in one place; each one small. */
import * as vscode from 'vscode';
import { ErrorCode, type ContainerSelector, type KindName, type TraceOptions, type TraceStartParams } from '../protocol';
import { describeSelector } from '../runtime/match';
import { containerRef, type ContainerService } from './containers';
import type { HelperClient } from './helper';
import type { SessionDisplay, SessionManager, TraceSessionModel } from './sessions';
import { traceFlow, type FlowGiven, type KindChoice, type TracePlan } from './pickers';
import { CLIENT_KINDS } from '../kinds/client-registry';
import { ComposeItem, ContainerItem, NamespaceItem, PodItem, ProcessItem, RuntimeItem, ThreadItem, type Found } from './views/containers-tree';
import { SessionItem } from './views/traces-tree';
import { LivePanel } from './views/live-panel';
import { installHelper, showCheck } from './system';
import { cliLine, containerName, traceLine } from './cli-run';
import { readError } from './model/hints';
import { runContainerTool, type ToolAction } from './container-tools';
import type { ExportFormat } from './model/export';
import { adviceNotes, adviseSeccompCommand } from './advise';

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
  /** Trace from start: the container need not run yet; traced from its first exec (and when it restarts). */
  wait?: boolean;
}

export interface Services {
  extensionUri: vscode.Uri;
  cliPath: string;
  containers: ContainerService;
  helper: HelperClient;
  sessions: SessionManager;
  /** Select a process (by host PID) of one of these containers in the Containers view (its container when it exited). */
  reveal?: (containerIds: string[], hostPid: number) => Promise<Found | undefined>;
  /** Refresh one node of the Containers view (or all). */
  refreshNode?: (node?: unknown) => void;
}

function sessionOf(s: Services, arg: unknown): TraceSessionModel | undefined {
  if (arg instanceof SessionItem) return arg.session;
  if (typeof arg === 'string') return s.sessions.sessions.find((x) => x.key === arg || x.helperId === arg);
  return undefined;
}

/** Start a trace with its progress and view (unless `background`); a failure is said with the actions that fix it. */
export async function start(s: Services, params: TraceStartParams, display: SessionDisplay = {}, background = false): Promise<TraceSessionModel | undefined> {
  try {
    const session = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Container Trace: starting ${params.gadget} in ${display.container ?? params.container ?? describeSelector(params.selector ?? {})}` },
      () => s.sessions.start(params, display),
    );
    if (!background) {
      LivePanel.show(s.extensionUri, s.sessions, session);
      session.output.show();
    }
    return session;
  } catch (err) {
    void startFailed(s, err as Error & { code?: number }, params, display);
    return undefined;
  }
}

/** Why a trace could not start, with the actions that fix it (never a command the user's PATH may not have). */
async function startFailed(s: Services, err: Error & { code?: number }, params: TraceStartParams, display: SessionDisplay): Promise<void> {
  const read = readError(err.message);
  const actions: [string, () => unknown][] = [];
  if (err.code === ErrorCode.UnknownPid && params.container) actions.push(['Pick a Process', () => pickProcessAgain(s, params, display)]);
  if (params.gadget === 'uprobe') {
    for (const name of read.closeMatches.slice(0, 3)) actions.push([`Use ${name}`, () => start(s, { ...params, options: { ...params.options, function: name } }, display)]);
  }
  for (const { args } of read.hints) {
    if (args[0] === 'ps') actions.push(['List Its Processes in a Terminal', () => runInTerminal(s.cliPath, args)]);
    else if (args[0] === 'list') actions.push(['Show Containers', () => vscode.commands.executeCommand('containerTrace.containers.focus')]);
    else if (args[0] === 'check') actions.push(['Check System', () => vscode.commands.executeCommand('containerTrace.checkSystem')]);
    else if (args[0] === 'install-helper') actions.push(['Install Helper', () => vscode.commands.executeCommand('containerTrace.installHelper')]);
    else actions.push([`Run "${args[0]}" in Terminal`, () => runInTerminal(s.cliPath, args)]);
  }
  actions.push(['Show Helper Log', () => s.helper.log.show()]);
  const pick = await vscode.window.showErrorMessage(`Container Trace: ${read.text}`, ...actions.map(([t]) => t));
  await actions.find(([t]) => t === pick)?.[1]();
}

/** The bundled CLI in a terminal, by its real path (it is not assumed on PATH). */
function runInTerminal(cliPath: string, args: string[]): void {
  const terminal = vscode.window.createTerminal({ name: `Container Trace: ${args[0]}` });
  terminal.show();
  terminal.sendText(cliLine(cliPath, args));
}

/** An unknown PID: the same container and kind, the process picked this time. */
async function pickProcessAgain(s: Services, params: TraceStartParams, display: SessionDisplay): Promise<TraceSessionModel | undefined> {
  const container = params.container !== undefined ? await s.containers.find(params.container) : undefined;
  if (!container) {
    void vscode.window.showWarningMessage(`Container Trace: ${display.container ?? params.container} is not running any more.`);
    return undefined;
  }
  const plan = await traceFlow(s.containers, { container, kind: { gadget: params.gadget, follow: !!params.scope?.follow, options: params.options } });
  return plan && startPlan(s, plan);
}

function startPlan(s: Services, plan: TracePlan, background = false): Promise<TraceSessionModel | undefined> {
  const container = plan.container!;
  const scope = plan.scope?.pid !== undefined ? { pid: plan.scope.pid, follow: plan.kind.follow } : plan.scope;
  return start(s, { gadget: plan.kind.gadget, container: containerRef(container), scope, options: plan.kind.options }, { container: container.name }, background);
}

function isTraceArgs(arg: unknown): arg is TraceArgs {
  return !!arg && typeof arg === 'object' && 'container' in arg && typeof (arg as TraceArgs).container === 'string';
}

export async function traceProcess(s: Services, arg?: unknown): Promise<TraceSessionModel | undefined> {
  if (isTraceArgs(arg)) {
    const a = arg;
    const scope = a.tid !== undefined ? { tid: a.tid } : a.pid !== undefined ? { pid: a.pid, follow: a.follow } : undefined;
    let kind: KindChoice | undefined = a.gadget ? { gadget: a.gadget, follow: !!a.follow, options: a.options } : undefined;
    const required = kind ? CLIENT_KINDS[kind.gadget].required : undefined;
    const info = await s.containers.find(a.container);
    if (!kind || (required && !required.keys.every((k) => kind!.options?.[k] !== undefined))) {
      const plan = await traceFlow(s.containers, { target: `in ${info?.name ?? a.container}`, scope: scope ?? null, kind, hostPid: info?.hostPid });
      if (!plan) return undefined;
      kind = plan.kind;
    }
    const withFollow = scope?.pid !== undefined ? { ...scope, follow: kind.follow || !!a.follow } : scope;
    return start(s, { gadget: kind.gadget, container: a.container, scope: withFollow, options: kind.options, ...(a.wait ? { wait: true } : {}) }, { container: info?.name ?? a.container }, a.background);
  }
  const given: FlowGiven = {};
  if (arg instanceof ContainerItem) given.container = arg.container;
  else if (arg instanceof ProcessItem) Object.assign(given, { container: arg.container, scope: { pid: arg.process.pid }, process: arg.process });
  else if (arg instanceof ThreadItem) Object.assign(given, { container: arg.container, scope: { tid: arg.thread.tid }, process: arg.process });
  const plan = await traceFlow(s.containers, given);
  return plan && startPlan(s, plan);
}

async function traceContainer(s: Services, arg?: unknown): Promise<TraceSessionModel | undefined> {
  // A pod or a Compose project: every container in it, those started later too.
  const selector = arg instanceof PodItem ? podSelector(arg) : arg instanceof ComposeItem ? { runtime: arg.listing.status.kind, composeProject: arg.project } : undefined;
  if (selector) {
    const plan = await traceFlow(s.containers, { target: describeSelector(selector), scope: null, many: true });
    if (!plan) return undefined;
    return start(s, { gadget: plan.kind.gadget, selector, options: plan.kind.options }, { container: describeSelector(selector) });
  }
  const plan = await traceFlow(s.containers, { container: arg instanceof ContainerItem ? arg.container : undefined, scope: null });
  return plan && startPlan(s, plan);
}

/** Trace from start: a stopped container (or a name typed, not created yet) waited for, traced from its first exec and followed when it restarts. */
async function traceFromStart(s: Services, arg?: unknown): Promise<TraceSessionModel | undefined> {
  const ref = arg instanceof ContainerItem ? containerRef(arg.container) : await vscode.window.showInputBox({ title: 'Trace from Start', prompt: 'The container to wait for: a name (it need not exist yet), pod/container or runtime:name' });
  if (!ref) return undefined;
  const name = arg instanceof ContainerItem ? arg.container.name : ref;
  const plan = await traceFlow(s.containers, { target: `${name} from its start`, scope: null, many: true, waited: true });
  if (!plan) return undefined;
  return start(s, { gadget: plan.kind.gadget, container: ref, wait: true, options: plan.kind.options }, { container: name });
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
        running.map((x) => ({ label: x.title, description: `${x.scopeShort} · ${x.received} events`, session: x })),
        { title: 'Stop which trace?' },
      );
      session = pick?.session;
    }
  }
  if (session) await s.sessions.stop(session);
}

async function copy(value: number | string | undefined, what: string): Promise<void> {
  if (value === undefined) return;
  try {
    await vscode.env.clipboard.writeText(String(value));
  } catch (err) {
    // In a browser the clipboard may refuse (no permission, the page not focused): say so, with the value to copy by hand.
    void vscode.window.showWarningMessage(`Container Trace: could not copy the ${what} (${(err as Error).message}): ${value}`);
    return;
  }
  vscode.window.setStatusBarMessage(`Copied ${what} ${value}`, 3000);
}

/** What a reveal found, said: a process that exited leaves its container selected, and the user is told. */
function revealed(found: Found | undefined, pid: number | undefined, hostPid: number, where: string): boolean {
  const which = `${pid !== undefined ? `Process ${pid} (host PID ${hostPid})` : `Host PID ${hostPid}`}`;
  if (!found) void vscode.window.showInformationMessage(`${which} is not running any more in ${where}.`);
  else if (!found.exact) void vscode.window.showInformationMessage(`${which} has exited; its container ${found.container.name} is selected.`);
  return !!found?.exact;
}

/** A PID link: the process in the Containers view, under its container. */
async function revealProcess(s: Services, arg?: unknown): Promise<boolean> {
  const a = arg as { sessionKey?: string; hostPid?: number; pid?: number } | undefined;
  const session = sessionOf(s, a?.sessionKey);
  if (!session?.result || !Number.isInteger(a?.hostPid) || !a!.hostPid || !s.reveal) return false;
  const ids = session.result.matched ? session.result.matched.map((m) => m.id) : [session.result.container.id];
  await vscode.commands.executeCommand('containerTrace.containers.focus');
  return revealed(await s.reveal(ids, a!.hostPid!), a?.pid, a!.hostPid!, session.result.container.name);
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
  const pick = mine.length === 1 ? { session: mine[0] } : await vscode.window.showQuickPick(mine.map((x) => ({ label: x.title, description: `${x.scopeShort} · ${x.state} · ${x.received} events`, session: x })), { title: `Traces of process ${item.process.pid}` });
  if (pick) LivePanel.show(s.extensionUri, s.sessions, pick.session);
}

/** The command line that runs this trace from a shell as printed: the CLI by its path, the container by name, sudo when needed. */
async function cliCommandOf(s: Services, session: TraceSessionModel): Promise<string> {
  let params = session.params;
  if (params.container !== undefined) {
    const all = (await s.containers.list()).flatMap((l) => l.containers);
    const known = session.result?.container ?? (await s.containers.find(params.container));
    if (known) params = { ...params, container: containerName(known, all) };
  }
  return traceLine(s.cliPath, params);
}

/** Names and ids of Containers view nodes, for "Copy Name" and "Copy ID". */
function nameOf(item: unknown): string | undefined {
  if (item instanceof ContainerItem) return item.container.name;
  if (item instanceof PodItem) return item.pod;
  if (item instanceof NamespaceItem) return item.namespace;
  if (item instanceof ComposeItem) return item.project;
  if (item instanceof RuntimeItem) return item.listing.status.endpoint;
  return undefined;
}

export function registerCommands(s: Services, refresh: () => void): vscode.Disposable[] {
  const r = vscode.commands.registerCommand;
  const tool = (action: ToolAction) => (item?: unknown) => (item instanceof ContainerItem ? runContainerTool(action, item.container) : undefined);
  return [
    r('containerTrace.revealProcess', (arg?: unknown) => revealProcess(s, arg)),
    // An output channel's PID link: the process in whichever traced container holds it.
    r('containerTrace.revealHostPid', async (hostPid?: unknown) => {
      if (!Number.isInteger(hostPid) || !hostPid || !s.reveal) return false;
      const ids = [...new Set(s.sessions.sessions.flatMap((x) => (x.result ? (x.result.matched?.map((m) => m.id) ?? [x.result.container.id]) : [])))];
      await vscode.commands.executeCommand('containerTrace.containers.focus');
      return revealed(await s.reveal(ids, hostPid as number), undefined, hostPid as number, 'a traced container');
    }),
    r('containerTrace.showProcessTraces', (item?: unknown) => showProcessTraces(s, item)),
    r('containerTrace.copyCliCommand', async (arg?: unknown) => {
      const session = sessionOf(s, arg) ?? s.sessions.sessions[0];
      if (!session) return undefined;
      const line = await cliCommandOf(s, session);
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
    r('containerTrace.traceFromStart', (arg?: unknown) => traceFromStart(s, arg)),
    r('containerTrace.stopTrace', (arg?: unknown) => stopTrace(s, arg)),
    // Scripts and tests: { container, seconds, restart, target, format }; otherwise asks.
    r('containerTrace.adviseSeccomp', (arg?: unknown) => adviseSeccompCommand(s, arg)),
    adviceNotes(),
    r('containerTrace.stopAllTraces', () => s.sessions.stopAll()),
    // An ended (or failed) trace, started again as it was asked.
    r('containerTrace.runAgain', (arg?: unknown) => {
      const session = sessionOf(s, arg);
      return session && start(s, session.params, session.display);
    }),
    r('containerTrace.refresh', refresh),
    r('containerTrace.refreshNode', (item?: unknown) => (s.refreshNode ? s.refreshNode(item) : refresh())),
    r('containerTrace.copyName', (item?: unknown) => copy(nameOf(item), item instanceof RuntimeItem ? 'endpoint' : 'name')),
    r('containerTrace.copyContainerId', (item?: unknown) => copy(item instanceof ContainerItem ? item.container.id : undefined, 'container ID')),
    r('containerTrace.containerLogs', tool('viewLogs')),
    r('containerTrace.containerShell', tool('attachShell')),
    r('containerTrace.containerInspect', tool('inspect')),
    r('containerTrace.listWithHelper', async () => {
      try {
        await s.helper.ready();
        s.containers.refresh();
      } catch (err) {
        void vscode.window.showErrorMessage(`Container Trace: ${readError((err as Error).message).text}`);
      }
    }),
    r('containerTrace.copyHostPid', (item?: unknown) =>
      copy(
        item instanceof ProcessItem ? item.process.hostPid : item instanceof ThreadItem ? item.thread.hostTid : item instanceof ContainerItem ? item.container.hostPid : undefined,
        'host PID',
      ),
    ),
    r('containerTrace.copyPid', (item?: unknown) => copy(item instanceof ProcessItem ? item.process.pid : item instanceof ThreadItem ? item.thread.tid : undefined, 'PID')),
    r('containerTrace.showHelperLog', () => s.helper.log.show()),
    r('containerTrace.installHelper', () => installHelper(s.cliPath, s.helper.log)),
    r('containerTrace.checkSystem', () => showCheck(s.cliPath)),
    r('containerTrace.openDockerSetting', () => vscode.commands.executeCommand('workbench.action.openSettings', 'containerTrace.dockerHost')),
    r('containerTrace.openLiveView', (arg?: unknown) => {
      const session = sessionOf(s, arg);
      if (session) LivePanel.show(s.extensionUri, s.sessions, session);
    }),
    r('containerTrace.showOutput', (arg?: unknown) => sessionOf(s, arg)?.output.show()),
    // The Traces view's Clear: an ended trace is removed (with its view), a running one emptied.
    r('containerTrace.clearTrace', (arg?: unknown) => {
      const session = sessionOf(s, arg);
      if (!session) return;
      if (session.state === 'ended') {
        LivePanel.forSession(session.key)?.dispose();
        s.sessions.remove(session);
      } else s.sessions.clear(session);
    }),
  ];
}
