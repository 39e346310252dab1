/**
 * containerd through its own API: every namespace but Docker's `moby`, task
 * PIDs from the Tasks service. Containers that CRI manages (the
 * `io.cri-containerd.kind` label) are shown by the CRI runtime, with pods.
 */
import { GrpcSocket, explainGrpc } from './grpc';
import { pollWatch, RuntimeError, type ContainerChange, type ContainerInfo, type ContainerRuntime, type ContainerState, type Disposable, type HostContainer, type RuntimeStatus } from './types';
import { NodePids } from './nested';

const NS = {
  version: 'containerd.services.version.v1.Version',
  namespaces: 'containerd.services.namespaces.v1.Namespaces',
  containers: 'containerd.services.containers.v1.Containers',
  tasks: 'containerd.services.tasks.v1.Tasks',
};
/** containerd.v1.types.Status → our states. */
const TASK_STATES: ContainerState[] = ['unknown', 'created', 'running', 'exited', 'paused', 'paused'];
/** Docker's own namespace: Docker already shows those containers. */
const SKIPPED_NAMESPACES = new Set(['moby']);

interface CtdContainer {
  id: string;
  labels: Record<string, string>;
  image: string;
  created_at?: { seconds: number };
}
interface CtdTask {
  container_id: string;
  id: string;
  pid: number;
  status: number;
}

/**
 * How a containerd container is named: a pod's (the kubelet's labels, as on
 * a kind node) as Kubernetes names it, `namespace/pod/container`; others by
 * their nerdctl name or id in their containerd namespace.
 */
export function containerdNames(namespace: string, labels: Record<string, string>, id: string): { name: string; namespace: string; pod?: string } {
  const pod = labels['io.kubernetes.pod.name'];
  return {
    name: (pod && labels['io.kubernetes.container.name']) || labels['nerdctl/name'] || id,
    namespace: (pod && labels['io.kubernetes.pod.namespace']) || namespace,
    ...(pod ? { pod } : {}),
  };
}

export class ContainerdRuntime implements ContainerRuntime {
  readonly kind = 'containerd' as const;
  readonly endpoint: string;
  private readonly grpc: GrpcSocket;
  private readonly pids?: NodePids;

  /**
   * `socketPath`: a fixed path (see ./sockets); `node`: the container it runs
   * in, when nested; `connectPath`: where to connect then (its pinned socket).
   */
  constructor(
    readonly socketPath: string,
    readonly node?: HostContainer,
    connectPath = socketPath,
  ) {
    this.endpoint = `unix://${socketPath}`;
    this.grpc = new GrpcSocket(socketPath, undefined, connectPath);
    if (node) this.pids = new NodePids(node);
  }

  async status(): Promise<RuntimeStatus> {
    try {
      const v = await this.grpc.call<{ version: string }>(NS.version, 'Version', {});
      return { kind: this.kind, endpoint: this.endpoint, reachable: true, version: v.version, node: this.node };
    } catch (err) {
      return { kind: this.kind, endpoint: this.endpoint, reachable: false, error: explainGrpc('containerd', this.socketPath, err).message, node: this.node };
    }
  }

  async namespaces(): Promise<string[]> {
    const r = await this.grpc.call<{ namespaces: { name: string }[] }>(NS.namespaces, 'List', {});
    return r.namespaces.map((n) => n.name).filter((n) => !SKIPPED_NAMESPACES.has(n));
  }

  async list(): Promise<ContainerInfo[]> {
    try {
      const out: ContainerInfo[] = [];
      for (const namespace of await this.namespaces()) {
        const [{ containers }, { tasks }] = await Promise.all([
          this.grpc.call<{ containers: CtdContainer[] }>(NS.containers, 'List', {}, namespace),
          this.grpc.call<{ tasks: CtdTask[] }>(NS.tasks, 'List', {}, namespace),
        ]);
        const byId = new Map(tasks.map((t) => [t.container_id || t.id, t]));
        for (const c of containers) {
          if (c.labels['io.cri-containerd.kind']) continue; // a pod's: listed by CRI
          out.push(this.info(namespace, c, byId.get(c.id)));
        }
      }
      return out;
    } catch (err) {
      if (err instanceof RuntimeError) throw err;
      throw explainGrpc('containerd', this.socketPath, err);
    }
  }

  private info(namespace: string, c: CtdContainer, task: CtdTask | undefined): ContainerInfo {
    const state = task ? TASK_STATES[task.status] ?? 'unknown' : 'created';
    const live = state === 'running' || state === 'paused';
    return {
      runtime: this.kind,
      id: c.id,
      image: c.image,
      state,
      hostPid: live && task ? this.hostPid(task.pid) : 0,
      labels: c.labels,
      created: c.created_at?.seconds ?? 0,
      ...containerdNames(namespace, c.labels, c.id),
      node: this.node,
    };
  }

  /** A task PID is in containerd's PID namespace: the host's, or the node's when nested. */
  private hostPid(pid: number): number {
    return this.pids ? this.pids.toHost(pid) ?? 0 : pid;
  }

  async inspect(ref: string): Promise<ContainerInfo | undefined> {
    const all = await this.list();
    return all.find((c) => c.id === ref || c.name === ref);
  }

  watch(onChange: (change: ContainerChange) => void, onError?: (err: Error) => void): Disposable {
    return pollWatch(this, onChange, onError);
  }

  close(): void {
    this.grpc.close();
  }
}
