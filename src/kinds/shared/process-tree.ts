/**
 * The process tree that proctree, exec and exit traces build: who started
 * whom (container-level PIDs, host PIDs beside them), command lines, exit
 * codes and signals, lifetimes; exited processes stay, greyed.
 *
 * It aggregates instead of listing: a parent's children are grouped by what
 * they are (name and command line), so a loop of `/bin/true` is one line,
 * `/bin/true ×14,700`, with its exits counted, expandable to its newest
 * members. It is kept up to date event by event (no rebuild), and bounded
 * whatever the trace's length: at most MAX_PROCS processes one by one (the
 * least recently active leaves go first, ended ones before running ones;
 * they stay counted in their group), at most MAX_GROUPS groups, and what
 * panels() sends is bounded too (SHOWN_* below, the rest as "N more").
 */
import type { ExecEvent, ExitEvent, ProctreeEvent } from '../../protocol';
import type { Panel, PanelOptions, Summary, TreeNode } from '../../webview/panels';

/** Processes kept one by one. */
const MAX_PROCS = 5000;
/** Groups kept (past it, a parent's new kinds of children count as "other processes"). */
const MAX_GROUPS = 10_000;
/** Groups shown under one node (the most recently active; the rest "N more"). */
const SHOWN_GROUPS = 50;
/** Members listed when a group is expanded (the newest). */
const SHOWN_MEMBERS = 25;
/** Nodes sent in all. */
const SHOWN_NODES = 1500;
const MAX_DEPTH = 64;
/** Processes let go before they were seen to end, remembered so that one heard of again is not counted twice (the oldest are forgotten first). */
const MAX_AWAY = 20_000;

interface Proc {
  pid: number;
  hostPid: number;
  /** Its latest event was the container runtime's (its init before the exec): hidden unless shown. */
  runtime?: true;
  parent?: number; // host PID
  comm: string;
  command?: string;
  startedAt: number;
  /** `exit 0 after 12 ms` */
  exit?: string;
  /** `exit 0`: how its group counts it. */
  exitWhat?: string;
  failed?: boolean;
  /** The group it is counted in, under its parent (or the top), and its state as counted there. */
  group?: Group;
  countedExit?: string;
  countedFailed?: boolean;
  /** Counted at the top until its parent (this host PID) appears. */
  orphanOf?: number;
  /** Its children, by what they are. */
  kids?: Map<string, Group>;
  /** Children kept one by one (a process with any is not let go). */
  kept: number;
  /** Made up as a parent (named `pid N`) until an event of its own names it. */
  unnamed?: boolean;
  /** When it was last active. */
  seen: number;
}

interface Group {
  id: number;
  under: Proc;
  sig: string;
  label: string;
  command?: string;
  /** Processes counted in it, kept or not. */
  count: number;
  ended: number;
  failed: number;
  /** `exit 0` → how many. */
  exits: Map<string, number>;
  /** The ones kept, oldest first. */
  members: Set<Proc>;
  /** When it last changed (an order: the most recently active are shown first when bounded). */
  touched: number;
}

/** The group a parent's children go to once MAX_GROUPS are kept. */
const OTHER = '\u0000other';
const sigOf = (p: { comm: string; command?: string }) => `${p.comm}\u0000${p.command ?? ''}`;

type TreeEvent = ProctreeEvent | ExecEvent | ExitEvent;

/** An exec of the caller's own binary again (busybox applets, re-exec'ing runtimes). */
const selfExec = (filename: string) => filename === '/proc/self/exe' || /^\/proc\/\d+\/exe$/.test(filename);
const n = (v: number) => v.toLocaleString('en-US');

