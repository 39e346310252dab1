/**
 * Containers and their processes for the views and pickers: what the
 * extension reads itself (its user's sockets), merged with what the helper
 * lists from root-only sockets when it runs; a cached listing; runtime
 * events and polling (debounced) as refreshes.
 */
import * as vscode from 'vscode';
import { createRuntimes, listAll, matchContainers, parseContainerRef, type ContainerInfo, type ContainerRuntime, type Disposable } from '../runtime';
import { scanContainer, type ContainerProcesses } from '../proc/container';
import type { RuntimesListResult } from '../protocol';
import { settings } from './settings';
import { mergeListings, listingKey, type RuntimeListing } from './containers-merge';

export type { RuntimeListing } from './containers-merge';

/** What the service needs of the helper: whether it runs, and its read-only listing. */
export interface HelperLister {
  readonly running: boolean;
  listRuntimes(): Promise<RuntimesListResult>;
}

const ROOT_ONLY = /permission denied|read by root|EACCES/i;

export class ContainerService implements vscode.Disposable {
  private runtimes: ContainerRuntime[] = [];
  private watches: Disposable[] = [];
  private listing: Promise<RuntimeListing[]> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private debounce: NodeJS.Timeout | undefined;
  private readonly configWatch: vscode.Disposable;
  private readonly poll: NodeJS.Timeout;
  private fingerprint = '';

  constructor(
    private readonly log: (line: string) => void,
    private readonly helper?: HelperLister,
  ) {
    this.configure();
    this.configWatch = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('containerTrace.dockerHost')) {
        this.configure();
        this.refresh();
      }
    });
    // What no event stream covers (the helper's listing, nested runtimes): a
    // cheap look every few seconds, a refresh only when something changed.
    this.poll = setInterval(() => void this.checkForChanges(), 5000);
  }

  private configure(): void {
    for (const w of this.watches) w.dispose();
    this.runtimes = createRuntimes({ dockerHost: settings().dockerHost });
    this.watches = this.runtimes.map((rt) =>
      rt.watch(
        (change) => {
          if (/^(start|die|destroy|create|pause|unpause|rename|kill|stop|restart|update)/.test(change.action)) this.refreshSoon();
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

  private async checkForChanges(): Promise<void> {
    if (!this.listing) return; // nobody looked yet
    const now = ContainerService.fingerprint(await this.read());
    if (this.fingerprint && now !== this.fingerprint) this.refresh();
    this.fingerprint = now;
  }

  private static fingerprint(listings: RuntimeListing[]): string {
    return listings.map((l) => `${listingKey(l.status)}:${l.status.reachable}:${l.containers.map((c) => `${c.id}/${c.state}/${c.hostPid}`).join(',')}`).join(';');
  }

  /** Every runtime with its containers (cached until the next refresh); nested runtimes carry status.node. */
  list(): Promise<RuntimeListing[]> {
    this.listing ??= this.read().then((l) => {
      this.fingerprint = ContainerService.fingerprint(l);
      return l;
    });
    return this.listing;
  }

  private async read(): Promise<RuntimeListing[]> {
    const own: RuntimeListing[] = await Promise.all(
      (await listAll(this.runtimes)).map(async (l) => ({
        status: l.error ? { kind: l.runtime.kind, endpoint: l.runtime.endpoint, reachable: false, error: l.error, node: l.runtime.node } : await l.runtime.status(),
        containers: l.containers,
      })),
    );
    let merged = own;
    if (process.getuid?.() !== 0) {
      if (this.helper?.running) {
        try {
          merged = mergeListings(own, (await this.helper.listRuntimes()).listings);
        } catch (err) {
          this.log(`the helper could not list runtimes: ${(err as Error).message}`);
        }
      }
      for (const l of merged) if (!l.status.reachable && !l.viaHelper && ROOT_ONLY.test(l.status.error ?? '')) l.needsHelper = true;
    }
    for (const l of merged) l.containers.sort((a, b) => Number(b.state === 'running') - Number(a.state === 'running') || a.name.localeCompare(b.name));
    return merged;
  }

  async running(): Promise<ContainerInfo[]> {
    return (await this.list()).flatMap((l) => l.containers.filter((c) => c.state === 'running' && c.hostPid > 0));
  }

  /** The container a reference names (the CLI's and the helper's matcher), if exactly one. */
  async find(ref: string): Promise<ContainerInfo | undefined> {
    const found = matchContainers((await this.list()).flatMap((l) => l.containers), parseContainerRef(ref));
    return found.length === 1 ? found[0] : undefined;
  }

  /** Restart a container through its runtime (stop, SIGKILL after `stopSeconds`, start); throws where its runtime cannot. */
  async restart(c: ContainerInfo, stopSeconds: number): Promise<void> {
    const rt = c.node ? undefined : this.runtimes.find((r) => r.kind === c.runtime && !r.node);
    if (!rt?.restart) throw new Error(`${c.name} cannot be restarted through ${c.runtime}${c.node ? ` in ${c.node.name}` : ''} from here: restart it yourself, or trace it running`);
    await rt.restart(c.id, stopSeconds);
  }

  /** Processes of a running container, read from /proc now. */
  processes(container: ContainerInfo): ContainerProcesses {
    return scanContainer(container);
  }

  dispose(): void {
    clearTimeout(this.debounce);
    clearInterval(this.poll);
    for (const w of this.watches) w.dispose();
    this.configWatch.dispose();
    this.changed.dispose();
  }
}

/** The reference the helper resolves to exactly this container. */
export function containerRef(c: ContainerInfo): string {
  return `${c.runtime}:${c.id}`;
}
