/**
 * From a trace request to what the kernel needs: the running container, its
 * PID namespace (inode, level), the target process or thread translated from
 * container PIDs to host PIDs, the `.rodata` knobs and the follow seed.
 */
import * as fs from 'node:fs';
import type { ContainerInfo, ContainerRuntime } from '../runtime';
import { findRunningContainer } from '../runtime';
import { scanContainer, ContainerGoneError } from '../proc/container';
import { PidTable } from '../proc/translate';
import type { GadgetName, TraceStartParams, TraceTarget } from '../protocol';
import type { Knob } from '../bpf/object';
import { kernelDev } from './system';
import { resolveUprobeTarget, type UprobeTarget } from '../uprobe/target';

export interface ResolvedTrace {
  gadget: GadgetName;
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
}

export async function resolveTrace(
  runtimes: ContainerRuntime[],
  params: TraceStartParams & { bufferBytes: number },
): Promise<ResolvedTrace> {
  const container = await findRunningContainer(runtimes, params.container);
  const scan = scanContainer(container);
  if (scan.pidns === undefined) {
    throw new ContainerGoneError(`cannot read the PID namespace of container ${container.name}: tracing needs root`);
  }
  const table = new PidTable(container, scan);
  const scope = params.scope ?? {};
  let target: TraceTarget | undefined;
  const knobs: Record<string, Knob> = {
    targ_pidns_dev: kernelDev(fs.statSync(`/proc/${container.hostPid}/ns/pid`).dev),
    targ_pidns_ino: scan.pidns,
    targ_level: scan.absoluteLevel,
    host_level: scan.hostLevel,
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
  Object.assign(knobs, gadgetKnobs(params, container.hostPid));
  return {
    gadget: params.gadget,
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
    uprobe: params.gadget === 'uprobe' ? resolveUprobeTarget(target?.hostPid ?? container.hostPid, params.options!.target!, params.options!.function!) : undefined,
    intervalMs: params.options?.intervalMs ?? 1000,
    top: params.options?.top ?? 20,
  };
}

/** Knobs only some kinds have. */
function gadgetKnobs(params: TraceStartParams, hostPid: number): Record<string, Knob> {
  switch (params.gadget) {
    case 'open':
      return { failed_only: !!params.options?.failedOnly };
    case 'tcp': {
      // The container's own network namespace scopes its sockets, also in
      // softirq context; a container on the host's network has none.
      const own = namespaceInode('self', 'net');
      const theirs = namespaceInode(hostPid, 'net');
      return { targ_netns_ino: theirs !== undefined && theirs !== own ? theirs : 0 };
    }
    default:
      return {};
  }
}

function namespaceInode(pid: number | 'self', ns: string): number | undefined {
  try {
    return Number(/\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/${ns}`))?.[1]);
  } catch {
    return undefined;
  }
}
