/**
 * Runtimes inside containers (kind nodes, docker-in-docker): a container
 * whose root holds a runtime socket. Their PIDs are in the node's PID
 * namespace, so they are translated to host PIDs here, and only to
 * processes inside the node: a node's runtime (whatever answers on its
 * socket) can never name a process outside that node.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { ProcFs } from '../proc/procfs';
import type { ContainerInfo, HostContainer } from './types';
import { RuntimeError } from './types';

/** Sockets looked for inside a running container's root, relative to it. */
export const NESTED_SOCKETS = {
  containerd: 'run/containerd/containerd.sock',
  docker: 'var/run/docker.sock',
} as const;

export type NestedKind = keyof typeof NESTED_SOCKETS;

const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;

/**
 * A socket inside a container, held by an O_PATH descriptor and reached
 * only through it (/proc/self/fd/N names the very inode that was checked,
 * whatever the container does to the path afterwards). Closed, it refuses
 * to connect: the number may by then be another file's.
 */
export class PinnedSocket {
  private fd: number | undefined;

  constructor(
    fd: number,
    /** Where it is, as a user reads it: /proc/<pid>/root/<path>. */
    readonly shown: string,
    readonly dev: number,
    readonly ino: number,
  ) {
    this.fd = fd;
  }

  /** The path that reaches the pinned socket, while it is open. */
  path(): string {
    if (this.fd === undefined) throw new RuntimeError(`${this.shown}: closed (its container is gone or its socket changed)`);
    return `/proc/self/fd/${this.fd}`;
  }

  /** A connection to the pinned socket (an erroring one once closed). */
  connect(): net.Socket {
    try {
      return net.connect(this.path());
    } catch (err) {
      const s = new net.Socket();
      process.nextTick(() => s.destroy(err as Error));
      return s;
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * The socket at `rel` inside the root of host process `hostPid`, pinned:
 * the root is opened as a descriptor and `rel` resolved beneath it with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) — symlinks and ".."
 * resolve in the container, never on the host — and opened O_PATH, so a
 * FIFO or a device there is only looked at, never opened (nothing blocks).
 * Undefined when there is no socket there.
 */
export function socketInside(hostPid: number, rel: string): PinnedSocket | undefined {
  let root: number;
  try {
    root = fs.openSync(`/proc/${hostPid}/root`, O_PATH | fs.constants.O_DIRECTORY | O_CLOEXEC);
  } catch {
    return undefined;
  }
  let fd = -1;
  try {
    // Native code is loaded here, on the root side, never by the extension's imports.
    const { openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } = require('../proc/openat2') as typeof import('../proc/openat2');
    fd = openat2(root, rel, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0) return undefined;
    const st = fs.fstatSync(fd);
    if (!st.isSocket()) return undefined;
    const pinned = new PinnedSocket(fd, `/proc/${hostPid}/root/${rel}`, st.dev, st.ino);
    fd = -1; // the pinned socket holds it now
    return pinned;
  } catch {
    return undefined;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
    fs.closeSync(root);
  }
}

/** The node a running top-level container would be, if it holds a runtime socket. */
export function nodeOf(c: ContainerInfo): HostContainer | undefined {
  if (c.state !== 'running' || !c.hostPid || c.node) return undefined;
  return { runtime: c.runtime, id: c.id, name: c.name, hostPid: c.hostPid };
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
