/** Docker (and Podman's Docker-compatible API, rootful or a user's rootless one) through dockerode. */
import Docker from 'dockerode';
import * as http from 'node:http';
import type * as net from 'node:net';
import type { ContainerChange, ContainerInfo, ContainerRuntime, ContainerState, Disposable, HostContainer, RuntimeKind, RuntimeStatus } from './types';
import { RuntimeError } from './types';
import { NodePids } from './nested';
import { ownedBy } from './owner';
import { CALL_DEADLINE_MS, RuntimeTimeoutError, timeoutError, withDeadline } from './deadline';

/** The longest line an event stream may send (events are a few hundred bytes). */
const MAX_EVENT_LINE = 1 << 20;

const STATES: ContainerState[] = ['running', 'paused', 'restarting', 'created', 'exited', 'dead', 'removing'];

function state(s: string | undefined): ContainerState {
  return STATES.includes(s as ContainerState) ? (s as ContainerState) : 'unknown';
}

/** Socket path or URL: explicit setting, then DOCKER_HOST, then the default. */
export function dockerEndpoint(explicit?: string): string {
  return explicit || process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

function options(endpoint: string): Docker.DockerOptions {
  if (endpoint.startsWith('unix://')) return { socketPath: endpoint.slice('unix://'.length) };
  if (endpoint.startsWith('/')) return { socketPath: endpoint };
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port) || 2375, protocol: url.protocol === 'https:' ? 'https' : 'http' };
}

export interface DockerRuntimeOptions {
  kind?: RuntimeKind;
  /** A user's own socket (rootless Podman): only containers whose init that user owns are believed. */
  ownerUid?: number;
  /** The container this daemon runs in (docker-in-docker): its PIDs are the node's. */
  node?: HostContainer;
  /** How to reach the daemon instead of by the endpoint's path (a socket pinned inside a container). */
  connect?: () => net.Socket;
}

/** An HTTP agent whose every connection is made by `connect`, never by a path. */
function agentFor(connect: () => net.Socket): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  (agent as unknown as { createConnection: () => net.Socket }).createConnection = connect;
  return agent;
}

export class DockerRuntime implements ContainerRuntime {
  readonly endpoint: string;
  readonly kind: RuntimeKind;
  readonly node?: HostContainer;
  private readonly docker: Docker;
  private readonly ownerUid?: number;
  private readonly pids?: NodePids;
  private readonly agent?: http.Agent;

  constructor(endpoint?: string, opts: DockerRuntimeOptions = {}) {
    this.endpoint = dockerEndpoint(endpoint);
    this.kind = opts.kind ?? 'docker';
    this.ownerUid = opts.ownerUid;
    this.node = opts.node;
    if (opts.node) this.pids = new NodePids(opts.node);
    this.agent = opts.connect && agentFor(opts.connect);
    // docker-modem hands `agent` to http.request (its types leave it out).
    this.docker = new Docker({ ...options(this.endpoint), ...(this.agent ? { agent: this.agent } : {}) } as Docker.DockerOptions);
  }

