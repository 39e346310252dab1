/**
 * One running trace: a loaded BPF object filtered to a container (and maybe
 * one process or thread), its ring buffer polled with bounded work per tick,
 * events decoded and handed over in batches, counters, and the end.
 */
import * as path from 'node:path';
import { BpfObject } from '../bpf/object';
import { RingBufferReader } from '../bpf/ringbuf';
import { filterRecords } from '../protocol/records';
import { gadgets, WallClock, type DecodeContext } from '../gadgets';
import type { EndReason, PidnsMember, RecordsInfo, TraceCounters, TraceEndedParams, TraceEvent, TraceStatsParams } from '../protocol';
import { bpfObjectDir, tracepointExists } from './system';
import { namespaceInode as pidNamespaceOf } from '../proc/ns';
import { containerLabel, type ResolvedTrace, type SelectorMember } from './resolve';

/** Where a session's output goes (the helper's connection, the CLI's stdout). */
export interface SessionSink {
  /** Kinds read from maps: decoded reports. `bytes`: an upper estimate of the batch once encoded (what backlog() counts). */
  events(sessionId: string, batch: TraceEvent[], bytes: number): void;
  /** Ring-buffer kinds: raw records as the ring holds them (src/protocol/records.ts), `count` events; decoded by the receiver. `data` is reused after the call returns: copy what is kept. */
  records(sessionId: string, data: Buffer, count: number): void;
  stats(stats: TraceStatsParams): void;
  ended(ended: TraceEndedParams): void;
  /** Selector traces: containers that joined, before any of their records. */
  members?(sessionId: string, joined: PidnsMember[]): void;
  /** Bytes handed over but not yet written out to the client; batches are dropped (and counted) above maxQueuedBytes. */
  backlog?(): number;
}

export interface SessionLimits {
  /** Raw record bytes per batch (ring-buffer kinds). */
  maxBatchBytes: number;
  /** Encoded bytes queued to the client before further batches are dropped (and counted). */
  maxQueuedBytes: number;
  /** Records consumed per poll tick before yielding to the event loop. */
  maxRecordsPerTick: number;
  pollIntervalMs: number;
  statsIntervalMs: number;
  watchIntervalMs: number;
  /** How often a selector trace looks for containers that started or stopped. */
  selectorIntervalMs: number;
}

export const DEFAULT_LIMITS: SessionLimits = {
  maxBatchBytes: 256 << 10,
  maxQueuedBytes: 32 << 20,
  maxRecordsPerTick: 16384,
  pollIntervalMs: 20,
  statsIntervalMs: 1000,
  watchIntervalMs: 250,
  selectorIntervalMs: 1000,
};

/** Containers one selector trace holds at once (CT_MAX_SCOPE_NS in bpf/types.h). */
export const SCOPE_NS_MAX = 1024;

/** JSON of an event: its fixed fields, names and a container label. */
const EVENT_OVERHEAD = 512;
/** A record batch once sent: base64 (4/3) and the notification around it. */
const encodedRecords = (bytes: number) => Math.ceil(bytes / 3) * 4 + 128;

// Indexes of the per-CPU stats map (bpf/types.h enum ct_stat).
const STAT_RB_FULL = 0;
const STAT_PENDING_FULL = 1;
const STAT_FOLLOW_FULL = 2;

let cpuCount: number | undefined;

export class TraceSession {
  private readonly obj: BpfObject;
  private readonly reader: RingBufferReader;
  private readonly ctx: DecodeContext;
  private batch: TraceEvent[] = [];
  private received = 0;
  private droppedTransport = 0;
  private lastStatsReceived = 0;
  private lastStatsAt = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private pollTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private ended = false;
  /** Ring buffer bytes this session holds in the kernel. */
  readonly ringBytes: number;

