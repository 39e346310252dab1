/**
 * A user's rootless Podman when no API service runs: `podman ps --all
 * --format json` as that user (root runs it with the user's uid and groups,
 * never the other way round). Its PIDs are believed only for processes that
 * user owns.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { pollWatch, RuntimeError, type ContainerChange, type ContainerInfo, type ContainerRuntime, type ContainerState, type Disposable, type RuntimeStatus } from './types';
import { ownedBy } from './owner';
import { CLI_DEADLINE_MS, timeoutError } from './deadline';

const STATES: ContainerState[] = ['running', 'paused', 'restarting', 'created', 'exited', 'dead', 'removing'];

export interface PodmanUser {
  uid: number;
  gid: number;
  home: string;
  name: string;
}

interface PsEntry {
  Id: string;
  Names?: string[];
  Image?: string;
  State?: string;
  Pid?: number;
  Labels?: Record<string, string> | null;
  Created?: number;
  PodName?: string;
  Pod?: string;
  IsInfra?: boolean;
}

/** The passwd entry of a uid, read from /etc/passwd. */
export function userById(uid: number): PodmanUser | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 7 && Number(f[2]) === uid) return { name: f[0], uid, gid: Number(f[3]), home: f[5] };
    }
  } catch {
    /* no passwd: no user */
  }
  return undefined;
}

export class PodmanCliRuntime implements ContainerRuntime {
  readonly kind = 'podman-rootless' as const;
  readonly endpoint: string;

  constructor(
    readonly user: PodmanUser,
    private readonly podman = '/usr/bin/podman',
  ) {
    this.endpoint = `podman (as ${user.name})`;
  }

  async restart(id: string, stopSeconds: number): Promise<void> {
    if (!/^[0-9a-f]{12,64}$/.test(id)) throw new RuntimeError(`podman restart: "${id}" is not a container id`);
    await this.run(['restart', '--time', String(stopSeconds), id]);
  }

  private run(args: string[]): Promise<string> {
    const asOther = process.getuid?.() !== this.user.uid;
    const env = {
      PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
      HOME: this.user.home,
      USER: this.user.name,
      XDG_RUNTIME_DIR: `/run/user/${this.user.uid}`,
    };
    return new Promise((resolve, reject) => {
      execFile(
        this.podman,
        args,
        { env, cwd: '/', timeout: CLI_DEADLINE_MS, killSignal: 'SIGKILL', maxBuffer: 32 << 20, ...(asOther ? { uid: this.user.uid, gid: this.user.gid } : {}) },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          // Killed at the deadline: a podman that hangs (a stuck lock, a storage that never answers).
          if (err.killed && err.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(timeoutError(`podman ${args[0]} as ${this.user.name}`, CLI_DEADLINE_MS));
          reject(new RuntimeError(`podman ${args[0]} as ${this.user.name}: ${(stderr || err.message).trim().split('\n').pop()}`));
        },
      );
    });
  }

  async status(): Promise<RuntimeStatus> {
    if (!fs.existsSync(this.podman)) return { kind: this.kind, endpoint: this.endpoint, reachable: false, error: `podman is not installed (${this.podman})` };
    try {
      const v = (await this.run(['version', '--format', '{{.Client.Version}}'])).trim();
      return { kind: this.kind, endpoint: this.endpoint, reachable: true, version: v };
    } catch (err) {
      return { kind: this.kind, endpoint: this.endpoint, reachable: false, error: (err as Error).message };
    }
  }

  async list(): Promise<ContainerInfo[]> {
    let entries: PsEntry[];
    try {
      entries = JSON.parse((await this.run(['ps', '--all', '--format', 'json'])) || '[]') as PsEntry[];
    } catch (err) {
      throw err instanceof RuntimeError ? err : new RuntimeError(`podman ps as ${this.user.name}: unreadable output (${(err as Error).message})`);
    }
    if (!Array.isArray(entries)) throw new RuntimeError(`podman ps as ${this.user.name}: not a list`);
    return entries
      .filter((e) => typeof e?.Id === 'string' && !e.IsInfra)
      .map((e) => {
        const state = STATES.includes(e.State as ContainerState) ? (e.State as ContainerState) : 'unknown';
        const pid = typeof e.Pid === 'number' && e.Pid > 0 && ownedBy(e.Pid, this.user.uid) ? e.Pid : 0;
        return {
          runtime: this.kind,
          id: e.Id,
          name: e.Names?.[0] ?? e.Id.slice(0, 12),
          image: e.Image ?? '',
          state,
          hostPid: state === 'running' || state === 'paused' ? pid : 0,
          labels: e.Labels ?? {},
          created: e.Created ?? 0,
          pod: e.PodName || undefined,
        };
      });
  }

  async inspect(ref: string): Promise<ContainerInfo | undefined> {
    return (await this.list()).find((c) => c.id === ref || c.name === ref);
  }

  watch(onChange: (change: ContainerChange) => void, onError?: (err: Error) => void): Disposable {
    return pollWatch(this, onChange, onError, 5000);
  }
}
