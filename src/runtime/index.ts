/** The runtimes this host has, nested ones included, and finding containers among them. */
import * as fs from 'node:fs';
import { DockerRuntime } from './docker';
import { ContainerdRuntime } from './containerd';
import { CriRuntime } from './cri';
import { PodmanCliRuntime, userById } from './podman-cli';
import { NESTED_SOCKETS, nodeOf, socketInside, type NestedKind, type PinnedSocket } from './nested';
import { LIST_DEADLINE_MS, patience } from './deadline';
import { SOCKETS, callerUid, isSocket, rootOwnedSocket, rootlessPodmanSocket, rootlessSocketUsers, socketOwnedBy } from './sockets';
export { SOCKETS, callerUid } from './sockets';
export { CALL_DEADLINE_MS, LIST_DEADLINE_MS, RuntimeTimeoutError } from './deadline';
import type { ContainerInfo, ContainerRuntime, HostContainer } from './types';
import { AmbiguousContainerError, ContainerNotFoundError, ContainerNotRunningError, RuntimeError } from './types';

export * from './types';
export { DockerRuntime } from './docker';
export { ContainerdRuntime } from './containerd';
export { CriRuntime } from './cri';
export { describeContainer, describeSelector, matchContainers, parseContainerRef, selectorFieldsMatch, selectorMatches, type ContainerRef, type SelectorFields } from './match';
import { describeContainer, matchContainers, parseContainerRef } from './match';

export interface RuntimeSettings {
  /** Docker endpoint (client side only: the root side reads fixed sockets). */
  dockerHost?: string;
  /** Root side: only fixed sockets, and the rootless Podman of these users. */
  rootSide?: boolean;
}

const PODMAN_BIN = '/usr/bin/podman';

/** The top-level runtimes: Docker always (its status says when it is missing), the others where their socket exists. */
export function createRuntimes(settings: RuntimeSettings = {}): ContainerRuntime[] {
  const root = process.getuid?.() === 0;
  // The root side believes only root-owned sockets in root-owned directories.
  const trusted = (p: string) => !settings.rootSide || rootOwnedSocket(p).ok;
  const out: ContainerRuntime[] = [];
  if (!settings.rootSide) out.push(new DockerRuntime(settings.dockerHost));
  else if (trusted(SOCKETS.docker) || !fs.existsSync(SOCKETS.docker)) out.push(new DockerRuntime(SOCKETS.docker));
  if (isSocket(SOCKETS.podman) && trusted(SOCKETS.podman)) out.push(new DockerRuntime(SOCKETS.podman, { kind: 'podman' }));
  // Rootless Podman: a user's socket is read for that user's requests only.
  // Unprivileged, the reader's own; as root started by a user (sudo,
  // pkexec), that user's only; as root itself (no caller: a root shell, a
  // root extension host), every user's. Each is one runtime with its own
  // deadlines, so a socket that never answers shows as that runtime being
  // unreachable and holds no other runtime's listing, nor a trace in them.
  const me = root ? callerUid() : process.getuid?.();
  const users = new Set<number>(root && me === undefined ? rootlessSocketUsers() : []);
  for (const uid of users) out.push(new DockerRuntime(`unix://${rootlessPodmanSocket(uid)}`, { kind: 'podman-rootless', ownerUid: uid }));
  if (me !== undefined && me !== 0 && !users.has(me)) {
    if (socketOwnedBy(rootlessPodmanSocket(me), me)) out.push(new DockerRuntime(`unix://${rootlessPodmanSocket(me)}`, { kind: 'podman-rootless', ownerUid: me }));
    else if (fs.existsSync(PODMAN_BIN)) {
      const user = userById(me);
      if (user) out.push(new PodmanCliRuntime(user, PODMAN_BIN));
    }
  }
  if (isSocket(SOCKETS.containerd) && trusted(SOCKETS.containerd)) out.push(new ContainerdRuntime(SOCKETS.containerd), new CriRuntime(SOCKETS.containerd));
  if (isSocket(SOCKETS.crio) && trusted(SOCKETS.crio)) out.push(new CriRuntime(SOCKETS.crio));
  return out;
}

type Closable = ContainerRuntime & { close(): void };

