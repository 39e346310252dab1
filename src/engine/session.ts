/**
 * One running trace: the kind's BPF object loaded and attached for a
 * container (and maybe one process or thread), its output handed to a sink
 * — ring spans as they lie (./ring-poller; clients decode them) or reports
 * collected from maps each interval — within the client's room
 * (./delivery), its counters (./counters), selector members (./selector-members)
 * and the containers that join from their first task (./scope-watch), and its
 * end: stopped, or the container or traced process gone.
 */
import { RingBufferReader } from '../bpf/ringbuf';
import type { BpfObject } from '../bpf/object';
import { ROOT_KINDS } from '../kinds/root-registry';
import { WallClock, type DecodeContext } from '../kinds/shared/decode';
import type { EndReason, RecordsInfo, TraceCounters, TraceEvent } from '../protocol';
import { namespaceInode as pidNamespaceOf } from '../proc/ns';
import { containerLabel, type ResolvedTrace, type SelectorMember } from './resolve';
import { attachTraceObject, loadTraceObject, ringBytes } from './trace-object';
import { Delivery, type SessionLimits, type SessionSink } from './delivery';
import { SessionCounters } from './counters';
import { SelectorMembers } from './selector-members';
import { ScopeWatch } from './scope-watch';
import { RingPoller } from './ring-poller';
import { FileRegistry } from './files';
import { BatchStacks } from './stacks';

export class TraceSession {
  private readonly obj: BpfObject;
  private readonly ctx: DecodeContext;
  private readonly counts: SessionCounters;
  private readonly delivery: Delivery;
  private readonly members: SelectorMembers | undefined;
  private readonly scopeWatch: ScopeWatch | undefined;
  /** A container waited for without its restarts: the first one that joined (the trace ends when it leaves). */
  private first: number | undefined;
  private readonly poller: RingPoller | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private ended = false;
  private lastCollect = Date.now();
  /** Ring buffer bytes this session holds in the kernel. */
  readonly ringBytes: number;
  /** Told when containers join or leave a selector trace. */
  onMembers?: (joined: SelectorMember[], left: SelectorMember[]) => void;
  /** The helper's log, for what a selector trace decided about new containers. */
  log?: (level: 'info' | 'debug' | 'warn', message: string) => void;

  constructor(
    readonly id: string,
    readonly trace: ResolvedTrace,
    private readonly sink: SessionSink,
    limits: SessionLimits,
    private readonly onEnd: (id: string) => void,
    private readonly files: FileRegistry = new FileRegistry(),
  ) {
    const kind = ROOT_KINDS[trace.kind];
    this.ringBytes = ringBytes(trace.kind, trace.bufferBytes);
    this.ctx = {
      container: containerLabel(trace.container),
      byPidns: trace.selector ? new Map() : undefined,
      clock: new WallClock(),
      uprobe: trace.uprobe && { path: trace.uprobe.path, function: trace.uprobe.function },
    };
    this.obj = loadTraceObject(trace);
    let reader: RingBufferReader | undefined;
    try {
      this.counts = new SessionCounters(this.obj, trace.follow, !!trace.selector, trace.kind === 'profile');
      this.follow(trace.followSeed);
      this.members = trace.selector ? new SelectorMembers(this.obj, this.ctx.byPidns!) : undefined;
      if (trace.selector) this.members!.set(trace.selector.members);
      attachTraceObject(this.obj, trace);
      if (!kind.collect) reader = new RingBufferReader(this.obj.mapFd('events'), this.obj.mapMaxEntries('events'));
    } catch (err) {
      this.obj.destroy();
      throw err;
    } finally {
      trace.uprobe?.pinned.close(); // attached (by inode) or failed: the descriptor is done
    }
    const stacks = trace.knobs.ct_stack_flags ? new BatchStacks(this.files, trace.selector ? undefined : trace.container.hostPid) : undefined;
    this.delivery = new Delivery(id, sink, limits, this.counts, kind.failedRecord, stacks);
    const selector = trace.selector;
    if (selector && this.members) {
      this.first = selector.once ? selector.members[0]?.pidns : undefined;
      this.scopeWatch = new ScopeWatch({
        obj: this.obj,
        members: this.members,
        selector: selector.fields,
        counters: this.counts,
        list: selector.list,
        deliver: (span) => this.delivery.records(span),
        joined: (m) => this.joined([m]),
        log: (level, message) => this.log?.(level, `trace ${id.slice(0, 8)}: ${message}`),
        maxBatchBytes: limits.maxBatchBytes,
        pollIntervalMs: limits.pollIntervalMs,
      });
    }
    const watch = this.scopeWatch;
    // Selector traces: records of namespaces not decided yet are held back (./scope-watch).
    const to = watch
      ? {
          records: (taken: { data: Buffer; count: number }) => {
            const now = watch.records(taken);
            if (now) this.delivery.records(now);
          },
        }
      : this.delivery;
    this.poller = reader && new RingPoller(reader, to, limits);
    this.timers.push(setInterval(() => this.sink.stats(this.counts.stats(this.id)), limits.statsIntervalMs));
    this.timers.push(setInterval(() => this.watch(), limits.watchIntervalMs));
    if (kind.collect) this.timers.push(setInterval(() => this.collect(), trace.intervalMs));
    if (trace.selector) this.timers.push(setInterval(() => this.rematch(), limits.selectorIntervalMs));
  }

