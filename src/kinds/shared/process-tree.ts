/**
 * The process tree that proctree, exec and exit traces build: who started
 * whom (container-level PIDs, host PIDs beside them), command lines, exit
 * codes and signals, lifetimes; exited processes stay, greyed. Bounded:
 * the oldest exited processes leave first.
 */
import type { ExecEvent, ExitEvent, ProctreeEvent } from '../../protocol';
import type { Panel, Summary, TreeNode } from '../../webview/panels';

const MAX_NODES = 2000;

interface Proc {
  pid: number;
  hostPid: number;
  parent?: number; // host PID
  comm: string;
  command?: string;
  startedAt: number;
  exit?: string;
  failed?: boolean;
  /** Its latest event was the container runtime's (its init before the exec): hidden unless shown. */
  runtime?: true;
}

type TreeEvent = ProctreeEvent | ExecEvent | ExitEvent;

/** An exec of the caller's own binary again (busybox applets, re-exec'ing runtimes). */
const selfExec = (filename: string) => filename === '/proc/self/exe' || /^\/proc\/\d+\/exe$/.test(filename);

export class ProcessTree implements Summary<TreeEvent> {
  private readonly procs = new Map<number, Proc>();
  private dropped = 0;

  /**
   * `seesExits`: the kind reports exits (proctree, exit), so a process without one is running.
   * `seesForks`: it reports forks (proctree), so a parent it never saw start started before the trace.
   */
  constructor(
    private readonly seesExits = true,
    private readonly seesForks = false,
  ) {}

  add(events: readonly TreeEvent[]): void {
    const now = Date.now();
    for (const e of events) {
      if (e.gadget === 'exit' && e.thread) continue;
      const p = this.proc(e.hostPid, e.pid, e.comm, now);
      p.runtime = e.runtime;
      if (e.hostPpid) {
        p.parent = e.hostPpid;
        // A parent in the container this trace did not see start: shown, so its children hang under it.
        // Only a kind that sees forks knows it started before the trace (exec and exit see a subshell forked during it first here).
        if (e.ppid && !this.procs.has(e.hostPpid)) {
          const command = this.seesForks ? 'started before the trace' : `not seen starting (${e.gadget} does not see forks)`;
          this.procs.set(e.hostPpid, { pid: e.ppid, hostPid: e.hostPpid, comm: `pid ${e.ppid}`, command, startedAt: now });
        }
      }
      switch (e.gadget) {
        case 'proctree':
          if (e.kind === 'fork' && e.childHostPid) {
            const child = this.proc(e.childHostPid, e.childPid ?? 0, e.comm, now);
            child.parent = e.hostPid;
          } else if (e.kind === 'exec') {
            p.command = e.filename;
            p.comm = e.comm;
          } else if (e.kind === 'exit') {
            this.ended(p, e.exitCode ?? null, e.signal ?? null, e.lifetimeMs ?? now - p.startedAt);
          }
          break;
        case 'exec':
          // busybox runs its applets as /proc/self/exe (comm "exe"): the program is argv[0]'s applet; the kernel's view stays in the detail.
          p.comm = selfExec(e.filename) && e.args[0] ? e.args[0].split('/').pop()! : e.comm;
          p.command = (e.args.length ? e.args.join(' ') + (e.argsTruncated ? ' …' : '') : e.filename) + (selfExec(e.filename) ? `  (kernel: ${e.filename}, comm ${e.comm})` : '');
          if (e.ret < 0) {
            p.failed = true;
            p.command = `${e.filename} (exec failed: ${e.error ?? e.ret})`;
          }
          break;
        case 'exit':
          this.ended(p, e.exitCode, e.signal, e.lifetimeMs);
          break;
      }
    }
    this.trim();
  }

  private proc(hostPid: number, pid: number, comm: string, now: number): Proc {
    let p = this.procs.get(hostPid);
    if (!p || (p.exit && pid && p.pid !== pid)) {
      p = { pid, hostPid, comm, startedAt: now };
      this.procs.delete(hostPid);
      this.procs.set(hostPid, p);
    }
    if (!p.pid && pid) p.pid = pid;
    return p;
  }

  private ended(p: Proc, code: number | null, signal: string | null, lifetimeMs: number): void {
    const life = lifetimeMs >= 1000 ? `${(lifetimeMs / 1000).toFixed(1)} s` : `${Math.round(lifetimeMs)} ms`;
    p.exit = `${signal ? `killed by ${signal}` : `exit ${code ?? '?'}`} after ${life}`;
    p.failed ||= !!signal || (code !== null && code !== 0);
  }

  private trim(): void {
    if (this.procs.size <= MAX_NODES) return;
    for (const [key, p] of this.procs) {
      if (this.procs.size <= MAX_NODES) break;
      if (p.exit) {
        this.procs.delete(key);
        this.dropped++;
      }
    }
  }

  panels(): Panel[] {
    const nodes: TreeNode[] = [];
    for (const p of this.procs.values()) {
      nodes.push({
        key: String(p.hostPid),
        parent: p.parent !== undefined && this.procs.has(p.parent) ? String(p.parent) : undefined,
        pid: p.pid,
        hostPid: p.hostPid,
        label: p.comm,
        detail: [p.command, p.exit ?? (this.seesExits ? 'running' : undefined)].filter(Boolean).join('  ·  '),
        ended: !!p.exit,
        failed: p.failed,
        runtime: p.runtime,
      });
    }
    return [{ type: 'tree', id: 'tree', title: 'Processes', nodes, more: this.dropped || undefined, exitsSeen: this.seesExits }];
  }
}