export class ProcessTree implements Summary<TreeEvent> {
  private readonly procs = new Map<number, Proc>();
  /** Processes whose parent is not (yet) known, by the parent's host PID: they move under it when it appears. */
  private readonly orphans = new Map<number, Set<Proc>>();
  /** The top of the tree (processes whose parent is outside the container or unknown). */
  private readonly top: Proc = { pid: 0, hostPid: 0, comm: '', startedAt: 0, kept: 0, seen: 0 };
  private groups = 0;
  /** Groups left empty (a fork's group before its exec): removed at the next trim unless joined again. */
  private readonly empty = new Set<Group>();
  private nextGroup = 1;
  private clock = 0;
  /** Processes no longer kept one by one (still counted in their groups). */
  private letGo = 0;
  /** Of those, the ones not seen to end, by host PID: heard of again, they come back to the group that counts them. */
  private readonly away = new Map<number, Proc>();
  /** Processes kept before the next trim (it lets go down to 80 % of MAX_PROCS, or as far as it can). */
  private trimAt = MAX_PROCS;

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
      if (p.unnamed) {
        p.comm = e.comm;
        p.unnamed = undefined;
      }
      if (e.hostPpid) {
        p.parent = e.hostPpid;
        // A parent in the container this trace did not see start: shown, so its children hang under it.
        // Only a kind that sees forks knows it started before the trace (exec and exit see a subshell forked during it first here).
        if (e.ppid && !this.procs.has(e.hostPpid) && !this.revive(e.hostPpid, e.ppid)) {
          const command = this.seesForks ? 'started before the trace' : `not seen starting (${e.gadget} does not see forks)`;
          this.place(this.remember({ pid: e.ppid, hostPid: e.hostPpid, comm: `pid ${e.ppid}`, command, startedAt: now, kept: 0, seen: ++this.clock, unnamed: true }));
        } else {
          this.touch(e.hostPpid);
        }
      }
      switch (e.gadget) {
        case 'proctree':
          if (e.kind === 'fork' && e.childHostPid) {
            const child = this.proc(e.childHostPid, e.childPid ?? 0, e.comm, now);
            child.parent = e.hostPid;
            this.place(child);
          } else if (e.kind === 'exec') {
            // busybox's applets, as for exec: the program by argv[0], the kernel's view beside it.
            const self = !!e.filename && selfExec(e.filename) && !!e.argv0;
            p.command = self ? `${e.argv0}  (kernel: ${e.filename}, comm ${e.comm})` : e.filename;
            p.comm = self ? e.argv0!.split('/').pop()! : e.comm;
          } else if (e.kind === 'exit') {
            this.ended(p, e.exitCode ?? null, e.signal ?? null, e.lifetimeMs ?? now - p.startedAt, e.oomKilled);
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
          this.ended(p, e.exitCode, e.signal, e.lifetimeMs, e.oomKilled);
          break;
      }
      this.place(p);
    }
    this.trim();
  }

  private proc(hostPid: number, pid: number, comm: string, now: number): Proc {
    let p = this.procs.get(hostPid) ?? this.revive(hostPid, pid);
    if (!p || (p.exit && pid && p.pid !== pid)) {
      if (p) this.forget(p);
      p = this.remember({ pid, hostPid, comm, startedAt: now, kept: 0, seen: ++this.clock });
    } else {
      this.touch(hostPid);
    }
    if (!p.pid && pid) p.pid = pid;
    return p;
  }

  /** A new process: kept, and its children that came first move under it. */
  private remember(p: Proc): Proc {
    this.procs.set(p.hostPid, p);
    this.adopt(p);
    return p;
  }

  /** Children seen before `p` (counted at the top) move under it. */
  private adopt(p: Proc): void {
    const waiting = this.orphans.get(p.hostPid);
    if (waiting) {
      this.orphans.delete(p.hostPid);
      for (const kid of waiting) {
        kid.orphanOf = undefined;
        this.place(kid);
      }
    }
  }

  /**
   * A process let go before it was seen to end, heard of again (the same
   * container PID, or none given): kept again, in the group that still
   * counts it (its parent first, so the group is there), not counted anew.
   */
  private revive(hostPid: number, pid: number): Proc | undefined {
    const p = this.away.get(hostPid);
    if (!p) return undefined;
    this.away.delete(hostPid);
    if (pid && p.pid && p.pid !== pid) {
      // Another process with its host PID: the one let go has ended unseen.
      this.release(p);
      return undefined;
    }
    this.letGo--;
    if (p.parent !== undefined && !this.procs.has(p.parent)) this.revive(p.parent, 0);
    this.procs.set(hostPid, p);
    const g = p.group;
    if (g) {
      g.members.add(p);
      if (g.under !== this.top) g.under.kept++;
    }
    p.seen = ++this.clock;
    this.adopt(p);
    return p;
  }

  /** When it was last active (the least recently active leave first). */
  private touch(hostPid: number): void {
    const p = this.procs.get(hostPid);
    if (p) p.seen = ++this.clock;
  }

  private ended(p: Proc, code: number | null, signal: string | null, lifetimeMs: number, oomKilled?: true): void {
    const life = lifetimeMs >= 1000 ? `${(lifetimeMs / 1000).toFixed(1)} s` : `${Math.round(lifetimeMs)} ms`;
    p.exitWhat = signal ? `killed by ${signal}${oomKilled ? ' (OOM killer)' : ''}` : `exit ${code ?? '?'}`;
    p.exit = `${p.exitWhat} after ${life}`;
    p.failed ||= !!signal || (code !== null && code !== 0);
  }

  /** Count the process in its parent's group that matches what it is now (moving it there if it changed). */
  private place(p: Proc): void {
    const parent = p.parent !== undefined ? this.procs.get(p.parent) : undefined;
    const under = parent && parent !== p ? parent : this.top;
    const g = p.group;
    if (g && g.under === under && ((g.label === p.comm && g.command === p.command && g.sig !== OTHER) || (g.sig === OTHER && !under.kids?.has(sigOf(p))))) return this.recount(p);
    if (g) this.leave(p);
    const sig = sigOf(p);
    under.kids ??= new Map();
    let next = under.kids.get(sig);
    if (!next && this.groups >= MAX_GROUPS) next = under.kids.get(OTHER);
    if (!next) {
      const other = this.groups >= MAX_GROUPS;
      next = { id: this.nextGroup++, under, sig: other ? OTHER : sig, label: other ? 'other processes' : p.comm, command: other ? undefined : p.command, count: 0, ended: 0, failed: 0, exits: new Map(), members: new Set(), touched: 0 };
      under.kids.set(next.sig, next);
      this.groups++;
    }
    this.join(next, p);
    if (under !== this.top) {
      under.kept++;
    } else if (p.parent !== undefined && p.parent !== p.hostPid) {
      p.orphanOf = p.parent;
      let set = this.orphans.get(p.parent);
      if (!set) this.orphans.set(p.parent, (set = new Set()));
      set.add(p);
    }
  }

  /** Into a group, with its state (ended how, failed) counted as it is now. */
  private join(g: Group, p: Proc): void {
    if (!g.count) this.empty.delete(g);
    p.group = g;
    g.count++;
    g.members.add(p);
    p.countedExit = p.exitWhat;
    p.countedFailed = !!p.failed;
    this.count(g, p.countedExit, p.countedFailed, 1);
    g.touched = ++this.clock;
  }

  /** Its state changed within its group. */
  private recount(p: Proc): void {
    const g = p.group!;
    g.touched = ++this.clock;
    if (p.countedExit === p.exitWhat && p.countedFailed === !!p.failed) return;
    this.count(g, p.countedExit, !!p.countedFailed, -1);
    p.countedExit = p.exitWhat;
    p.countedFailed = !!p.failed;
    this.count(g, p.countedExit, p.countedFailed, 1);
  }

  private count(g: Group, exitWhat: string | undefined, failed: boolean, d: 1 | -1): void {
    if (exitWhat) {
      g.ended += d;
      const v = (g.exits.get(exitWhat) ?? 0) + d;
      if (v) g.exits.set(exitWhat, v);
      else g.exits.delete(exitWhat);
    }
    if (failed) g.failed += d;
  }

  /** Out of its group (it is about to join another). */
  private leave(p: Proc): void {
    const g = p.group!;
    this.count(g, p.countedExit, !!p.countedFailed, -1);
    g.count--;
    g.members.delete(p);
    p.group = undefined;
    if (g.under !== this.top) g.under.kept--;
    this.unorphan(p);
    if (!g.count) this.empty.add(g);
  }

  private unorphan(p: Proc): void {
    if (p.orphanOf === undefined) return;
    const set = this.orphans.get(p.orphanOf);
    set?.delete(p);
    if (set && !set.size) this.orphans.delete(p.orphanOf);
    p.orphanOf = undefined;
  }

  /** No longer kept one by one: its group still counts it. */
  private forget(p: Proc): void {
    this.detach(p);
    this.release(p);
  }

  /** Out of the processes kept (its group still counts it). */
  private detach(p: Proc): void {
    this.procs.delete(p.hostPid);
    const g = p.group;
    if (g) {
      g.members.delete(p);
      if (g.under !== this.top) g.under.kept--;
    }
    this.unorphan(p);
  }

  /** Its children's groups go (none of their members is kept: they are listed nowhere). */
  private release(p: Proc): void {
    for (const k of p.kids?.values() ?? []) {
      this.groups--;
      for (const m of k.members) m.group = undefined;
    }
    p.kids = undefined;
  }

  /**
   * Past MAX_PROCS: let ended leaves go (the oldest first), then the least
   * recently active running ones, down to 80 %. A process alone in its group
   * with children of its own (a shell and its loop's `/bin/true ×14,700`)
   * stays: its groups are what the tree shows of it (at most one per group).
   */
  private trim(): void {
    if (this.procs.size <= this.trimAt && this.empty.size < 1000) return;
    for (const g of this.empty) {
      if (g.count) continue;
      if (g.under.kids?.get(g.sig) === g) {
        g.under.kids.delete(g.sig);
        this.groups--;
      }
    }
    this.empty.clear();
    if (this.procs.size > this.trimAt) this.letSomeGo(Math.floor(MAX_PROCS * 0.8));
    // Whatever could not go stays until as many again have come (no scan per batch).
    this.trimAt = Math.max(MAX_PROCS, this.procs.size + Math.floor(MAX_PROCS * 0.2));
  }

  private letSomeGo(target: number): void {
    const free = (p: Proc) => p.kept === 0 && !(p.group && p.group.sig !== OTHER && p.group.count === 1 && [...(p.kids?.values() ?? [])].some((g) => g.count > 0));
    if (this.seesExits) {
      for (const p of this.procs.values()) {
        if (this.procs.size <= target) return;
        if (p.exit && free(p)) this.letGoOf(p);
      }
    }
    for (let pass = 0; pass < MAX_DEPTH && this.procs.size > target; pass++) {
      const leaves = [...this.procs.values()].filter(free).sort((a, b) => a.seen - b.seen);
      if (!leaves.length) return;
      for (const p of leaves) {
        if (this.procs.size <= target) return;
        this.letGoOf(p);
      }
    }
  }

  /** Not kept one by one any more; one not seen to end is remembered (bounded) in case it is heard of again. */
  private letGoOf(p: Proc): void {
    this.letGo++;
    if (p.exit) return this.forget(p);
    this.detach(p);
    this.away.delete(p.hostPid);
    this.away.set(p.hostPid, p);
    if (this.away.size > MAX_AWAY) {
      const [hostPid, oldest] = this.away.entries().next().value!;
      this.away.delete(hostPid);
      this.release(oldest);
    }
  }

  panels(opts: PanelOptions = {}): Panel[] {
    const nodes: TreeNode[] = [];
    const expanded = opts.expanded;
    let budget = SHOWN_NODES;
    let unlisted = 0;
    const detail = (p: Proc) => [p.command, p.exit ?? (this.seesExits ? 'running' : undefined)].filter(Boolean).join('  ·  ');
    const emitProc = (p: Proc, parent: string | undefined, depth: number) => {
      const node: TreeNode = { key: String(p.hostPid), parent, pid: p.pid, hostPid: p.hostPid, label: p.comm, detail: detail(p), ended: !!p.exit, failed: p.failed, runtime: p.runtime };
      nodes.push(node);
      budget--;
      if (p.kids) node.more = emitKids(p, node.key, depth + 1) || undefined;
    };
    const emitGroup = (g: Group, parent: string | undefined, depth: number) => {
      const key = `g${g.id}`;
      const newest = [...g.members].pop();
      const running = this.seesExits ? g.count - g.ended : 0;
      const exits = [...g.exits].sort((a, b) => b[1] - a[1]).map(([what, c]) => `${what} ×${n(c)}`);
      const state = [...exits, ...(running ? [`${n(running)} running`] : [])].join(', ');
      const node: TreeNode = {
        key,
        parent,
        pid: newest?.pid ?? 0,
        hostPid: newest?.hostPid ?? 0,
        label: g.label,
        detail: `${g.command ? `${g.command} ` : ''}×${n(g.count)}${state ? `  ·  ${state}` : ''}`,
        ended: this.seesExits && g.ended === g.count,
        failed: g.failed > 0,
        count: g.count,
        expanded: !!expanded?.has(key),
        // The runtime's own (its newest member's latest event was): hidden unless shown.
        runtime: newest?.runtime,
      };
      nodes.push(node);
      budget--;
      if (!node.expanded) return;
      const members = [...g.members].slice(-SHOWN_MEMBERS);
      let shown = 0;
      for (const m of members) {
        if (budget <= 0 || depth >= MAX_DEPTH) break;
        emitProc(m, key, depth + 1);
        shown++;
      }
      node.more = g.count - shown || undefined;
    };
    /** A node's groups in the order they first came; the most recently active when too many. Returns how many processes are left out. */
    const emitKids = (p: Proc, key: string | undefined, depth: number): number => {
      let groups = [...(p.kids?.values() ?? [])].filter((g) => g.count > 0);
      let left = 0;
      if (groups.length > SHOWN_GROUPS) {
        const shown = new Set([...groups].sort((a, b) => b.touched - a.touched).slice(0, SHOWN_GROUPS));
        for (const g of groups) if (!shown.has(g)) left += g.count;
        groups = groups.filter((g) => shown.has(g));
      }
      for (const g of groups) {
        if (budget <= 0 || depth >= MAX_DEPTH) {
          left += g.count;
          continue;
        }
        const only = g.count === 1 && g.members.size === 1 ? [...g.members][0] : undefined;
        if (only) emitProc(only, key, depth);
        else emitGroup(g, key, depth);
      }
      return left;
    };
    unlisted = emitKids(this.top, undefined, 0);
    return [{ type: 'tree', id: 'tree', title: 'Processes', nodes, more: unlisted || undefined, letGo: this.letGo || undefined, exitsSeen: this.seesExits }];
  }
}
