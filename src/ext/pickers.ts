/**
 * "Trace Process in Container" as one flow (./flow: one QuickPick from the
 * first step to the last): container → process (picked, or its PID typed as
 * seen inside the container, or its host PID) → kind → the options a kind
 * cannot run without. Parts already known (a tree item, a script's
 * arguments) are not asked; Back returns to the previous step asked.
 */
import * as vscode from 'vscode';
import { mappedFiles } from '../proc/maps';
import type { ContainerInfo } from '../runtime';
import type { ProcessInfo } from '../proc/container';
import type { KindName, TraceOptions, TraceScope } from '../protocol';
import { CLIENT_KIND_BY_NAME, CLIENT_KIND_LIST } from '../kinds/client-registry';
import type { OptionSpec } from '../kinds/options';
import type { ContainerService } from './containers';
import { BACK, FlowStop, StepFlow, type FlowItem, type FlowStep } from './flow';
import { chooseContainer, chooseKind, chooseScope, type ScopeChoice } from './model/choose';

export interface KindChoice {
  gadget: KindName;
  follow: boolean;
  options?: TraceOptions;
}

export function containerStep(service: ContainerService): FlowStep<ContainerInfo> {
  let running: ContainerInfo[] = [];
  return {
    title: 'Trace: pick a container',
    placeholder: 'Running containers (type a name, an id, or namespace/pod/container)',
    matchOnDescription: true,
    matchOnDetail: true,
    async items() {
      running = await service.running();
      if (!running.length) {
        const listings = await service.list();
        const unreachable = listings.filter((l) => !l.status.reachable).map((l) => l.status.error);
        throw new FlowStop(unreachable.length === listings.length ? `no container runtime can be reached: ${unreachable.join('; ')}` : 'no container is running. Start one, then try again.');
      }
      return running.map((c) => ({
        label: `$(vm-running) ${c.name}`,
        description: c.image,
        detail: `${c.runtime}${c.namespace ? ` · ${c.namespace}` : ''}${c.pod ? ` · pod ${c.pod}` : ''}${c.node ? ` · in ${c.node.name}` : ''} · ${c.id.slice(0, 12)} · host PID ${c.hostPid}`,
        value: c,
      }));
    },
    choose: (text) => chooseContainer(text, running),
  };
}

export function scopeStep(service: ContainerService, container: ContainerInfo): FlowStep<ScopeChoice> {
  let processes: ProcessInfo[] = [];
  return {
    title: `Trace in ${container.name}: pick a process, or type its PID (inside the container, or the host PID)`,
    placeholder: 'PID inside the container (as its ps shows), the host PID, or a name',
    matchOnDescription: true,
    matchOnDetail: true,
    items() {
      try {
        processes = service.processes(container).processes;
      } catch (err) {
        throw new FlowStop((err as Error).message, 'error');
      }
      return [
        { label: '$(globe) All processes in the container', description: `${processes.length} processes`, value: {} },
        { label: 'Processes', kind: vscode.QuickPickItemKind.Separator },
        ...processes.map((p) => ({
          label: `${p.pid} ${p.comm}`,
          description: `host ${p.hostPid}${p.threads.length > 1 ? ` · ${p.threads.length} threads` : ''}`,
          detail: p.cmdline.join(' ') || undefined,
          value: { scope: { pid: p.pid }, process: p },
        })),
      ];
    },
    // A number is a PID (the container's first, then the host's), whatever is highlighted.
    textFirst: (text) => /^\d+$/.test(text),
    choose: (text) => chooseScope(text, processes),
  };
}

type KindItem = FlowItem<KindChoice>;

/** What to trace; for a process, with or without its descendants. `many`: a pod or Compose project (kinds bound to one container are left out). */
export function kindStep(scope: TraceScope | undefined, many: boolean, what: string, waited = false): FlowStep<KindChoice> {
  const who = scope?.tid !== undefined ? 'this thread' : many ? 'every container, those started later too' : 'all processes';
  const items: KindItem[] = [];
  for (const spec of CLIENT_KIND_LIST) {
    // One container waited for: kinds bound to one container that can wait for it too (syscalls).
    if (many && spec.oneContainer && !(waited && spec.waits)) continue;
    const g = spec.name as KindName;
    const base = { label: `$(${spec.icon}) ${g}`, detail: spec.what };
    if (scope?.pid !== undefined) {
      items.push({ ...base, description: 'this process and its descendants', value: { gadget: g, follow: true } });
      items.push({ ...base, description: 'this process only', value: { gadget: g, follow: false } });
    } else {
      items.push({ ...base, description: who, value: { gadget: g, follow: false } });
    }
    for (const preset of spec.presets ?? []) {
      const follow = scope?.pid !== undefined;
      items.push({ ...base, label: `$(${spec.icon}) ${g} — ${preset.label}`, description: follow ? 'this process and its descendants' : who, value: { gadget: g, follow, options: preset.options } });
    }
  }
  return {
    title: `Trace ${what}: what to watch`,
    placeholder: 'Trace kind (exec, open, tcp, …)',
    matchOnDetail: true,
    items: () => items,
    choose: (text) => {
      const picked = chooseKind(text, items.map((i) => ({ kind: i.value!.gadget, label: i.label, item: i })));
      return 'problem' in picked ? picked : { value: picked.value.item.value! };
    },
  };
}

/** A file the process maps (suggested; any path or name can be typed). */
function fileStep(kind: string, o: OptionSpec, hostPid: number | undefined): FlowStep<string> {
  return {
    title: `${kind}: ${o.help}`,
    placeholder: 'A path inside the container, or a name such as libc',
    // Not readable without root (other users' processes): typing works anyway.
    items: () => (hostPid ? mappedFiles(hostPid) : []).map((l) => ({ label: l, value: l })),
    choose: (text) => {
      const problem = text ? o.check(text) : 'type a path or a name';
      return problem ? { problem } : { value: text };
    },
  };
}

