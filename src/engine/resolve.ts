/**
 * From a trace request to what the kernel needs: the running container, its
 * PID namespace (inode, level), the target process or thread translated from
 * container PIDs to host PIDs, the `.rodata` knobs and the follow seed.
 */
import * as fs from 'node:fs';
import type { ContainerInfo, ContainerRuntime } from '../runtime';
import { describeSelector, findRunningContainer, listAll, selectorMatches } from '../runtime';
import { ProcFs } from '../proc/procfs';
import { verifyContainerProcess } from '../runtime/verify';
import { scanContainer, ContainerGoneError } from '../proc/container';
import { PidTable } from '../proc/translate';
import type { ContainerLabel, ContainerSelector, KindName, TraceStartParams, TraceTarget } from '../protocol';
import type { Knob } from '../bpf/object';
import type { CommonKnobs } from '../bpf/skeleton';
import { ROOT_KINDS } from '../kinds/root-registry';
import { kernelDev } from './system';
import { namespaceInode, namespaceInode as pidNamespaceOf } from '../proc/ns';
import type { UprobeTarget } from '../uprobe/target';

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
  /** syscalls: report period and size. */
  intervalMs: number;
  top: number;
  /** Programs of the object not to load on this kernel (unused variants). */
  skipPrograms?: string[];
  /** Selector traces: what to match, the members at start, and a fresh match. */
  selector?: { fields: ContainerSelector; members: SelectorMember[]; rematch: () => Promise<SelectorMember[]> };
}

/** One container of a selector trace. */
export interface SelectorMember {
  pidns: number;
  container: ContainerInfo;
  label: ContainerLabel;
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
    else members.push({ pidns, container: c, label: containerLabel(c) });
  }
  return members;
}

export async function resolveTrace(
  runtimes: ContainerRuntime[],
  params: TraceStartParams & { bufferBytes: number },
): Promise<ResolvedTrace> {
  if (params.selector) return resolveSelector(runtimes, params, params.selector);
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
    intervalMs: params.options?.intervalMs ?? 1000,
    top: params.options?.top ?? 20,
  };
}

/** A selector trace: no single container; the kernel filters by the members' PID namespaces (scope_ns), kept up to date by `rematch`. */
async function resolveSelector(runtimes: ContainerRuntime[], params: TraceStartParams & { bufferBytes: number }, selector: ContainerSelector): Promise<ResolvedTrace> {
  if (process.getuid?.() !== 0) throw new ContainerGoneError('a selector trace reads the containers\' PID namespaces: it needs root');
  const members = await matchSelector(runtimes, selector);
  const container: ContainerInfo = { runtime: 'docker', id: 'selector', name: describeSelector(selector), image: '', state: 'running', hostPid: 0, labels: {}, created: 0 };
  const hostLevel = new ProcFs().ownLevel();
  const knobs: CommonKnobs = { targ_multi: true, targ_level: 0, targ_pidns_ino: 0, host_pidns_ino: namespaceInode('self', 'pid') ?? 0, targ_follow: false };
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
    intervalMs: 1000,
    top: 20,
    selector: { fields: selector, members, rematch: () => matchSelector(runtimes, selector) },
  };
}