/** A runtime inside a node, with the pinned socket it is reached through. */
interface Kept {
  socket: PinnedSocket;
  node: HostContainer;
  /** The node's init start time: a PID taken again by another process has another. */
  started: string | undefined;
  runtimes: Closable[];
}

/** By node (runtime:id) and socket kind. */
const kept = new Map<string, Kept>();

/** Field 22 of /proc/<pid>/stat (after the command, which may hold anything). */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function nestedAt(kind: NestedKind, socket: PinnedSocket, node: HostContainer): Closable[] {
  if (kind === 'containerd') return [new ContainerdRuntime(socket.shown, node, socket.path()), new CriRuntime(socket.shown, node, socket.path())];
  return [new DockerRuntime(`unix://${socket.shown}`, { node, connect: () => socket.connect() })];
}

function dropNested(key: string): void {
  const k = kept.get(key);
  if (!k) return;
  kept.delete(key);
  // Runtimes first: nothing may connect through the descriptor's number once it is closed.
  for (const rt of k.runtimes) rt.close();
  k.socket.close();
}

/**
 * Runtimes inside the running top-level `containers` (kind nodes,
 * docker-in-docker): found under /proc/<pid>/root, so only by root (none
 * otherwise), and reached only through their pinned socket (./nested),
 * never by a path the container could swap. They are kept while their node
 * lives and its socket is the same inode, so every listing and re-match
 * reuses them (and what each deadline taught: ./deadline); closed when the
 * node is gone or the socket changed.
 */
export function nestedRuntimes(containers: ContainerInfo[]): ContainerRuntime[] {
  if (process.getuid?.() !== 0) return [];
  const out: ContainerRuntime[] = [];
  const seen = new Set<string>();
  for (const c of containers) {
    const node = nodeOf(c);
    if (!node) continue;
    for (const kind of Object.keys(NESTED_SOCKETS) as NestedKind[]) {
      const key = `${c.runtime}:${c.id}:${kind}`;
      seen.add(key);
      const socket = socketInside(node.hostPid, NESTED_SOCKETS[kind]);
      let k = kept.get(key);
      if (!socket) {
        dropNested(key);
        continue;
      }
      if (k && k.node.hostPid === node.hostPid && k.socket.dev === socket.dev && k.socket.ino === socket.ino) {
        socket.close(); // the one kept is the same socket
      } else {
        dropNested(key);
        k = { socket, node, started: startTime(node.hostPid), runtimes: nestedAt(kind, socket, node) };
        kept.set(key, k);
      }
      out.push(...k.runtimes);
    }
  }
  // Nodes this listing did not see: closed once their init is gone.
  for (const [key, k] of kept) {
    if (!seen.has(key) && (k.started === undefined || startTime(k.node.hostPid) !== k.started)) dropNested(key);
  }
  return out;
}

export interface Listing {
  runtime: ContainerRuntime;
  containers: ContainerInfo[];
  error?: string;
}

/** Every runtime's containers, nested runtimes' after their node's; unreachable ones with their error. */
export async function listAll(runtimes: ContainerRuntime[], nested = true): Promise<Listing[]> {
  const top = await Promise.all(runtimes.map((rt) => listOne(rt)));
  if (!nested) return top;
  const inner = nestedRuntimes(top.flatMap((l) => l.containers));
  const deeper = await Promise.all(inner.map((rt) => listOne(rt)));
  // A node's containerd and CRI on the same socket: only list what answers.
  return [...top, ...deeper.filter((l) => !l.error || l.runtime.kind !== 'cri')];
}

/** What names one runtime's endpoint to ./deadline's memory (the same socket, whichever object reads it). */
const endpointKey = (rt: ContainerRuntime) => `${rt.kind} ${rt.endpoint} ${rt.node?.id ?? ''}`;
const described = (rt: ContainerRuntime) => `${rt.kind}${rt.node ? ` in ${rt.node.name}` : ''} at ${rt.endpoint}`;

/** One runtime's containers within LIST_DEADLINE_MS, or why not (a runtime that missed a deadline is not waited for). */
async function listOne(runtime: ContainerRuntime): Promise<Listing> {
  try {
    return { runtime, containers: await patience.run(endpointKey(runtime), described(runtime), LIST_DEADLINE_MS, () => runtime.list()) };
  } catch (err) {
    return { runtime, containers: [], error: (err as Error).message };
  }
}

