/**
 * Pods made the way a kubelet makes them: through the real CRI API
 * (runtime.v1) of the standalone containerd, with host networking (no CNI
 * here) and the local sandbox image named in its config.
 */
import { GrpcSocket } from '../../src/runtime/grpc';
import { SOCKETS } from '../../src/runtime/sockets';

const RS = 'runtime.v1.RuntimeService';
export const CRI_IMAGE = 'docker.io/container-trace/busybox:latest';
// NamespaceMode: POD 0, CONTAINER 1, NODE 2. As the kubelet does: the node's
// network (no CNI here), a PID namespace per container (no shareProcessNamespace).
const NODE = 2;
const CONTAINER = 1;

export interface Pod {
  id: string;
  name: string;
  namespace: string;
  config: object;
}

export class CriClient {
  readonly grpc: GrpcSocket;

  constructor(socket: string = SOCKETS.containerd) {
    this.grpc = new GrpcSocket(socket, 60_000);
  }

  async runPod(name: string, namespace: string, labels: Record<string, string> = {}): Promise<Pod> {
    const metadata = { name, namespace, uid: `${namespace}-${name}-uid`, attempt: 0 };
    const config = {
      metadata,
      log_directory: `/tmp/ct-pods/${namespace}_${name}`,
      labels: { ...labels, 'container-trace.test': '1' },
      linux: { security_context: { namespace_options: { network: NODE, pid: CONTAINER, ipc: 0 } } },
    };
    const r = await this.grpc.call<{ pod_sandbox_id: string }>(RS, 'RunPodSandbox', { config });
    return { id: r.pod_sandbox_id, name, namespace, config };
  }

  /** A container in the pod running `sh -c script`, started; its id. */
  async runContainer(pod: Pod, name: string, script: string): Promise<string> {
    const config = {
      metadata: { name, attempt: 0 },
      image: { image: CRI_IMAGE },
      command: ['/bin/sh', '-c', script],
      labels: { 'io.kubernetes.container.name': name },
      log_path: `${name}.log`,
      linux: { security_context: { namespace_options: { network: NODE, pid: CONTAINER, ipc: 0 } } },
    };
    const { container_id } = await this.grpc.call<{ container_id: string }>(RS, 'CreateContainer', { pod_sandbox_id: pod.id, config, sandbox_config: pod.config });
    await this.grpc.call(RS, 'StartContainer', { container_id });
    return container_id;
  }

  async removePod(podId: string): Promise<void> {
    await this.grpc.call(RS, 'StopPodSandbox', { pod_sandbox_id: podId }).catch(() => undefined);
    await this.grpc.call(RS, 'RemovePodSandbox', { pod_sandbox_id: podId }).catch(() => undefined);
  }

  /** Every pod a test made (label container-trace.test=1), removed. */
  async removeTestPods(): Promise<void> {
    const { items } = await this.grpc.call<{ items: { id: string; labels: Record<string, string> }[] }>(RS, 'ListPodSandbox', {});
    for (const p of items) if (p.labels['container-trace.test'] === '1') await this.removePod(p.id);
  }

  close(): void {
    this.grpc.close();
  }
}
