/**
 * "Advise Seccomp Profile…": a syscalls trace of one container (a session of
 * the Traces view, through the helper) made into a seccomp profile, saved
 * where the user says (the workspace folder by default), opened, with a note
 * on how it was made and how to use it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as os from 'node:os';
import type { ContainerInfo } from '../runtime';
import type { TraceEvent } from '../protocol';
import { adviseSeccomp, type AdviseResult, type AdviseTracer } from '../kinds/syscalls/advise';
import { profileFileName, seccompJson, seccompProfile } from '../kinds/syscalls/seccomp';
import { containerRef } from './containers';
import { ContainerItem } from './views/containers-tree';
import { adviceMarkdown, dockerRunSnippet, DURATION_CHOICES, parseSeconds } from './model/seccomp';
import type { Services } from './commands';

/** What scripts and tests may pass instead of asking. */
export interface AdviseArgs {
  container: string;
  seconds?: number;
  restart?: boolean;
  /** Where the profile goes (a Uri or a path); asked otherwise. */
  target?: vscode.Uri | string;
  format?: 'docker' | 'kubernetes';
}

/** Seconds a restart gives the container to stop before it is killed. */
const STOP_SECONDS = 5;

/** Runtimes the extension restarts a container through (their own API or CLI). */
const RESTARTABLE = new Set(['docker', 'podman', 'podman-rootless']);

/** The notes beside the profiles written: read-only documents (closing one never asks to save it), the latest few. */
const ADVICE_SCHEME = 'container-trace-advice';
const notes = new Map<string, string>();
const MAX_NOTES = 16;

function adviceNoteUri(profile: vscode.Uri, note: string): vscode.Uri {
  const uri = vscode.Uri.from({ scheme: ADVICE_SCHEME, path: `/${path.basename(profile.fsPath).replace(/\.json$/, '')}.md` });
  notes.delete(uri.path);
  notes.set(uri.path, note);
  for (const k of notes.keys()) if (notes.size > MAX_NOTES) notes.delete(k);
  return uri;
}

/** What serves the notes (registered with the commands). */
export function adviceNotes(): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(ADVICE_SCHEME, { provideTextDocumentContent: (uri) => notes.get(uri.path) ?? 'This note is gone: run Advise Seccomp Profile… again.' });
}

function isArgs(a: unknown): a is AdviseArgs {
  return !!a && typeof a === 'object' && typeof (a as AdviseArgs).container === 'string';
}

async function pickContainer(s: Services): Promise<ContainerInfo | undefined> {
  const all = (await s.containers.list()).flatMap((l) => l.containers).filter((c) => c.state === 'running' || RESTARTABLE.has(c.runtime));
  if (!all.length) {
    void vscode.window.showWarningMessage('Container Trace: no container to trace (none is running, and none of Docker or Podman is stopped).');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    all.map((c) => ({ label: `${c.state === 'running' ? '$(vm-running)' : '$(vm-outline)'} ${c.name}`, description: c.image, detail: `${c.runtime} · ${c.state} · ${c.id.slice(0, 12)}`, c })),
    { title: 'Advise Seccomp Profile: pick a container', matchOnDescription: true, matchOnDetail: true },
  );
  return pick?.c;
}

async function pickSeconds(): Promise<number | undefined> {
  const pick = await vscode.window.showQuickPick(DURATION_CHOICES.map((d) => ({ label: d.label, seconds: d.seconds })), { title: 'Advise Seccomp Profile: trace for how long?', placeHolder: 'The profile allows what the container does meanwhile: make it do its work' });
  if (!pick) return undefined;
  if (pick.seconds) return pick.seconds;
  const text = await vscode.window.showInputBox({ title: 'Advise Seccomp Profile: seconds to trace', validateInput: (t) => (typeof parseSeconds(t) === 'string' ? (parseSeconds(t) as string) : undefined) });
  const n = text === undefined ? undefined : parseSeconds(text);
  return typeof n === 'number' ? n : undefined;
}

async function pickRestart(c: ContainerInfo): Promise<boolean | undefined> {
  const canRestart = RESTARTABLE.has(c.runtime) && !c.node;
  if (c.state !== 'running') return canRestart ? true : undefined;
  if (!canRestart) return false;
  const pick = await vscode.window.showQuickPick(
    [
      { label: '$(debug-restart) Restart it, traced from its start', detail: 'The trace starts first, then the container restarts: its runtime\'s init and entrypoint are seen', restart: true },
      { label: '$(vm-running) Trace it running', detail: 'Adds the start set (what a container\'s start needs, measured once)', restart: false },
    ],
    { title: `Advise Seccomp Profile: restart ${c.name}?` },
  );
  return pick?.restart;
}

