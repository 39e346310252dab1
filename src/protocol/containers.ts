/**
 * Containers and runtimes as they cross the boundary: what runtimes/list
 * answers and what the extension and the CLI show. The runtimes themselves
 * (src/runtime/) return these shapes.
 */

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
  /** Bind mounts and volumes as the runtime reports them (host source → path inside), for mapping paths to the workspace. */
  mounts?: { source: string; destination: string }[];
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
