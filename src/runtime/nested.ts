/**
 * Runtimes inside containers (kind nodes, docker-in-docker): a container
 * whose root holds a runtime socket. Their PIDs are in the node's PID
 * namespace, so they are translated to host PIDs here, and only to
 * processes inside the node: a node's runtime (whatever answers on its
 * socket) can never name a process outside that node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProcFs } from '../proc/procfs';
import type { ContainerInfo, HostContainer } from './types';

/** Sockets looked for inside a running container's root, relative to it. */
export const NESTED_SOCKETS = {
  containerd: 'run/containerd/containerd.sock',
  docker: 'var/run/docker.sock',
} as const;

/**
 * `rel` under /proc/<pid>/root when every component is a plain directory
 * (no symlink could lead out of the container's root) and the last is a
 * socket; undefined otherwise.
 */
export function socketInside(hostPid: number, rel: string): string | undefined {
  let at = `/proc/${hostPid}/root`;
  const parts = rel.split('/');
  try {
    for (let i = 0; i < parts.length; i++) {
      at = path.join(at, parts[i]);
      const st = fs.lstatSync(at);
      if (st.isSymbolicLink()) return undefined;
      if (i < parts.length - 1 ? !st.isDirectory() : !st.isSocket()) return undefined;
    }
    return at;
  } catch {
    return undefined;
  }
}

/** The node a container is, when it holds a runtime socket. */
export function nestedSockets(c: ContainerInfo): { kind: keyof typeof NESTED_SOCKETS; socket: string; node: HostContainer }[] {
  if (c.state !== 'running' || !c.hostPid || c.node) return [];
  const node: HostContainer = { runtime: c.runtime, id: c.id, name: c.name, hostPid: c.hostPid };
  const out = [];
  for (const kind of Object.keys(NESTED_SOCKETS) as (keyof typeof NESTED_SOCKETS)[]) {
    const socket = socketInside(c.hostPid, NESTED_SOCKETS[kind]);
    if (socket) out.push({ kind, socket, node });
  }
  return out;
}

/** Node-level PID → host PID for the processes inside one node container (cached briefly). */
export class NodePids {
  private map = new Map<number, number>();
  private at = 0;

  constructor(
    readonly node: HostContainer,
    private readonly proc = new ProcFs(),
    private readonly maxAgeMs = 500,
  ) {}

  toHost(nodePid: number): number | undefined {
    if (!this.map.has(nodePid) || Date.now() - this.at > this.maxAgeMs) this.rescan();
    return this.map.get(nodePid);
  }

  private rescan(): void {
    this.at = Date.now();
    this.map = new Map();
    const init = this.proc.status(this.node.hostPid);
    const ns = this.proc.pidNamespace(this.node.hostPid);
    if (!init || typeof ns !== 'number') return;
    const level = init.nspid.length - 1;
    const statuses = new Map(this.proc.pids().map((p) => [p, this.proc.status(p)]));
    const inNode = new Map<number, boolean>();
    const member = (pid: number): boolean => {
      const chain: number[] = [];
      let found = false;
      for (let p = pid, hops = 0; p > 0 && hops < 4096; hops++) {
        const known = inNode.get(p);
        if (known !== undefined) {
          found = known;
          break;
        }
        chain.push(p);
        if (this.proc.pidNamespace(p) === ns) {
          found = true;
          break;
        }
        const st = statuses.get(p);
        if (!st || st.nspid.length <= level) break;
        p = st.ppid;
      }
      for (const p of chain) inNode.set(p, found);
      return found;
    };
    for (const [hostPid, st] of statuses) {
      if (!st || st.nspid.length <= level) continue;
      if (member(hostPid)) this.map.set(st.nspid[level], hostPid);
    }
  }
}
