/**
 * Every process and thread of a container, with each PID at every namespace
 * level: found through the container's PID namespace (its init's), including
 * namespaces nested below it. Readers who may not see other users' namespace
 * links (no root) fall back to the container's cgroup.
 */
import { ProcFs } from './procfs';

export interface ThreadInfo {
  /** Thread id at the container's level. */
  tid: number;
  /** Thread id on the host (the reader's namespace). */
  hostTid: number;
  /** Thread id at every level, outermost first. */
  nstids: number[];
  comm: string;
}

export interface ProcessInfo {
  /** PID at the container's level: what `ps` inside the container shows. */
  pid: number;
  hostPid: number;
  /** PID at every level, outermost (host) first. */
  nspids: number[];
  /** Parent at the container's level; 0 when the parent is outside it (docker exec). */
  ppid: number;
  hostPpid: number;
  comm: string;
  cmdline: string[];
  uid: number;
  /** In a PID namespace nested below the container's (a sandbox, a kind node). */
  nested: boolean;
  threads: ThreadInfo[];
}

export interface ContainerProcesses {
  /** Index of the container's level in NSpid as the reader sees it. */
  level: number;
  /** Level of the container's PID namespace counted from the root namespace. */
  absoluteLevel: number;
  /** Level of the reader's (the "host") PID namespace, 0 on a real host. */
  hostLevel: number;
  /** Inode of the container's PID namespace (undefined on the cgroup fallback). */
  pidns?: number;
  membership: 'pidns' | 'cgroup';
  processes: ProcessInfo[];
}

export interface ContainerRef {
  id: string;
  name: string;
  /** Host PID of the container's init process. */
  hostPid: number;
}

export class ContainerGoneError extends Error {}

export function scanContainer(container: ContainerRef, proc = new ProcFs()): ContainerProcesses {
  const init = proc.status(container.hostPid);
  if (!init) {
    throw new ContainerGoneError(`container ${container.name}: its init process (host PID ${container.hostPid}) is gone`);
  }
  const level = init.nspid.length - 1;
  const hostLevel = proc.ownLevel();
  const pidns = proc.pidNamespace(container.hostPid);
  const byNs = typeof pidns === 'number';
  const nsCache = new Map<number, number | 'denied' | undefined>();
  const nsOf = (pid: number) => {
    if (!nsCache.has(pid)) nsCache.set(pid, proc.pidNamespace(pid));
    return nsCache.get(pid);
  };
  const statuses = new Map<number, ReturnType<ProcFs['status']>>();
  // A process in the reader's own PID namespace can be neither a member nor the ancestor of one
  // (ancestors sit in the same namespace or a shallower one): its status is not read. One link
  // read a process instead of a file formatted and parsed (the scan took 2.5-4 ms on a dev host
  // of about a hundred processes). Not when the container shares the reader's namespace.
  const ownNs = byNs ? proc.pidNamespace('self') : undefined;
  const skipOwn = typeof ownNs === 'number' && ownNs !== pidns;
  for (const pid of proc.pids()) {
    if (skipOwn && nsOf(pid) === ownNs) continue;
    statuses.set(pid, proc.status(pid));
  }

  // In a deeper namespace: a member when an ancestor sits in the container's.
  const underContainer = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 0 && hops < 4096; hops++) {
      if (nsOf(p) === pidns) return true;
      p = statuses.get(p)?.ppid ?? 0;
    }
    return false;
  };
  const idPattern = container.id.length >= 12 ? container.id : undefined;
  const isMember = (pid: number, depth: number): boolean => {
    if (depth <= level) return false;
    if (byNs) {
      const ns = nsOf(pid);
      return ns === pidns || (depth > level + 1 && underContainer(pid));
    }
    return idPattern !== undefined && proc.cgroup(pid).includes(idPattern);
  };

  const members = new Map<number, ProcessInfo>();
  for (const [hostPid, st] of statuses) {
    if (!st || !isMember(hostPid, st.nspid.length)) continue;
    members.set(hostPid, {
      pid: st.nspid[level],
      hostPid,
      nspids: st.nspid,
      ppid: 0,
      hostPpid: st.ppid,
      comm: st.name,
      cmdline: proc.cmdline(hostPid),
      uid: st.uid,
      nested: st.nspid.length > level + 1,
      threads: [],
    });
  }
  for (const info of members.values()) {
    info.ppid = members.get(info.hostPpid)?.pid ?? 0;
    for (const hostTid of proc.tids(info.hostPid)) {
      const t = proc.status(info.hostPid, hostTid);
      if (!t || t.nspid.length <= level) continue;
      info.threads.push({ tid: t.nspid[level], hostTid, nstids: t.nspid, comm: t.name });
    }
  }
  const processes = [...members.values()].sort((a, b) => a.pid - b.pid);
  return {
    level,
    absoluteLevel: hostLevel + level,
    hostLevel,
    pidns: byNs ? pidns : undefined,
    membership: byNs ? 'pidns' : 'cgroup',
    processes,
  };
}
