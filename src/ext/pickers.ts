/** The quick picks of "Trace process in container": container → process or typed PID → kind. */
import * as vscode from 'vscode';
import { mappedFiles } from '../proc/maps';
import type { ContainerInfo } from '../runtime';
import type { ProcessInfo } from '../proc/container';
import type { KindName, TraceOptions, TraceScope } from '../protocol';
import { KINDS, KIND_BY_NAME } from '../gadgets/kinds';
import type { OptionSpec } from '../gadgets/options';
import type { ContainerService } from './containers';


export async function pickContainer(service: ContainerService): Promise<ContainerInfo | undefined> {
  const running = await service.running();
  if (!running.length) {
    const listings = await service.list();
    const unreachable = listings.filter((l) => !l.status.reachable).map((l) => l.status.error);
    void vscode.window.showWarningMessage(unreachable.length === listings.length ? `No container runtime can be reached: ${unreachable.join('; ')}` : 'No container is running. Start one, then try again.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    running.map((c) => ({
      label: `$(vm-running) ${c.name}`,
      description: c.image,
      detail: `${c.runtime}${c.namespace ? ` · ${c.namespace}` : ''}${c.pod ? ` · pod ${c.pod}` : ''}${c.node ? ` · in ${c.node.name}` : ''} · ${c.id.slice(0, 12)} · host PID ${c.hostPid}`,
      container: c,
    })),
    { title: 'Trace: pick a container', placeHolder: 'Running containers', matchOnDescription: true, matchOnDetail: true },
  );
  return pick?.container;
}

type ScopeItem = vscode.QuickPickItem & { scope?: TraceScope | 'all'; process?: ProcessInfo };

/** All processes, one process from the list, or a PID typed as seen inside the container. */
export async function pickScope(service: ContainerService, container: ContainerInfo): Promise<{ scope?: TraceScope; process?: ProcessInfo } | undefined> {
  let processes: ProcessInfo[];
  try {
    processes = service.processes(container).processes;
  } catch (err) {
    void vscode.window.showErrorMessage((err as Error).message);
    return undefined;
  }
  const all: ScopeItem = { label: '$(globe) All processes in the container', description: `${processes.length} processes`, scope: 'all', alwaysShow: true };
  const items: ScopeItem[] = [
    all,
    { label: 'Processes', kind: vscode.QuickPickItemKind.Separator },
    ...processes.map((p) => ({
      label: `${p.pid} ${p.comm}`,
      description: `host ${p.hostPid}${p.threads.length > 1 ? ` · ${p.threads.length} threads` : ''}`,
      detail: p.cmdline.join(' ') || undefined,
      scope: { pid: p.pid },
      process: p,
    })),
  ];
  const qp = vscode.window.createQuickPick<ScopeItem>();
  qp.title = `Trace in ${container.name}: pick a process, or type the PID seen inside the container`;
  qp.placeholder = 'PID inside the container (as its ps shows), or a name';
  qp.matchOnDetail = true;
  qp.matchOnDescription = true;
  qp.items = items;
  qp.onDidChangeValue((value) => {
    const pid = /^\s*(\d{1,7})\s*$/.exec(value)?.[1];
    const typed = pid && !processes.some((p) => String(p.pid) === pid);
    const thread = pid ? processes.find((p) => p.threads.some((t) => String(t.tid) === pid && t.hostTid !== p.hostPid)) : undefined;
    const extra: ScopeItem[] = typed
      ? [
          thread
            ? { label: `$(symbol-event) Thread ${pid}`, description: `of process ${thread.pid} (${thread.comm})`, scope: { tid: Number(pid) }, alwaysShow: true, process: thread }
            : { label: `$(search) PID ${pid}`, description: 'not running now in this container; trace it anyway (fails if it does not exist)', scope: { pid: Number(pid) }, alwaysShow: true },
        ]
      : [];
    qp.items = [...extra, ...items];
    // A typed PID makes its process (or thread) the one Enter picks.
    const exact = pid ? qp.items.find((i) => i.process && i.label.startsWith(`${pid} `)) : undefined;
    if (extra.length) qp.activeItems = [qp.items[0]];
    else if (exact) qp.activeItems = [exact];
  });
  const chosen = await new Promise<ScopeItem | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.selectedItems[0]));
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (!chosen) return undefined;
  return chosen.scope === 'all' ? {} : { scope: chosen.scope, process: chosen.process };
}