  constructor(
    readonly id: string,
    readonly trace: ResolvedTrace,
    private readonly sink: SessionSink,
    private readonly limits: SessionLimits,
    private readonly onEnd: (id: string) => void,
  ) {
    const gadget = gadgets[trace.gadget];
    this.ringBytes = gadget.source.maps ? 64 << 10 : trace.bufferBytes;
    this.ctx = {
      container: containerLabel(trace.container),
      byPidns: trace.selector ? new Map() : undefined,
      clock: new WallClock(),
      uprobe: trace.uprobe && { path: trace.uprobe.path, function: trace.uprobe.function },
    };
    // Programs whose tracepoint this kernel lacks are left out (open(2) on arm64).
    const skip = [
      ...(trace.skipPrograms ?? []),
      ...(gadget.optional ?? []).filter((o) => !tracepointExists(o.tracepoint)).map((o) => o.program),
    ];
    this.obj = BpfObject.load(path.join(bpfObjectDir(), gadget.object), {
      rodata: trace.knobs,
      // Kinds that report from maps need almost no ring buffer.
      maxEntries: { events: this.ringBytes },
      skip,
    });
    try {
      this.follow(trace.followSeed);
      if (trace.selector) this.setMembers(trace.selector.members);
      if (gadget.attach) {
        // The kernel filters by PID where one process is traced; otherwise
        // every process mapping the file fires and the BPF scope filter decides.
        const pid = trace.target && !trace.follow ? trace.target.hostPid : -1;
        gadget.attach.run(this.obj, { pid, uprobe: trace.uprobe });
      }
      this.obj.attachAll(gadget.attach?.programs);
      this.reader = new RingBufferReader(this.obj.mapFd('events'), this.obj.mapMaxEntries('events'));
    } catch (err) {
      this.obj.destroy();
      throw err;
    } finally {
      trace.uprobe?.pinned.close(); // attached (by inode) or failed: the descriptor is done
    }
    cpuCount ??= Math.max(1, (require('../bpf/native') as typeof import('../bpf/native')).lib().numPossibleCpus());
    this.schedulePoll(this.limits.pollIntervalMs);
    this.timers.push(setInterval(() => this.sendStats(), this.limits.statsIntervalMs));
    this.timers.push(setInterval(() => this.watch(), this.limits.watchIntervalMs));
    if (gadget.source.maps) this.timers.push(setInterval(() => this.collect(), trace.intervalMs));
    if (trace.selector) this.timers.push(setInterval(() => void this.rematch(), this.limits.selectorIntervalMs));
  }

  private members = new Map<number, SelectorMember>();
  private rematching = false;

  /** Selector traces: the containers now traced. */
  get matched(): SelectorMember[] {
    return [...this.members.values()];
  }

  /**
   * Selector traces: trace exactly these containers from now on. The kernel
   * filter (scope_ns) and the event labels change together; a container that
   * is gone leaves both.
   */
  setMembers(now: SelectorMember[]): { joined: SelectorMember[]; left: SelectorMember[] } {
    const next = new Map(now.map((m) => [m.pidns, m]));
    const joined = now.filter((m) => !this.members.has(m.pidns));
    const left = [...this.members.values()].filter((m) => !next.has(m.pidns));
    for (const m of joined) {
      if (this.members.size >= SCOPE_NS_MAX) break;
      this.ctx.byPidns!.set(m.pidns, m.label);
      this.obj.addU32Key('scope_ns', m.pidns);
      this.members.set(m.pidns, m);
    }
    for (const m of left) {
      this.obj.deleteU32Key('scope_ns', m.pidns);
      this.members.delete(m.pidns);
      // The label stays for events still in the ring buffer.
    }
    return { joined, left };
  }

  private async rematch(): Promise<void> {
    if (this.rematching || this.ended || !this.trace.selector) return;
    this.rematching = true;
    try {
      const { joined, left } = this.setMembers(await this.trace.selector.rematch());
      if (this.ended) return;
      // Before any of their records: the receiver names events by these.
      const added = joined.filter((m) => this.members.has(m.pidns));
      if (added.length) this.sink.members?.(this.id, added.map((m) => ({ pidns: m.pidns, container: m.label })));
      if (joined.length || left.length) this.onMembers?.(joined, left);
    } catch {
      /* a runtime did not answer this time: keep the members */
    } finally {
      this.rematching = false;
    }
  }

  /** How a receiver decodes this trace's records (ring-buffer kinds). */
  recordsInfo(): RecordsInfo | undefined {
    if (!gadgets[this.trace.gadget].source.ring) return undefined;
    return {
      container: this.ctx.container,
      members: this.trace.selector ? this.matched.map((m) => ({ pidns: m.pidns, container: m.label })) : undefined,
      uprobe: this.ctx.uprobe,
    };
  }

  /** Told when containers join or leave a selector trace. */
  onMembers?: (joined: SelectorMember[], left: SelectorMember[]) => void;

  private lastCollect = Date.now();

  /** Reports read from maps (syscalls), delivered like ring buffer events. */
  private collect(): void {
    const collect = gadgets[this.trace.gadget].source.maps;
    if (!collect) return;
    const now = Date.now();
    const intervalMs = now - this.lastCollect; // the last report covers less
    this.lastCollect = now;
    for (const e of collect(this.obj, this.ctx, { intervalMs, top: this.trace.top })) this.batch.push(e as TraceEvent);
    this.flush();
  }

  /** Add processes forked between the scan and the attach (follow scope). */
  follow(hostPids: number[]): void {
    // The map holds CT_MAX_FOLLOWED tasks: what does not fit is counted, not lost silently.
    for (const h of hostPids) if (!this.obj.addU32Key('followed', h)) this.unfollowedSeed++;
  }

  private unfollowedSeed = 0;

  private schedulePoll(delay: number): void {
    if (this.ended) return;
    this.pollTimer = delay === 0 ? setImmediate(() => this.poll()) : setTimeout(() => this.poll(), delay);
  }

