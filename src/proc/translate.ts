/** Container PID ⇄ host PID, for processes and threads, with errors that help. */
import type { ContainerProcesses, ProcessInfo, ThreadInfo } from './container';

export class UnknownPidError extends Error {}

export interface Task {
  process: ProcessInfo;
  /** Set when the PID named a thread other than the process's main thread. */
  thread?: ThreadInfo;
}

export class PidTable {
  private readonly byPid = new Map<number, ProcessInfo>();
  private readonly byHostPid = new Map<number, ProcessInfo>();
  private readonly byTid = new Map<number, Task>();
  private readonly byHostTid = new Map<number, Task>();

  constructor(
    readonly container: { id: string; name: string },
    readonly scan: ContainerProcesses,
  ) {
    for (const p of scan.processes) {
      this.byPid.set(p.pid, p);
      this.byHostPid.set(p.hostPid, p);
      for (const t of p.threads) {
        const task = t.hostTid === p.hostPid ? { process: p } : { process: p, thread: t };
        this.byTid.set(t.tid, task);
        this.byHostTid.set(t.hostTid, task);
      }
    }
  }

  /** The process or thread a PID seen inside the container names. */
  task(pid: number): Task {
    const process = this.byPid.get(pid);
    if (process) return { process };
    const task = this.byTid.get(pid);
    if (task) return task;
    throw new UnknownPidError(this.unknown(`PID ${pid}`));
  }

  /** The process (thread group) with this PID inside the container. */
  process(pid: number): ProcessInfo {
    const p = this.byPid.get(pid);
    if (p) return p;
    const t = this.byTid.get(pid);
    if (t?.thread) {
      throw new UnknownPidError(
        `${pid} is a thread of process ${t.process.pid} (${t.process.comm}) in container ${this.label()}; ` +
          `trace the process (--pid ${t.process.pid}) or only this thread (--tid ${pid})`,
      );
    }
    throw new UnknownPidError(this.unknown(`PID ${pid}`));
  }

  toHost(pid: number): number {
    return this.process(pid).hostPid;
  }

  toContainer(hostPid: number): number {
    const p = this.byHostPid.get(hostPid) ?? this.byHostTid.get(hostPid)?.process;
    if (!p) throw new UnknownPidError(`host PID ${hostPid} is not a process of container ${this.label()}`);
    return this.byHostPid.has(hostPid) ? p.pid : this.byHostTid.get(hostPid)!.thread!.tid;
  }

  /** Every descendant of a process (host PIDs), itself included. */
  descendants(hostPid: number): number[] {
    const children = new Map<number, number[]>();
    for (const p of this.scan.processes) {
      const list = children.get(p.hostPpid) ?? [];
      list.push(p.hostPid);
      children.set(p.hostPpid, list);
    }
    const out: number[] = [];
    const stack = [hostPid];
    while (stack.length && out.length < 100_000) {
      const h = stack.pop()!;
      out.push(h);
      stack.push(...(children.get(h) ?? []));
    }
    return out;
  }

  private label(): string {
    return `${this.container.name} (${this.container.id.slice(0, 12)})`;
  }

  private unknown(what: string): string {
    const pids = this.scan.processes.map((p) => p.pid);
    const shown = pids.slice(0, 8).join(', ') + (pids.length > 8 ? `, … (${pids.length} in all)` : '');
    return pids.length
      ? `no process with ${what} in container ${this.label()}; its PIDs are ${shown} — see \`container-trace ps ${this.container.name}\``
      : `container ${this.label()} has no processes`;
  }
}