export interface KindChoice {
  gadget: KindName;
  follow: boolean;
  options?: TraceOptions;
}

/** What to trace; for a process, with or without its descendants. */
/** `many`: a pod or Compose project (kinds bound to one container are left out). */
export async function pickKind(scope: TraceScope | undefined, many = false): Promise<KindChoice | undefined> {
  type KindItem = vscode.QuickPickItem & KindChoice;
  const items: KindItem[] = [];
  const who = scope?.tid !== undefined ? 'this thread' : many ? 'every container, those started later too' : 'all processes';
  for (const { spec } of KINDS) {
    if (many && spec.oneContainer) continue;
    const g = spec.name as KindName;
    const base = { label: `$(${spec.icon}) ${g}`, detail: spec.what, gadget: g };
    if (scope?.pid !== undefined) {
      items.push({ ...base, description: 'this process and its descendants', follow: true });
      items.push({ ...base, description: 'this process only', follow: false });
    } else {
      items.push({ ...base, description: who, follow: false });
    }
    for (const preset of spec.presets ?? []) {
      items.push({ ...base, label: `$(${spec.icon}) ${g} — ${preset.label}`, description: scope?.pid !== undefined ? 'this process and its descendants' : who, follow: scope?.pid !== undefined, options: preset.options });
    }
  }
  const pick = await vscode.window.showQuickPick(items, { title: 'Trace: what to watch', placeHolder: 'Trace kind', matchOnDetail: true });
  return pick && { gadget: pick.gadget, follow: pick.follow, options: pick.options };
}

/**
 * The options a kind cannot run without, asked one by one as its spec says:
 * a file the process maps (suggested; any path or name can be typed) or
 * text, each checked as the helper will check it. Undefined when cancelled.
 */
export async function askOptions(kind: KindName, hostPid: number | undefined, given: TraceOptions = {}): Promise<TraceOptions | undefined> {
  const spec = KIND_BY_NAME[kind].spec;
  const out: Record<string, unknown> = { ...given };
  for (const o of (spec.options ?? []).filter((o) => spec.required?.keys.includes(o.key) && out[o.key] === undefined)) {
    const value = o.ask === 'mapped-file' ? await pickFile(kind, o, hostPid) : await typeText(kind, o, out);
    if (value === undefined) return undefined;
    out[o.key] = value;
  }
  return out as TraceOptions;
}

async function pickFile(kind: string, o: OptionSpec, hostPid: number | undefined): Promise<string | undefined> {
  // Not readable without root (other users' processes): typing works anyway.
  const files = hostPid ? mappedFiles(hostPid) : [];
  return new Promise<string | undefined>((resolve) => {
    const qp = vscode.window.createQuickPick();
    qp.title = `${kind}: ${o.help}`;
    qp.placeholder = 'A path inside the container, or a name such as libc';
    qp.items = files.map((l) => ({ label: l }));
    qp.onDidAccept(() => {
      const v = qp.selectedItems[0]?.label ?? (qp.value.trim() || undefined);
      const problem = v === undefined ? undefined : o.check(v);
      if (problem) {
        qp.value = '';
        qp.placeholder = problem; // say why, and let the user type again
        return;
      }
      resolve(v);
      qp.hide();
    });
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
}

async function typeText(kind: string, o: OptionSpec, sofar: Record<string, unknown>): Promise<string | undefined> {
  const v = await vscode.window.showInputBox({
    title: `${kind}: ${o.help}${sofar.target ? ` (in ${String(sofar.target)})` : ''}`,
    prompt: o.help,
    validateInput: (text) => o.check(text.trim()),
  });
  return v?.trim() || undefined;
}
