/**
 * What a runtime says is checked against the kernel before root traces it:
 * the PID it names must not be in the helper's own PID namespace (that
 * would trace every process the helper sees), and its cgroup must be the
 * container's. A fake or confused runtime cannot point root at the host.
 */
import { ProcFs } from '../proc/procfs';
import type { ContainerInfo } from './types';
import { RuntimeError } from './types';

export class UntrustedTargetError extends RuntimeError {}

const proc = new ProcFs();

/** Whether one of the cgroup paths of `pid` names container `id` (docker/<id>, libpod-<id>, default/<id>, cri-containerd-<id>.scope). */
export function cgroupNames(cgroupFile: string, id: string): boolean {
  if (!id) return false;
  for (const line of cgroupFile.split('\n')) {
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    for (const seg of path.split('/')) {
      const s = seg.replace(/\.scope$/, '');
      if (s === id || s.endsWith(`-${id}`)) return true;
    }
  }
  return false;
}

/** Throws UntrustedTargetError when the container's init may not be traced by root. */
export function verifyContainerProcess(c: ContainerInfo, ownPidns = proc.pidNamespace('self')): void {
  const theirs = proc.pidNamespace(c.hostPid);
  if (typeof theirs !== 'number') throw new UntrustedTargetError(`container ${c.name}: host PID ${c.hostPid} is gone or its PID namespace is unreadable; refused`);
  if (theirs === ownPidns) {
    throw new UntrustedTargetError(
      `container ${c.name} shares the host's PID namespace (e.g. --pid host), or its runtime named a host process (PID ${c.hostPid}): tracing it would trace every host process; refused`,
    );
  }
  // Nested runtimes' PIDs are translated among their node's processes only;
  // rootless Podman's are believed only for its user's processes (./owner).
  if (c.node || c.runtime === 'podman-rootless') return;
  if (!cgroupNames(proc.cgroup(c.hostPid), c.id)) {
    throw new UntrustedTargetError(`container ${c.name}: the runtime says its init is host PID ${c.hostPid}, but that process's cgroup is not the container's; refused`);
  }
}
