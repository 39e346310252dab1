/** The one interface every container runtime (Docker, Podman, containerd, CRI) implements. */

import type { ContainerInfo, HostContainer, RuntimeKind, RuntimeStatus } from '../protocol/containers';

export type { ContainerInfo, ContainerState, HostContainer, RuntimeKind, RuntimeStatus } from '../protocol/containers';
export { RUNTIME_KINDS } from '../protocol/containers';

export interface ContainerChange {
  runtime: RuntimeKind;
  id: string;
  /** Runtime's action name: start, die, destroy, pause, ... */
  action: string;
}

export interface Disposable {
  dispose(): void;
}

export interface ContainerRuntime {
  readonly kind: RuntimeKind;
  readonly endpoint: string;
  /** The container this runtime runs in, when nested. */
  readonly node?: HostContainer;
  status(): Promise<RuntimeStatus>;
  /** Every container, running or not. */
  list(): Promise<ContainerInfo[]>;
  /** One container by full id, id prefix or name; undefined when unknown. */
  inspect(ref: string): Promise<ContainerInfo | undefined>;
  /** Stop (SIGTERM, SIGKILL after `stopSeconds`) and start again a container by full id; absent where the runtime cannot. */
  restart?(id: string, stopSeconds: number): Promise<void>;
  /** Calls `onChange` for container lifecycle events until disposed. */
  watch(onChange: (change: ContainerChange) => void, onError?: (err: Error) => void): Disposable;
}

/** A runtime could not answer (unreachable, refused, malformed). */
export class RuntimeError extends Error {}

/** No container by that reference (or not a reference at all). */
export class ContainerNotFoundError extends RuntimeError {}

/** The container exists but is not running. */
export class ContainerNotRunningError extends RuntimeError {}

/** A reference that names more than one container: the choices are listed. */
export class AmbiguousContainerError extends ContainerNotFoundError {
  constructor(
    message: string,
    readonly matches: ContainerInfo[],
  ) {
    super(message);
  }
}

/** Polling watcher for runtimes without an event stream the client reads: a change in the listing fires. */
export function pollWatch(runtime: ContainerRuntime, onChange: (change: ContainerChange) => void, onError?: (err: Error) => void, everyMs = 3000): Disposable {
  let last: Map<string, string> | undefined;
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = new Map((await runtime.list()).map((c) => [c.id, `${c.state}:${c.hostPid}`]));
      if (last) {
        for (const [id, s] of now) if (last.get(id) !== s) onChange({ runtime: runtime.kind, id, action: last.has(id) ? 'update' : 'create' });
        for (const id of last.keys()) if (!now.has(id)) onChange({ runtime: runtime.kind, id, action: 'destroy' });
      }
      last = now;
    } catch (err) {
      if (last?.size !== 0) onError?.(err as Error);
      last = new Map();
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref?.();
  return { dispose: () => clearInterval(timer) };
}
