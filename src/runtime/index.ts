/** The runtimes this host may have, and finding one container among them. */
import { DockerRuntime } from './docker';
import type { ContainerInfo, ContainerRuntime } from './types';
import { RuntimeError } from './types';

export * from './types';
export { DockerRuntime } from './docker';

export interface RuntimeSettings {
  dockerHost?: string;
}

export function createRuntimes(settings: RuntimeSettings = {}): ContainerRuntime[] {
  return [new DockerRuntime(settings.dockerHost)];
}

const isExact = (c: ContainerInfo, ref: string) => c.id === ref || c.name === ref;
const isPrefix = (c: ContainerInfo, ref: string) => ref.length >= 3 && c.id.startsWith(ref);

/**
 * The container `ref` names (full id, id prefix or name) in any reachable
 * runtime. Unknown and ambiguous references are errors that list choices.
 */
export async function findContainer(runtimes: ContainerRuntime[], ref: string): Promise<ContainerInfo> {
  if (!/^[\w.\-/:]{1,256}$/.test(ref)) throw new RuntimeError(`"${ref}" is not a container name or id`);
  // Fast path: one inspect per runtime. Listing (an inspect per running
  // container) is only for what an inspect cannot settle and for the errors.
  const direct = await Promise.all(runtimes.map((rt) => rt.inspect(ref).catch(() => undefined)));
  const hits = direct.filter((c): c is ContainerInfo => !!c && (isExact(c, ref) || isPrefix(c, ref)));
  if (hits.length === 1 && direct.filter(Boolean).length === 1) return hits[0];
  const found: ContainerInfo[] = [];
  const errors: string[] = [];
  let listed: ContainerInfo[] = [];
  for (const rt of runtimes) {
    try {
      const all = await rt.list();
      listed = listed.concat(all);
      const exact = all.filter((c) => isExact(c, ref));
      found.push(...(exact.length ? exact : all.filter((c) => isPrefix(c, ref))));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new RuntimeError(`"${ref}" matches ${found.length} containers (${found.map((c) => `${c.name} ${c.id.slice(0, 12)}`).join(', ')}); give more of the id`);
  }
  if (errors.length && !listed.length) throw new RuntimeError(errors.join('; '));
  const running = listed.filter((c) => c.state === 'running').map((c) => c.name);
  throw new RuntimeError(
    `no container "${ref}"` + (running.length ? `; running: ${running.slice(0, 10).join(', ')}` : '; no container is running') + ' — see `container-trace list`',
  );
}

/** Like findContainer, but the container must be running. */
export async function findRunningContainer(runtimes: ContainerRuntime[], ref: string): Promise<ContainerInfo> {
  const c = await findContainer(runtimes, ref);
  if (c.state !== 'running' || !c.hostPid) {
    throw new RuntimeError(`container ${c.name} is ${c.state}, not running; start it first (docker start ${c.name})`);
  }
  return c;
}