  /** One API call, aborted when it has not answered within CALL_DEADLINE_MS. */
  private call<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(this.what, CALL_DEADLINE_MS, run);
  }

  /** `podman-rootless at unix:///run/user/1000/podman/podman.sock`: what a deadline names. */
  private get what(): string {
    return `${this.kind}${this.node ? ` in ${this.node.name}` : ''} at ${this.endpoint}`;
  }

  /** The host PID of what the daemon calls `pid`, if it may be believed. */
  private hostPid(pid: number | undefined): number {
    if (!pid) return 0;
    const host = this.pids ? this.pids.toHost(pid) ?? 0 : pid;
    return this.ownerUid === undefined || ownedBy(host, this.ownerUid) ? host : 0;
  }

  async status(): Promise<RuntimeStatus> {
    try {
      // dockerode takes { abortSignal } here too; its types only know the callback form.
      const version = this.docker.version.bind(this.docker) as unknown as (o: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion>;
      const v = await this.call((abortSignal) => version({ abortSignal }));
      return { kind: this.kind, endpoint: this.endpoint, reachable: true, version: v.Version, node: this.node };
    } catch (err) {
      return { kind: this.kind, endpoint: this.endpoint, reachable: false, error: this.explain(err), node: this.node };
    }
  }

  private explain(err: unknown): string {
    if (err instanceof RuntimeTimeoutError) return err.message;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return `no ${this.kind} socket at ${this.endpoint}: is the daemon running? (start it, or set DOCKER_HOST)`;
    if (e.code === 'EACCES') {
      return this.kind === 'docker' && !this.node
        ? `permission denied on ${this.endpoint}: add your user to the "docker" group, or run as root`
        : `permission denied on ${this.endpoint}: it is read by root (the helper lists it)`;
    }
    if (e.code === 'ECONNREFUSED') return `${this.endpoint} refused the connection: is the daemon running?`;
    return `${this.endpoint}: ${e.message}`;
  }

  /** A failed call as a RuntimeError (a timeout stays one: its runtime is unreachable). */
  private failure(err: unknown): RuntimeError {
    return err instanceof RuntimeTimeoutError ? err : new RuntimeError(this.explain(err));
  }

  async list(): Promise<ContainerInfo[]> {
    let summaries: Docker.ContainerInfo[];
    try {
      summaries = await this.call((abortSignal) => this.docker.listContainers({ all: true, abortSignal }));
    } catch (err) {
      throw this.failure(err);
    }
    const pods = await this.podmanPods();
    // The list has no PIDs: inspect the running ones (in parallel). A pod's infra container is the pod's, not shown.
    return Promise.all(
      summaries.filter((c) => !pods.get(c.Id)?.infra).map(async (c) => {
        const info: ContainerInfo = {
          runtime: this.kind,
          id: c.Id,
          name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
          image: c.Image,
          state: state(c.State),
          hostPid: 0,
          labels: c.Labels ?? {},
          created: c.Created,
          node: this.node,
        };
        const pod = pods.get(c.Id)?.pod;
        if (pod) info.pod = pod;
        if (info.state === 'running' || info.state === 'paused') {
          const full = await this.inspect(c.Id);
          info.hostPid = full?.hostPid ?? 0;
          if (full?.mounts?.length) info.mounts = full.mounts;
        }
        return info;
      }),
    );
  }

  /**
   * Podman's pods: its Docker-compatible listing leaves them out, its own
   * (libpod) listing has them. Empty for Docker, or when that listing fails.
   */
  private async podmanPods(): Promise<Map<string, { pod?: string; infra: boolean }>> {
    if (this.kind === 'docker') return new Map();
    try {
      const list = await this.call(
        (abortSignal) =>
          new Promise<{ Id: string; PodName?: string; IsInfra?: boolean }[]>((resolve, reject) =>
            this.docker.modem.dial({ path: '/v4.0.0/libpod/containers/json?', method: 'GET', options: { all: true }, abortSignal, statusCodes: { 200: true } }, (err: unknown, data: unknown) =>
              err ? reject(err) : resolve(Array.isArray(data) ? data : []),
            ),
          ),
      );
      return new Map(list.map((e) => [e.Id, { pod: typeof e.PodName === 'string' && e.PodName ? e.PodName : undefined, infra: e.IsInfra === true }]));
    } catch {
      return new Map();
    }
  }

  async inspect(ref: string): Promise<ContainerInfo | undefined> {
    let c: Docker.ContainerInspectInfo;
    try {
      c = await this.call((abortSignal) => this.docker.getContainer(ref).inspect({ abortSignal }));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw this.failure(err);
    }
    return {
      runtime: this.kind,
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      image: c.Config?.Image ?? c.Image,
      state: state(c.State?.Status),
      hostPid: this.hostPid(c.State?.Pid),
      labels: c.Config?.Labels ?? {},
      created: Math.floor(Date.parse(c.Created) / 1000),
      node: this.node,
      mounts: (c.Mounts ?? []).filter((m) => typeof m.Source === 'string' && typeof m.Destination === 'string').slice(0, 256).map((m) => ({ source: m.Source, destination: m.Destination })),
    };
  }

  async restart(id: string, stopSeconds: number): Promise<void> {
    // The stop may take its whole grace period: the deadline counts it.
    const restart = (abortSignal: AbortSignal): Promise<unknown> => this.docker.getContainer(id).restart({ t: stopSeconds, abortSignal });
    try {
      await withDeadline(`${this.what} (restart)`, CALL_DEADLINE_MS + stopSeconds * 1000, restart);
    } catch (err) {
      throw this.failure(err);
    }
  }

  watch(onChange: (change: ContainerChange) => void, onError?: (err: Error) => void): Disposable {
    let stream: NodeJS.ReadableStream | undefined;
    const abort = new AbortController();
    // The stream is open-ended, its start is not: a daemon that does not answer is an error.
    const deadline = setTimeout(() => {
      abort.abort();
      onError?.(timeoutError(`${this.what} (events)`, CALL_DEADLINE_MS));
    }, CALL_DEADLINE_MS);
    this.docker.getEvents({ filters: { type: ['container'] }, abortSignal: abort.signal }, (err, s) => {
      clearTimeout(deadline);
      // Aborted: by the deadline (reported) or by dispose.
      if (abort.signal.aborted) return (s as unknown as { destroy?(): void } | undefined)?.destroy?.();
      if (err || !s) return onError?.(new RuntimeError(this.explain(err)));
      stream = s;
      let buffered = '';
      s.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        if (buffered.length > MAX_EVENT_LINE) buffered = ''; // no line is that long: not an event
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          try {
            const ev = JSON.parse(line) as { id?: string; Action?: string; status?: string };
            if (ev.id) onChange({ runtime: this.kind, id: ev.id, action: ev.Action ?? ev.status ?? '' });
          } catch {
            /* a partial or foreign line: ignore it */
          }
        }
      });
      s.on('error', (e: Error) => onError?.(e));
    });
    return {
      dispose: () => {
        clearTimeout(deadline);
        abort.abort();
        (stream as unknown as { destroy?(): void } | undefined)?.destroy?.();
      },
    };
  }

  /** Lets go of the connections of a daemon inside a node (nestedRuntimes, ./index). */
  close(): void {
    this.agent?.destroy();
  }
}
