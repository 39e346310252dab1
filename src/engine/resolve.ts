/**
 * From a trace request to what the kernel needs: the running container, its
 * PID namespace (inode, level), the target process or thread translated from
 * container PIDs to host PIDs, the `.rodata` knobs and the follow seed.
 */
import * as fs from 'node:fs';
import type { ContainerInfo, ContainerRuntime } from '../runtime';
import { ContainerNotFoundError, describeSelector, findContainer, findRunningContainer, listAll, parseContainerRef, selectorMatches } from '../runtime';
import { ProcFs } from '../proc/procfs';
import { verifyContainerProcess } from '../runtime/verify';
import { scanContainer, ContainerGoneError } from '../proc/container';
import { PidTable } from '../proc/translate';
import type { ContainerLabel, ContainerSelector, IdMap, KindName, TraceOptions, TraceStartParams, TraceTarget } from '../protocol';
import { readIdMap } from '../proc/idmap';
import type { Knob } from '../bpf/object';
import type { CommonKnobs } from '../bpf/skeleton';
import { ROOT_KINDS } from '../kinds/root-registry';
import { kernelDev } from './system';
import { namespaceInode, namespaceInode as pidNamespaceOf } from '../proc/ns';
import type { UprobeTarget } from '../uprobe/target';
import { HELD_MAX_EVENTS } from './selector-members';

export interface ResolvedTrace {
  kind: KindName;
  container: ContainerInfo;
  pidns: number;
  /** Level of the container's PID namespace from the root namespace. */
  level: number;
  target?: TraceTarget;
  follow: boolean;
  followSeed: number[];
  knobs: Record<string, Knob>;
  bufferBytes: number;
  table: PidTable;
  /** uprobe: the resolved file and function. */
  uprobe?: UprobeTarget;
  /** syscalls, profile: report period and size. */
  intervalMs: number;
  /** profile: samples a second on each CPU. */
  hz: number;
  top: number;
  /** The kind's options as asked (checked by the client part). */
  options: TraceOptions;
  /** Programs of the object not to load on this kernel (unused variants). */
  skipPrograms?: string[];
  /** Selector traces: what to match, the members at start, and a fresh match. */
  selector?: {
    fields: ContainerSelector;
    members: SelectorMember[];
    rematch: () => Promise<SelectorMember[]>;
    /** Every container of every runtime, stopped ones too (whose is a new PID namespace: ./scope-watch). */
    list: () => Promise<ContainerInfo[]>;
    /** A container waited for without following its restarts: the trace ends when it exits. */
    once?: boolean;
  };
  /** One container: its user namespace's mapping, when not the host's. */
  ids?: IdMap;
}

/** One container of a selector trace. */
export interface SelectorMember {
  pidns: number;
  container: ContainerInfo;
  label: ContainerLabel;
  /** Its user namespace's mapping, when not the host's. */
  ids?: IdMap;
}

/** How an event names its container: runtime, namespace and pod where there are. */
export function containerLabel(c: ContainerInfo): ContainerLabel {
  const label: ContainerLabel = { id: c.id, name: c.name };
  if (c.runtime !== 'docker' || c.node) label.runtime = c.runtime;
  if (c.namespace) label.namespace = c.namespace;
  if (c.pod) label.pod = c.pod;
  return label;
}

/** Every running container a selector matches now, with its PID namespace. */
export async function matchSelector(runtimes: ContainerRuntime[], selector: ContainerSelector): Promise<SelectorMember[]> {
  const listings = await listAll(runtimes);
  const members: SelectorMember[] = [];
  for (const c of listings.flatMap((l) => l.containers)) {
    if (!selectorMatches(c, selector)) continue;
    try {
      verifyContainerProcess(c);
    } catch {
      continue; // not one root may trace (see verifyContainerProcess)
    }
    const pidns = pidNamespaceOf(c.hostPid);
    if (pidns === undefined) continue;
    const shared = members.find((m) => m.pidns === pidns);
    // Containers sharing one PID namespace (a pod with shareProcessNamespace)
    // cannot be told apart by it: their events name all of them.
    if (shared) shared.label = { ...shared.label, name: `${shared.label.name},${c.name}` };
    else members.push({ pidns, container: c, label: containerLabel(c), ids: readIdMap(c.hostPid) });
  }
  return members;
}

