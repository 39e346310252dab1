/**
 * Kubernetes pods through CRI (runtime.v1.RuntimeService on containerd's or
 * CRI-O's socket): pods with their namespace and name, their containers, PIDs
 * from ContainerStatus verbose info. Pod sandboxes (pause) are not shown.
 */
import { GrpcSocket, explainGrpc } from './grpc';
import { pollWatch, RuntimeError, type ContainerChange, type ContainerInfo, type ContainerRuntime, type ContainerState, type Disposable, type HostContainer, type RuntimeStatus } from './types';
import { NodePids } from './nested';

const RS = 'runtime.v1.RuntimeService';
/** runtime.v1 ContainerState: CREATED, RUNNING, EXITED, UNKNOWN. */
const STATES: ContainerState[] = ['created', 'running', 'exited', 'unknown'];

interface CriPod {
  id: string;
  metadata?: { name: string; uid: string; namespace: string };
  state: number;
  labels: Record<string, string>;
}
interface CriContainer {
  id: string;
  pod_sandbox_id: string;
  metadata?: { name: string; attempt: number };
  image?: { image: string };
  image_ref: string;
  state: number;
  created_at: number;
  labels: Record<string, string>;
}

export class CriRuntime implements ContainerRuntime {
  readonly kind = 'cri' as const;
  readonly endpoint: string;
  private readonly grpc: GrpcSocket;
  private readonly pids?: NodePids;
  private runtimeName = 'CRI';

  /** As ContainerdRuntime's: `connectPath` is where to connect when nested (its pinned socket). */
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
      const v = await this.grpc.call<{ runtime_name: string; runtime_version: string }>(RS, 'Version', { version: 'v1' });
      this.runtimeName = v.runtime_name;
      return { kind: this.kind, endpoint: this.endpoint, reachable: true, version: `${v.runtime_name} ${v.runtime_version}`, node: this.node };
    } catch (err) {
      return { kind: this.kind, endpoint: this.endpoint, reachable: false, error: explainGrpc('CRI', this.socketPath, err).message, node: this.node };
    }
  }

  async list(): Promise<ContainerInfo[]> {
    try {
      const [{ items }, { containers }] = await Promise.all([
        this.grpc.call<{ items: CriPod[] }>(RS, 'ListPodSandbox', {}),
        this.grpc.call<{ containers: CriContainer[] }>(RS, 'ListContainers', {}),
      ]);
      const pods = new Map(items.map((p) => [p.id, p]));
      return await Promise.all(containers.map((c) => this.info(c, pods.get(c.pod_sandbox_id))));
    } catch (err) {
      if (err instanceof RuntimeError) throw err;
      throw explainGrpc('CRI', this.socketPath, err);
    }
  }

  private async info(c: CriContainer, pod: CriPod | undefined): Promise<ContainerInfo> {
    const state = STATES[c.state] ?? 'unknown';
    let hostPid = 0;
    let mounts: { source: string; destination: string }[] | undefined;
    if (state === 'running') {
      const s = await this.statusOf(c.id);
      hostPid = s.pid ? (this.pids ? this.pids.toHost(s.pid) ?? 0 : s.pid) : 0;
      mounts = s.mounts;
    }
    return {
      runtime: this.kind,
      id: c.id,
      name: c.metadata?.name || c.labels['io.kubernetes.container.name'] || c.id.slice(0, 12),
      image: c.image?.image || c.image_ref,
      state,
      hostPid,
      labels: { ...(pod?.labels ?? {}), ...c.labels },
      created: Math.floor(Number(c.created_at) / 1e9),
      namespace: pod?.metadata?.namespace || c.labels['io.kubernetes.pod.namespace'],
      pod: pod?.metadata?.name || c.labels['io.kubernetes.pod.name'],
      podId: c.pod_sandbox_id,
      node: this.node,
      ...(mounts?.length ? { mounts } : {}),
    };
  }

  /** The container's init PID (in the runtime's PID namespace) from the verbose status, and its mounts (host path → path inside). */
  private async statusOf(id: string): Promise<{ pid?: number; mounts?: { source: string; destination: string }[] }> {
    const r = await this.grpc.call<{ info: Record<string, string>; status?: { mounts?: { container_path?: string; host_path?: string }[] } }>(RS, 'ContainerStatus', { container_id: id, verbose: true });
    const mounts = (r.status?.mounts ?? [])
      .filter((m) => typeof m.host_path === 'string' && typeof m.container_path === 'string' && m.host_path && m.container_path)
      .slice(0, 256)
      .map((m) => ({ source: m.host_path!, destination: m.container_path! }));
    try {
      const pid = (JSON.parse(r.info?.info ?? '{}') as { pid?: unknown }).pid;
      return { pid: typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : undefined, mounts };
    } catch {
      return { mounts };
    }
  }

  async inspect(ref: string): Promise<ContainerInfo | undefined> {
    return (await this.list()).find((c) => c.id === ref);
  }

  watch(onChange: (change: ContainerChange) => void, onError?: (err: Error) => void): Disposable {
    return pollWatch(this, onChange, onError);
  }

  /** What answers on the socket (containerd, cri-o), known after status(). */
  get name(): string {
    return this.runtimeName;
  }

  close(): void {
    this.grpc.close();
  }
}