  private poll(): void {
    const handed = this.drain(this.limits.maxRecordsPerTick);
    // A full tick means more is waiting: go again right after other I/O.
    this.schedulePoll(handed >= this.limits.maxRecordsPerTick ? 0 : this.limits.pollIntervalMs);
  }

  /**
   * Hand up to `max` records over as raw batches (no decoding here: the
   * receiver decodes). A batch the client has no room for is dropped whole
   * and counted.
   */
  private drain(max: number): number {
    if (!gadgets[this.trace.gadget].source.ring) return 0; // reports come from maps (collect)
    let handed = 0;
    while (handed < max) {
      const taken = this.reader.take(max - handed, this.limits.maxBatchBytes);
      if (!taken) break;
      handed += taken.count;
      if (!taken.count) continue; // discarded records only
      let batch: { data: Buffer; count: number } | undefined = taken;
      const backlog = this.sink.backlog?.() ?? 0;
      if (backlog + encodedRecords(batch.data.length) > (this.limits.maxQueuedBytes * 3) / 4) {
        // The client is falling behind: failures first (as the kernel keeps them), the rest give way.
        const failed = gadgets[this.trace.gadget].failedRecord;
        batch = failed ? filterRecords(taken.data, failed) : undefined;
        if (batch && backlog + encodedRecords(batch.data.length) > this.limits.maxQueuedBytes) batch = undefined;
      }
      this.droppedTransport += taken.count - (batch?.count ?? 0);
      if (!batch) continue;
      this.received += batch.count;
      this.sink.records(this.id, batch.data, batch.count);
    }
    return handed;
  }

  private flush(): void {
    if (!this.batch.length) return;
    const batch = this.batch;
    const bytes = batch.length * EVENT_OVERHEAD;
    this.batch = [];
    if ((this.sink.backlog?.() ?? 0) + bytes > this.limits.maxQueuedBytes) {
      this.droppedTransport += batch.length;
      return;
    }
    this.received += batch.length;
    this.sink.events(this.id, batch, bytes);
  }

  counters(): TraceCounters {
    const kernel = this.ended ? this.finalKernel : this.kernelDrops();
    const droppedKernel = Number(kernel.rbFull);
    return {
      received: this.received,
      droppedKernel,
      droppedTransport: this.droppedTransport,
      dropped: droppedKernel + Number(kernel.pendingFull) + this.droppedTransport,
      ...(this.trace.follow ? { unfollowed: Number(kernel.followFull) + this.unfollowedSeed } : {}),
    };
  }

  private finalKernel = { rbFull: 0n, pendingFull: 0n, followFull: 0n };

  private kernelDrops() {
    return {
      rbFull: this.obj.percpuSum('stats', STAT_RB_FULL, cpuCount!),
      pendingFull: this.obj.percpuSum('stats', STAT_PENDING_FULL, cpuCount!),
      followFull: this.obj.percpuSum('stats', STAT_FOLLOW_FULL, cpuCount!),
    };
  }

  private sendStats(): void {
    const now = Date.now();
    const c = this.counters();
    const rate = ((c.received - this.lastStatsReceived) * 1000) / Math.max(1, now - this.lastStatsAt);
    this.lastStatsReceived = c.received;
    this.lastStatsAt = now;
    this.sink.stats({ sessionId: this.id, ...c, rate: Math.round(rate) });
  }

  /** Ends the session when the container (or the traced process) is gone. */
  private watch(): void {
    if (this.trace.selector) return; // containers come and go: see rematch
    const { container, target, pidns } = this.trace;
    if (pidNamespaceOf(container.hostPid) !== pidns) {
      this.end('container-exited', `container ${container.name} exited`);
    } else if (target && !this.trace.follow) {
      const hostTask = target.hostTid ?? target.hostPid;
      if (pidNamespaceOf(hostTask) !== pidns) {
        const what = target.tid !== undefined ? `thread ${target.tid}` : `process ${target.pid}`;
        this.end('process-exited', `${what} (${target.comm}) in container ${container.name} exited`);
      }
    }
  }

  /** Drain what is left, detach everything, report the end. Idempotent. */
  end(reason: EndReason, message?: string): TraceCounters {
    if (this.ended) return this.counters();
    try {
      // Detach first: nothing is made after the last read, so what the
      // programs made is all delivered (or counted), none lost to the stop.
      this.obj.detach();
      this.drain(this.reader.size / 8); // at most one buffer's worth
      this.collect();
      this.finalKernel = this.kernelDrops();
    } catch {
      /* ending anyway */
    }
    this.ended = true;
    for (const t of this.timers) clearInterval(t);
    if (this.pollTimer) {
      clearTimeout(this.pollTimer as NodeJS.Timeout);
      clearImmediate(this.pollTimer as NodeJS.Immediate);
    }
    this.reader.close();
    this.obj.destroy();
    const counters = this.counters();
    this.onEnd(this.id);
    this.sink.ended({ sessionId: this.id, reason, message, ...counters });
    return counters;
  }
}