/** `ref` inspected in one runtime (bounded like a listing); undefined when unknown there or unreachable. */
function inspectOne(runtime: ContainerRuntime, ref: string): Promise<ContainerInfo | undefined> {
  return patience.run(endpointKey(runtime), described(runtime), LIST_DEADLINE_MS, () => runtime.inspect(ref)).catch(() => undefined);
}

const REF = /^[\w.\-/:]{1,512}$/;

/**
 * The container `ref` names in any reachable runtime: a name, an id prefix,
 * `pod/container`, `namespace/pod/container` (containerd: `namespace/name`),
 * each optionally with `runtime:` in front. Unknown and ambiguous references
 * are errors that list the choices.
 */
export async function findContainer(runtimes: ContainerRuntime[], ref: string): Promise<ContainerInfo> {
  if (!REF.test(ref)) throw new ContainerNotFoundError(`"${ref}" is not a container reference (name, id, pod/container, namespace/pod/container, runtime:…)`);
  const parsed = parseContainerRef(ref);
  // Fast path for a plain name or id: an inspect for each host daemon
  // (Docker, rootful Podman: no listing, which inspects every container);
  // one hit among them is the answer. Only when there is none are the
  // others asked: a user's rootless Podman (an inspect), containerd and CRI
  // (gRPC, slower to reach, listed). So a plain name taken in Docker or
  // Podman shadows the same name in rootless Podman, containerd, CRI and
  // nested runtimes (name those with runtime: or pod/), and a runtime that
  // does not answer never holds a trace of a container in a host daemon.
  if (parsed.parts.length === 1) {
    const isApi = (rt: ContainerRuntime) => rt instanceof DockerRuntime && !rt.node;
    const isDaemon = (rt: ContainerRuntime) => isApi(rt) && rt.kind !== 'podman-rootless';
    const candidates = runtimes.filter((rt) => !parsed.runtime || rt.kind === parsed.runtime);
    const direct = await Promise.all(candidates.filter(isDaemon).map((rt) => inspectOne(rt, parsed.parts[0])));
    const daemonHits = matchContainers(direct.filter((c): c is ContainerInfo => !!c), parsed);
    if (daemonHits.length === 1) return daemonHits[0];
    if (!daemonHits.length) {
      const others = candidates.filter((rt) => !isDaemon(rt));
      const found = await Promise.all([
        ...others.filter(isApi).map(async (rt) => [await inspectOne(rt, parsed.parts[0])].filter((c): c is ContainerInfo => !!c)),
        ...others.filter((rt) => !isApi(rt)).map(async (rt) => (await listOne(rt)).containers),
      ]);
      const hits = matchContainers(found.flat(), parsed);
      if (hits.length === 1) return hits[0];
    }
  }
  const listings = await listAll(runtimes);
  const all = listings.flatMap((l) => l.containers);
  const found = matchContainers(all, parsed);
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new AmbiguousContainerError(
      `"${ref}" matches ${found.length} containers: ${found.slice(0, 10).map(describeContainer).join('; ')} — name one of them (runtime:namespace/pod/container, or more of the id)`,
      found,
    );
  }
  const errors = listings.filter((l) => l.error).map((l) => `${l.runtime.kind}: ${l.error}`);
  if (errors.length && !all.length) throw new RuntimeError(errors.join('; '));
  const running = all.filter((c) => c.state === 'running').map(describeContainer);
  // It may be in a runtime that did not answer: say which.
  const silent = listings.filter((l) => l.error && /did not answer within/.test(l.error)).map((l) => l.error);
  throw new ContainerNotFoundError(
    `no container "${ref}"` +
      (running.length ? `; running: ${running.slice(0, 10).join(', ')}` : '; no container is running') +
      (silent.length ? `; unreachable: ${silent.slice(0, 3).join('; ')}` : '') +
      ' — see `container-trace list`',
  );
}

/** Like findContainer, but the container must be running. */
export async function findRunningContainer(runtimes: ContainerRuntime[], ref: string): Promise<ContainerInfo> {
  const c = await findContainer(runtimes, ref);
  if (c.state !== 'running' || !c.hostPid) {
    throw new ContainerNotRunningError(`container ${describeContainer(c)} is ${c.state}, not running; start it first`);
  }
  return c;
}
