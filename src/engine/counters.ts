/**
 * A trace's counters: what reached the client and what the transport
 * dropped (counted by the delivery), what the kernel could not queue (the
 * per-CPU `stats` map) and, following descendants, the processes that did
 * not fit the follow map; selector traces, what became of the PID
 * namespaces made while they ran (./scope-watch). The kernel's counts are
 * read a last time at the end, before the object (and its maps) go.
 */
import type { BpfObject } from '../bpf/object';
import type { TraceCounters, TraceStatsParams } from '../protocol';

// Indexes of the per-CPU stats map (bpf/types.h enum ct_stat).
const STAT_RB_FULL = 0;
const STAT_PENDING_FULL = 1;
const STAT_FOLLOW_FULL = 2;
const STAT_UNWATCHED = 3;
const STAT_STACK_LOST = 4;

interface KernelDrops {
  rbFull: bigint;
  pendingFull: bigint;
  followFull: bigint;
  unwatched: bigint;
  stackLost: bigint;
}

const NO_DROPS: KernelDrops = { rbFull: 0n, pendingFull: 0n, followFull: 0n, unwatched: 0n, stackLost: 0n };

let cpuCount: number | undefined;

export class SessionCounters {
  /** Events handed to the client. */
  received = 0;
  /** Events dropped because the client read too slowly. */
  droppedTransport = 0;
  /** Followed processes the follow map had no room for when they were added. */
  unfollowedSeed = 0;
  /** Selector traces: events of containers that joined from their start, lost while held. */
  droppedHeld = 0;
  /** Selector traces: new PID namespaces found not to be the selector's, and their events. */
  notMatched = 0;
  notMatchedEvents = 0;
  private final = NO_DROPS;
  private closed = false;
  private lastStatsReceived = 0;
  private lastStatsAt = Date.now();

  constructor(
    private readonly obj: BpfObject,
    private readonly follow: boolean,
    private readonly selector = false,
    private readonly stacks = false,
  ) {
    cpuCount ??= Math.max(1, (require('../bpf/native') as typeof import('../bpf/native')).lib().numPossibleCpus());
  }

  /** Now; or, once closed, as they were last read. */
  counters(): TraceCounters {
    const kernel = this.closed ? this.final : this.kernelDrops();
    const droppedKernel = Number(kernel.rbFull);
    return {
      received: this.received,
      droppedKernel,
      droppedTransport: this.droppedTransport,
      dropped: droppedKernel + Number(kernel.pendingFull) + this.droppedTransport + this.droppedHeld,
      ...(this.follow ? { unfollowed: Number(kernel.followFull) + this.unfollowedSeed } : {}),
      ...(this.selector
        ? { droppedHeld: this.droppedHeld, unwatched: Number(kernel.unwatched), notMatched: this.notMatched, notMatchedEvents: this.notMatchedEvents }
        : {}),
      ...(this.stacks ? { stacksLost: Number(kernel.stackLost) } : {}),
    };
  }

  /** The kernel's counts, read a last time before the object (and its maps) go. */
  readFinal(): void {
    this.final = this.kernelDrops();
  }

  /** The object is gone: the counters stay as they were last read. */
  close(): void {
    this.closed = true;
  }

  /** The counters with the rate since the last call. */
  stats(sessionId: string): TraceStatsParams {
    const now = Date.now();
    const c = this.counters();
    const rate = ((c.received - this.lastStatsReceived) * 1000) / Math.max(1, now - this.lastStatsAt);
    this.lastStatsReceived = c.received;
    this.lastStatsAt = now;
    return { sessionId, ...c, rate: Math.round(rate) };
  }

  private kernelDrops(): KernelDrops {
    return {
      rbFull: this.obj.percpuSum('stats', STAT_RB_FULL, cpuCount!),
      pendingFull: this.obj.percpuSum('stats', STAT_PENDING_FULL, cpuCount!),
      followFull: this.obj.percpuSum('stats', STAT_FOLLOW_FULL, cpuCount!),
      unwatched: this.selector ? this.obj.percpuSum('stats', STAT_UNWATCHED, cpuCount!) : 0n,
      stackLost: this.stacks ? this.obj.percpuSum('stats', STAT_STACK_LOST, cpuCount!) : 0n,
    };
  }
}
