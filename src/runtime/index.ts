/** The runtimes this host has, nested ones included, and finding containers among them. */
import * as fs from 'node:fs';
import { DockerRuntime } from './docker';
import { ContainerdRuntime } from './containerd';
import { CriRuntime } from './cri';
import { PodmanCliRuntime, userById } from './podman-cli';
import { nestedSockets } from './nested';
import { SOCKETS, callerUid, isSocket, rootOwnedSocket, rootlessPodmanSocket, rootlessSocketUsers, socketOwnedBy } from './sockets';
export { SOCKETS, callerUid } from './sockets';
import type { ContainerInfo, ContainerRuntime } from './types';
import { AmbiguousContainerError, ContainerNotFoundError, ContainerNotRunningError, RuntimeError } from './types';

export * from './types';
export { DockerRuntime } from './docker';
export { ContainerdRuntime } from './containerd';
export { CriRuntime } from './cri';
export { describeContainer, describeSelector, matchContainers, parseContainerRef, selectorMatches, type ContainerRef, type SelectorFields } from './match';
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
  // Rootless Podman: the reader's own; as root, every user's API socket and the caller's.
  const users = new Set<number>(root ? rootlessSocketUsers() : []);
  const me = root ? callerUid() : process.getuid?.();
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

/**
 * Runtimes inside running containers (kind nodes, docker-in-docker): found
 * under /proc/<pid>/root, so only by root. `containers` are the top-level ones.
 */
export function nestedRuntimes(containers: ContainerInfo[]): ContainerRuntime[] {
  if (process.getuid?.() !== 0) return [];
  const out: ContainerRuntime[] = [];
  for (const c of containers) {
    for (const { kind, socket, node } of nestedSockets(c)) {
      if (kind === 'containerd') out.push(new ContainerdRuntime(socket, node), new CriRuntime(socket, node));
      else out.push(new DockerRuntime(`unix://${socket}`, { node }));
    }
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

async function listOne(runtime: ContainerRuntime): Promise<Listing> {
  try {
    return { runtime, containers: await runtime.list() };
  } catch (err) {
    return { runtime, containers: [], error: (err as Error).message };
  }
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
  // Fast path for a plain name or id: an inspect for each Docker-API runtime
  // (Docker, Podman: no listing, which inspects every container); one hit
  // among them is the answer, and containerd and CRI (gRPC, slower to reach)
  // are listed only when there is none. So a plain name taken in Docker or
  // Podman shadows the same name in containerd, CRI and nested runtimes
  // (name those with runtime: or pod/).
  if (parsed.parts.length === 1) {
    const isApi = (rt: ContainerRuntime) => rt instanceof DockerRuntime && !rt.node;
    const candidates = runtimes.filter((rt) => !parsed.runtime || rt.kind === parsed.runtime);
    const direct = await Promise.all(candidates.filter(isApi).map((rt) => rt.inspect(parsed.parts[0]).catch(() => undefined)));
    const apiHits = matchContainers(direct.filter((c): c is ContainerInfo => !!c), parsed);
    if (apiHits.length === 1) return apiHits[0];
    if (!apiHits.length) {
      const others = await Promise.all(candidates.filter((rt) => !isApi(rt)).map((rt) => listOne(rt)));
      const hits = matchContainers(others.flatMap((l) => l.containers), parsed);
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
  throw new ContainerNotFoundError(
    `no container "${ref}"` + (running.length ? `; running: ${running.slice(0, 10).join(', ')}` : '; no container is running') + ' — see `container-trace list`',
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
