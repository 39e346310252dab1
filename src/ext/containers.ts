/**
 * Containers and their processes for the views and pickers: runtimes from
 * the settings, a cached listing, runtime events (debounced) as refreshes.
 */
import * as vscode from 'vscode';
import { createRuntimes, type ContainerInfo, type ContainerRuntime, type RuntimeStatus, type Disposable } from '../runtime';
import { scanContainer, type ContainerProcesses } from '../proc/container';
import { settings } from './settings';

export interface RuntimeListing {
  status: RuntimeStatus;
  containers: ContainerInfo[];
}

export class ContainerService implements vscode.Disposable {
  private runtimes: ContainerRuntime[] = [];
  private watches: Disposable[] = [];
  private listing: Promise<RuntimeListing[]> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private debounce: NodeJS.Timeout | undefined;
  private readonly configWatch: vscode.Disposable;

  constructor(private readonly log: (line: string) => void) {
    this.configure();
    this.configWatch = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('containerTrace.dockerHost')) {
        this.configure();
        this.refresh();
      }
    });
  }

  private configure(): void {
    for (const w of this.watches) w.dispose();
    this.runtimes = createRuntimes({ dockerHost: settings().dockerHost });
    this.watches = this.runtimes.map((rt) =>
      rt.watch(
        (change) => {
          if (/^(start|die|destroy|create|pause|unpause|rename|kill|stop|restart)/.test(change.action)) this.refreshSoon();
        },
        (err) => this.log(`${rt.kind} events: ${err.message}`),
      ),
    );
  }

  private refreshSoon(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.refresh(), 300);
  }

  refresh(): void {
    this.listing = undefined;
    this.changed.fire();
  }

  /** Every runtime with its containers (cached until the next refresh). */
  list(): Promise<RuntimeListing[]> {
    this.listing ??= Promise.all(
      this.runtimes.map(async (rt) => {
        const status = await rt.status();
        if (!status.reachable) return { status, containers: [] };
        try {
          const containers = await rt.list();
          containers.sort((a, b) => Number(b.state === 'running') - Number(a.state === 'running') || a.name.localeCompare(b.name));
          return { status, containers };
        } catch (err) {
          return { status: { ...status, reachable: false, error: (err as Error).message }, containers: [] };
        }
      }),
    );
    return this.listing;
  }

  async running(): Promise<ContainerInfo[]> {
    return (await this.list()).flatMap((l) => l.containers.filter((c) => c.state === 'running' && c.hostPid > 0));
  }

  async find(ref: string): Promise<ContainerInfo | undefined> {
    const all = (await this.list()).flatMap((l) => l.containers);
    return all.find((c) => c.id === ref || c.name === ref) ?? all.find((c) => ref.length >= 3 && c.id.startsWith(ref));
  }

  /** Processes of a running container, read from /proc now. */
  processes(container: ContainerInfo): ContainerProcesses {
    return scanContainer(container);
  }

  dispose(): void {
    clearTimeout(this.debounce);
    for (const w of this.watches) w.dispose();
    this.configWatch.dispose();
    this.changed.dispose();
  }
}