/** The Traces view's session as advise's tracer: its events, its end. */
function sessionTracer(s: Services, name: string): AdviseTracer {
  const byKey = new Map<string, () => Promise<void>>();
  return {
    async start(params, onEvents, onEnded) {
      const session = await s.sessions.start(params, { container: name });
      if (session.rows.length) onEvents(session.rows.slice() as TraceEvent[]);
      const events = session.onEvents(onEvents);
      const ended = () => {
        if (session.state !== 'ended') return false;
        events.dispose();
        change.dispose();
        onEnded({ sessionId: session.key, reason: session.endReason ?? 'stopped', message: session.endMessage, received: session.received, dropped: session.dropped, droppedKernel: 0, droppedTransport: 0 });
        return true;
      };
      const change = s.sessions.onDidChange((x) => (x === session || x === undefined) && ended());
      byKey.set(session.key, () => s.sessions.stop(session));
      return { sessionId: session.key };
    },
    stop: (id) => void byKey.get(id)?.(),
  };
}

export async function adviseSeccompCommand(s: Services, arg?: unknown): Promise<vscode.Uri | undefined> {
  const given = isArgs(arg) ? arg : undefined;
  const container = arg instanceof ContainerItem ? arg.container : given ? await s.containers.find(given.container) : await pickContainer(s);
  if (!container) {
    if (given) void vscode.window.showErrorMessage(`Container Trace: no container "${given.container}".`);
    return undefined;
  }
  const seconds = given?.seconds ?? (await pickSeconds());
  if (!seconds) return undefined;
  const restart = given?.restart ?? (await pickRestart(container));
  if (restart === undefined) {
    if (container.state !== 'running') void vscode.window.showWarningMessage(`Container Trace: ${container.name} is not running, and ${container.runtime} containers cannot be restarted from here: start it, then try again.`);
    return undefined;
  }
  if (!restart && container.state !== 'running') {
    void vscode.window.showErrorMessage(`Container Trace: ${container.name} is not running: start it, or restart it with the trace.`);
    return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  const target =
    typeof given?.target === 'string'
      ? vscode.Uri.file(given.target)
      : (given?.target ??
        (await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, profileFileName(container.name)), filters: { 'Seccomp profile (JSON)': ['json'] }, title: 'Save the seccomp profile' })));
  if (!target) return undefined;
  let result: AdviseResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Container Trace: seccomp profile of ${container.name}`, cancellable: true },
      async (progress, token) =>
        adviseSeccomp(sessionTracer(s, container.name), {
          // Waited for by its name in its runtime: the restarted run is the same container.
          ref: restart ? `${container.runtime}:${container.name}` : containerRef(container),
          seconds,
          restart: restart ? () => s.containers.restart(container, STOP_SECONDS) : undefined,
          progress: (message) => progress.report({ message }),
          cancelled: () => token.isCancellationRequested,
        }),
    );
  } catch (err) {
    void vscode.window.showErrorMessage(`Container Trace: no seccomp profile of ${container.name}: ${(err as Error).message}`);
    return undefined;
  }
  let text: string;
  try {
    text = seccompJson(seccompProfile(result.names, process.arch === 'x64' ? 'x86_64' : process.arch));
  } catch (err) {
    void vscode.window.showErrorMessage(`Container Trace: no seccomp profile of ${container.name}: ${(err as Error).message}`);
    return undefined;
  }
  await vscode.workspace.fs.writeFile(target, Buffer.from(text));
  const format = given?.format ?? 'docker';
  const note = adviceMarkdown({
    file: target.fsPath,
    container: container.name,
    image: container.image,
    mode: result.mode,
    seconds: result.seconds,
    names: result.names,
    added: result.added,
    blocked: [...result.seen.blocked].sort(),
    early: result.early,
    dropped: result.ended.dropped,
    unnamed: result.unnamed,
    format: format === 'kubernetes' ? 'kubernetes' : 'docker',
  });
  await vscode.window.showTextDocument(target, { preview: false });
  if (!given) await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(adviceNoteUri(target, note)), { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  const snippet = dockerRunSnippet(target.fsPath, container.image);
  const how = result.mode === 'restart' ? 'traced from its restart' : 'from it running, plus the start set';
  void vscode.window.showInformationMessage(`Container Trace: wrote ${vscode.workspace.asRelativePath(target)}: ${result.names.length} syscalls, ${how}.`, 'Copy docker run snippet').then(async (pick) => {
    if (pick) await vscode.env.clipboard.writeText(snippet);
  });
  return target;
}