/** Typed text, checked as the helper will check it. */
function textStep(kind: string, o: OptionSpec, sofar: Record<string, unknown>, suggestions: string[] = []): FlowStep<string> {
  const hint = (text: string): FlowItem<string>[] => {
    const t = text.trim();
    const problem = t ? o.check(t) : undefined;
    const typed: FlowItem<string>[] = [{ label: t || `Type ${o.arg ?? 'a value'}`, description: problem ? `$(warning) ${problem}` : t ? 'Enter to use it' : o.help, alwaysShow: true }];
    return [...typed, ...suggestions.filter((x) => x !== t).map((x) => ({ label: x, description: 'a close match', value: x }))];
  };
  return {
    title: `${kind}: ${o.help}${sofar.target ? ` (in ${String(sofar.target)})` : ''}`,
    placeholder: o.help,
    items: () => hint(''),
    freeText: hint,
    choose: (text) => {
      const problem = text ? o.check(text) : `type ${o.arg ?? 'a value'}`;
      return problem ? { problem } : { value: text };
    },
  };
}

export interface TracePlan {
  container?: ContainerInfo;
  scope?: TraceScope;
  process?: ProcessInfo;
  kind: KindChoice;
  /** Said to the user about what was picked (e.g. "host PID 8818 = PID 7 in the container"). */
  note?: string;
}

export interface FlowGiven {
  container?: ContainerInfo;
  /** null: all processes, given. */
  scope?: TraceScope | null;
  process?: ProcessInfo;
  kind?: KindChoice;
  many?: boolean;
  /** One container waited for (trace from start): kinds that can wait for one are offered too. */
  waited?: boolean;
  /** The container is named, not listed (scripts): the host PID for the options' suggestions. */
  hostPid?: number;
  /** The trace's target is fixed (a container named by a script, a pod): no container is asked; its words for titles. */
  target?: string;
  /** Close matches to offer for an option typed wrong before (e.g. a function name). */
  suggestions?: Partial<Record<keyof TraceOptions, string[]>>;
}

/** Test hook: the flow of the last run (its steps as shown). */
export let lastFlow: StepFlow | undefined;

/** The whole flow; what is given is not asked. Undefined when cancelled. */
export async function traceFlow(service: ContainerService, given: FlowGiven = {}): Promise<TracePlan | undefined> {
  const flow = new StepFlow();
  lastFlow = flow;
  const plan: Partial<TracePlan> & { options: Record<string, unknown> } = { container: given.container, scope: given.scope ?? undefined, process: given.process, kind: given.kind, options: { ...(given.kind?.options ?? {}) } };
  type Stage = 'container' | 'scope' | 'kind' | OptionSpec;
  const missing = (): OptionSpec[] => {
    if (!plan.kind) return [];
    const spec = CLIENT_KIND_BY_NAME[plan.kind.gadget];
    return (spec.options ?? []).filter((o) => spec.required?.keys.includes(o.key) && plan.kind!.options?.[o.key] === undefined);
  };
  const stages = (): Stage[] => [...(given.container || given.target ? [] : (['container'] as const)), ...(given.scope !== undefined ? [] : (['scope'] as const)), ...(given.kind ? [] : (['kind'] as const)), ...missing()];
  try {
    for (let i = 0; i < stages().length; ) {
      const stage = stages()[i];
      const back = i > 0;
      let answer;
      if (stage === 'container') {
        answer = await flow.ask(containerStep(service), back);
        if (answer && answer !== BACK) {
          plan.container = answer.value;
          plan.scope = plan.process = undefined;
        }
      } else if (stage === 'scope') {
        answer = await flow.ask(scopeStep(service, plan.container!), back);
        if (answer && answer !== BACK) {
          plan.scope = answer.value.scope;
          plan.process = answer.value.process;
          plan.note = answer.note;
        }
      } else if (stage === 'kind') {
        answer = await flow.ask(kindStep(plan.scope, !!given.many, describe(plan, given), !!given.waited), back);
        if (answer && answer !== BACK) {
          plan.kind = answer.value;
          plan.options = { ...(answer.value.options ?? {}) };
        }
      } else {
        const hostPid = plan.process?.hostPid ?? plan.container?.hostPid ?? given.hostPid;
        const step = stage.ask === 'mapped-file' ? fileStep(plan.kind!.gadget, stage, hostPid) : textStep(plan.kind!.gadget, stage, plan.options, given.suggestions?.[stage.key]);
        answer = await flow.ask(step, back);
        if (answer && answer !== BACK) plan.options[stage.key] = answer.value;
      }
      if (!answer) return undefined;
      i += answer === BACK ? -1 : 1;
    }
    const kind = plan.kind!;
    const options = Object.keys(plan.options).length ? (plan.options as TraceOptions) : kind.options;
    return { container: plan.container, scope: plan.scope, process: plan.process, kind: { ...kind, options }, note: plan.note };
  } finally {
    flow.dispose();
  }
}

/** "PID 7 (sleep) in web": what the kind step traces. */
function describe(plan: Partial<TracePlan>, given: FlowGiven): string {
  const where = plan.container ? ` in ${plan.container.name}` : given.target ? ` ${given.target}` : '';
  const s = plan.scope;
  const who = s?.tid !== undefined ? `TID ${s.tid}` : s?.pid !== undefined ? `PID ${s.pid}${plan.process ? ` (${plan.process.comm})` : ''}` : given.many ? '' : 'all processes';
  return `${who}${where}${plan.note ? ` — ${plan.note}` : ''}`.trim();
}