  /** Selector traces: the containers now traced. */
  get matched(): SelectorMember[] {
    return this.members?.matched ?? [];
  }

  /** Add processes forked between the scan and the attach (follow scope). */
  follow(hostPids: number[]): void {
    // The map holds CT_MAX_FOLLOWED tasks: what does not fit is counted, not lost silently.
    for (const h of hostPids) if (!this.obj.addU32Key('followed', h)) this.counts.unfollowedSeed++;
  }

  /** How a receiver decodes this trace's records (ring-buffer kinds). */
  recordsInfo(): RecordsInfo | undefined {
    if (ROOT_KINDS[this.trace.kind].collect) return undefined;
    return {
      container: this.ctx.container,
      members: this.trace.selector ? this.matched.map((m) => ({ pidns: m.pidns, container: m.label, ids: m.ids })) : undefined,
      ids: this.trace.ids,
      uprobe: this.ctx.uprobe,
    };
  }

  counters(): TraceCounters {
    return this.counts.counters();
  }

  /** Selector traces: containers that started or stopped since the last look. */
  private rematch(): void {
    const selector = this.trace.selector;
    if (this.ended || !selector || !this.members) return;
    void this.members.rematch(selector.rematch, () => !this.ended, (joined, left, added) => {
      // Before any of their records: the receiver names events by these.
      if (added.length) this.sink.members?.(this.id, added.map((m) => ({ pidns: m.pidns, container: m.label, ids: m.ids })));
      // One the kernel held pending: its held records follow its label.
      for (const m of added) this.scopeWatch?.settled(m);
      if (joined.length || left.length) this.onMembers?.(joined, left);
      if (selector.once) {
        this.first ??= added[0]?.pidns;
        const gone = left.find((m) => m.pidns === this.first);
        if (gone) this.stop('container-exited', `container ${gone.container.name} exited`);
      }
    });
  }

  /** Containers that joined from their first task: their labels out before their records. */
  private joined(ms: SelectorMember[]): void {
    this.sink.members?.(this.id, ms.map((m) => ({ pidns: m.pidns, container: m.label, ids: m.ids })));
    this.first ??= this.trace.selector?.once ? ms[0]?.pidns : undefined;
    this.onMembers?.(ms, []);
  }

  /** Reports read from maps (syscalls, profile), delivered like ring buffer events. */
  private collect(final = false): void {
    const collect = ROOT_KINDS[this.trace.kind].collect;
    if (!collect) return;
    const now = Date.now();
    const intervalMs = now - this.lastCollect; // the last report covers less
    this.lastCollect = now;
    this.delivery.events(collect(this.obj, this.ctx, { intervalMs, top: this.trace.top, final, files: this.files, options: this.trace.options, pidns: this.trace.pidns }) as TraceEvent[]);
  }

  /** Ends the session when the container (or the traced process) is gone. */
  private watch(): void {
    if (this.trace.selector) return; // containers come and go: see rematch
    const { container, target, pidns } = this.trace;
    if (this.stopping) return;
    if (pidNamespaceOf(container.hostPid) !== pidns) {
      this.stop('container-exited', `container ${container.name} exited`);
    } else if (target && !this.trace.follow) {
      const hostTask = target.hostTid ?? target.hostPid;
      if (pidNamespaceOf(hostTask) !== pidns) {
        const what = target.tid !== undefined ? `thread ${target.tid}` : `process ${target.pid}`;
        this.stop('process-exited', `${what} (${target.comm}) in container ${container.name} exited`);
      }
    }
  }

  /** Set once the programs were told to stop: the end that follows (./stop). */
  private stopping: Promise<TraceCounters> | undefined;

  /**
   * Stop without blocking: the programs make nothing more from now on (the
   * flag they read, bpf/common.h ct_stopped), their links are destroyed off
   * the event loop, and once all are gone the last records are read and
   * the end reported (end()). Returns the counters so far; idempotent.
   * Without the flag (an object that lacks it) the end is done at once.
   */
  stop(reason: EndReason, message?: string): TraceCounters {
    if (this.ended || this.stopping) return this.counters();
    if (!this.obj.stopEvents()) return this.end(reason, message);
    this.stopping = this.obj
      .detachInBackground()
      .catch(() => undefined)
      .then(() => this.end(reason, message));
    return this.counters();
  }

  /** Told to stop, not ended yet (its links are going). */
  get isStopping(): boolean {
    return !!this.stopping && !this.ended;
  }

  /** Resolves once the session has ended (at once when it has). */
  get done(): Promise<TraceCounters> {
    return this.stopping ?? Promise.resolve(this.counters());
  }

  /** Drain what is left, detach everything, report the end. Synchronous (an exit path); idempotent. */
  end(reason: EndReason, message?: string): TraceCounters {
    if (this.ended) return this.counters();
    try {
      // Detach first: nothing is made after the last read, so what the
      // programs made is all delivered (or counted), none lost to the stop.
      this.obj.detach();
      this.poller?.drainLast();
      this.scopeWatch?.close();
      this.collect(true);
      this.counts.readFinal();
    } catch {
      /* ending anyway */
    }
    this.ended = true;
    this.scopeWatch?.close();
    this.counts.close();
    for (const t of this.timers) clearInterval(t);
    this.poller?.stop();
    this.obj.destroy();
    const counters = this.counters();
    this.onEnd(this.id);
    this.sink.ended({ sessionId: this.id, reason, message, ...counters });
    return counters;
  }
}
