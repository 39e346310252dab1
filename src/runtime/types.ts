/** The one interface every container runtime (Docker, Podman, CRI) implements. */

export type RuntimeKind = 'docker' | 'podman' | 'cri';

export type ContainerState = 'running' | 'paused' | 'restarting' | 'created' | 'exited' | 'dead' | 'removing' | 'unknown';

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
}

export interface RuntimeStatus {
  kind: RuntimeKind;
  endpoint: string;
  reachable: boolean;
  version?: string;
  /** Why it cannot be reached, and what to do. */
  error?: string;
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
  status(): Promise<RuntimeStatus>;
  /** Every container, running or not. */
  list(): Promise<ContainerInfo[]>;
  /** One container by full id, id prefix or name; undefined when unknown. */
  inspect(ref: string): Promise<ContainerInfo | undefined>;
  /** Calls `onChange` for container lifecycle events until disposed. */
  watch(onChange: (change: ContainerChange) => void, onError?: (err: Error) => void): Disposable;
}

export class RuntimeError extends Error {}
