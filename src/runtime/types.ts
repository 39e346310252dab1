/** The one interface every container runtime (Docker, Podman, containerd, CRI) implements. */

/** docker, podman (rootful), podman-rootless (a user's own), containerd (its API), cri (Kubernetes pods). */
export type RuntimeKind = 'docker' | 'podman' | 'podman-rootless' | 'containerd' | 'cri';

export const RUNTIME_KINDS: readonly RuntimeKind[] = ['docker', 'podman', 'podman-rootless', 'containerd', 'cri'];

export type ContainerState = 'running' | 'paused' | 'restarting' | 'created' | 'exited' | 'dead' | 'removing' | 'unknown';

/** The container a nested runtime runs in (a kind node, docker-in-docker). */
export interface HostContainer {
  runtime: RuntimeKind;
  id: string;
  name: string;
  /** Host PID of the node container's init. */
  hostPid: number;
}

export interface ContainerInfo {
  runtime: RuntimeKind;
  id: string;
  name: string;
  image: string;
  state: ContainerState;
  /** Host PID of the container's init process; 0 when it is not running. */
  hostPid: number;
  labels: Record<string, string>;
  /** Unix seconds. */
  created: number;
  /** containerd namespace, or the pod's Kubernetes namespace (cri). */
  namespace?: string;
  /** Pod name (cri, or the io.kubernetes.pod.name label). */
  pod?: string;
  /** Pod sandbox id (cri). */
  podId?: string;
  /** Set when the runtime runs inside another container (its PIDs are one level deeper). */
  node?: HostContainer;
}

export interface RuntimeStatus {
  kind: RuntimeKind;
  endpoint: string;
  reachable: boolean;
  version?: string;
  /** Why it cannot be reached, and what to do. */
  error?: string;
  /** Set for a runtime found inside a container. */
  node?: HostContainer;
}

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