export async function resolveTrace(
  runtimes: ContainerRuntime[],
  params: TraceStartParams & { bufferBytes: number },
): Promise<ResolvedTrace> {
  if (params.selector) return resolveSelector(runtimes, params, params.selector);
  if (params.wait) return resolveSelector(runtimes, params, await waitedFor(runtimes, params.container!), { once: params.followRestarts === false, label: params.container });
  const container = await findRunningContainer(runtimes, params.container!);
  verifyContainerProcess(container);
  const scan = scanContainer(container);
  if (scan.pidns === undefined) {
    throw new ContainerGoneError(`cannot read the PID namespace of container ${container.name}: tracing needs root`);
  }
  const table = new PidTable(container, scan);
  const scope = params.scope ?? {};
  let target: TraceTarget | undefined;
  const knobs: CommonKnobs = {
    targ_pidns_dev: kernelDev(fs.statSync(`/proc/${container.hostPid}/ns/pid`).dev),
    targ_pidns_ino: scan.pidns,
    targ_level: scan.level, // from the helper's own level (the BPF side knows that one)
    host_pidns_ino: namespaceInode('self', 'pid') ?? 0,
  };
  if (scope.tid !== undefined) {
    const task = table.task(scope.tid);
    const thread = task.thread ?? task.process.threads.find((t) => t.hostTid === task.process.hostPid);
    const hostTid = thread?.hostTid ?? task.process.hostPid;
    target = { pid: task.process.pid, hostPid: task.process.hostPid, tid: scope.tid, hostTid, comm: thread?.comm ?? task.process.comm };
    knobs.targ_tid = hostTid;
  } else if (scope.pid !== undefined) {
    const p = table.process(scope.pid);
    target = { pid: p.pid, hostPid: p.hostPid, comm: p.comm };
    knobs.targ_tgid = p.hostPid;
  }
  const follow = !!scope.follow && target !== undefined;
  knobs.targ_follow = follow;
  Object.assign(knobs, ROOT_KINDS[params.gadget].knobs?.(params, container.hostPid) ?? {});
  return {
    kind: params.gadget,
    container,
    pidns: scan.pidns,
    level: scan.absoluteLevel,
    target,
    follow,
    followSeed: follow ? table.descendants(target!.hostPid) : [],
    knobs,
    bufferBytes: params.bufferBytes,
    table,
    // Through the traced process's own root and maps (its libc), else init's.
    uprobe: ROOT_KINDS[params.gadget].file?.(target?.hostPid ?? container.hostPid, params.options ?? {}, !!target && !follow),
    intervalMs: params.options?.intervalMs ?? ROOT_KINDS[params.gadget].intervalMs ?? 1000,
    top: params.options?.top ?? 20,
    hz: params.options?.hz ?? 99,
    options: params.options ?? {},
    ids: readIdMap(container.hostPid),
  };
}

/**
 * A container waited for (trace from start), as the selector that finds it
 * whenever it starts: by its name (in its runtime, pod and namespace) when
 * it exists, running or not; else by the name typed, not created yet.
 */
async function waitedFor(runtimes: ContainerRuntime[], ref: string): Promise<ContainerSelector> {
  let c: ContainerInfo | undefined;
  try {
    c = await findContainer(runtimes, ref);
  } catch (err) {
    if (!(err instanceof ContainerNotFoundError)) throw err;
  }
  if (c) return { runtime: c.runtime, ...(c.namespace ? { namespace: c.namespace } : {}), ...(c.pod ? { pod: c.pod } : {}), names: [c.name] };
  const { runtime, parts } = parseContainerRef(ref);
  const sel: ContainerSelector = runtime ? { runtime } : {};
  if (parts.length === 1) sel.names = [parts[0]];
  else if (parts.length === 2 && runtime === 'containerd') Object.assign(sel, { namespace: parts[0], names: [parts[1]] });
  else if (parts.length === 2) Object.assign(sel, { pod: parts[0], names: [parts[1]] });
  else if (parts.length === 3) Object.assign(sel, { namespace: parts[0], pod: parts[1], names: [parts[2]] });
  else throw new ContainerNotFoundError(`"${ref}" is not a container reference to wait for (name, pod/container, namespace/pod/container)`);
  return sel;
}

/** A selector trace: no single container; the kernel filters by the members' PID namespaces (scope_ns), kept up to date by `rematch`. */
async function resolveSelector(
  runtimes: ContainerRuntime[],
  params: TraceStartParams & { bufferBytes: number },
  selector: ContainerSelector,
  waited: { once: boolean; label?: string } = { once: false },
): Promise<ResolvedTrace> {
  if (process.getuid?.() !== 0) throw new ContainerGoneError('a selector trace reads the containers\' PID namespaces: it needs root');
  const members = await matchSelector(runtimes, selector);
  const container: ContainerInfo = { runtime: 'docker', id: 'selector', name: waited.label ?? describeSelector(selector), image: '', state: 'running', hostPid: 0, labels: {}, created: 0 };
  const hostLevel = new ProcFs().ownLevel();
  const knobs: CommonKnobs = {
    targ_multi: true,
    targ_level: 0,
    targ_pidns_ino: 0,
    host_pidns_ino: namespaceInode('self', 'pid') ?? 0,
    targ_follow: false,
    targ_held_max: HELD_MAX_EVENTS,
  };
  Object.assign(knobs, ROOT_KINDS[params.gadget].knobs?.(params, 0) ?? {});
  return {
    kind: params.gadget,
    container,
    pidns: 0,
    level: 0,
    follow: false,
    followSeed: [],
    knobs,
    bufferBytes: params.bufferBytes,
    table: new PidTable(container, { level: 0, absoluteLevel: 0, hostLevel, membership: 'pidns', processes: [] }),
    intervalMs: params.options?.intervalMs ?? ROOT_KINDS[params.gadget].intervalMs ?? 1000,
    top: params.options?.top ?? 20,
    hz: params.options?.hz ?? 99,
    options: params.options ?? {},
    selector: {
      fields: selector,
      members,
      rematch: () => matchSelector(runtimes, selector),
      list: async () => (await listAll(runtimes)).flatMap((l) => l.containers),
      once: waited.once,
    },
  };
}


