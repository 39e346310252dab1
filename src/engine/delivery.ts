/**
 * Where a session's output goes (the helper's connection, the CLI's stdout)
 * and how much may wait there. Ring spans and map reports are handed over in
 * batches; when the client falls behind, a ring span keeps its failures
 * (as the kernel keeps them at three quarters full) and the rest give way:
 * whole batches are dropped and counted, never queued without bound.
 */
import { filterRecords } from '../protocol/records';
import { RECORD_FRAME_OVERHEAD } from '../protocol/framing';
import type { PidnsMember, RecordStacks, TraceEndedParams, TraceEvent, TraceStatsParams } from '../protocol';
import type { BatchStacks } from './stacks';
import type { SessionCounters } from './counters';

export interface SessionSink {
  /** Kinds read from maps: decoded reports. `bytes`: an upper estimate of the batch once encoded (what backlog() counts). */
  events(sessionId: string, batch: TraceEvent[], bytes: number): void;
  /**
   * Ring-buffer kinds: raw records as the ring holds them (src/protocol/records.ts), `count` events; decoded by the receiver.
   * `data` is reused after the call returns: copy what is kept. false: the batch could not be sent (a frame past the
   * protocol's bound), and is counted as dropped.
   */
  records(sessionId: string, data: Buffer, count: number, stacks?: RecordStacks): boolean | void;
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
  maxQueuedBytes: 16 << 20,
  maxRecordsPerTick: 16384,
  pollIntervalMs: 20,
  statsIntervalMs: 1000,
  watchIntervalMs: 250,
  selectorIntervalMs: 1000,
};

/** JSON of an event: its fixed fields, names and a container label. */
const EVENT_OVERHEAD = 512;
/** A record batch once sent: its bytes in a binary frame (stacks, when any, not counted). */
const encodedRecords = (bytes: number) => bytes + RECORD_FRAME_OVERHEAD;

/** Whether a raw record reports a failure (the kind's test on its bytes). */
export type FailedRecord = (dv: DataView, at: number, len: number) => boolean;

export class Delivery {
  /** Where a batch's failures are gathered while the client is behind (reused). */
  private kept: Buffer | undefined;

  constructor(
    private readonly id: string,
    private readonly sink: SessionSink,
    private readonly limits: SessionLimits,
    private readonly counters: SessionCounters,
    private readonly failedRecord: FailedRecord | undefined,
    /** --stack: finds what the records' stacks name (./stacks). */
    private readonly stacks?: BatchStacks,
  ) {}

  /** A span taken from the ring, as it lies (nothing is decoded on this side). */
  records(taken: { data: Buffer; count: number }): void {
    let batch: { data: Buffer; count: number } | undefined = taken;
    const backlog = this.sink.backlog?.() ?? 0;
    if (backlog + encodedRecords(batch.data.length) > (this.limits.maxQueuedBytes * 3) / 4) {
      // The client is falling behind: failures first (as the kernel keeps them), the rest give way.
      // Into a buffer of this delivery's own: the sink copies what it keeps before returning.
      batch = this.failedRecord ? filterRecords(taken.data, this.failedRecord, (this.kept ??= Buffer.allocUnsafeSlow(this.limits.maxBatchBytes))) : undefined;
      if (batch && backlog + encodedRecords(batch.data.length) > this.limits.maxQueuedBytes) batch = undefined;
    }
    if (batch && this.sink.records(this.id, batch.data, batch.count, this.stacks?.find(batch.data)) === false) batch = undefined;
    this.counters.droppedTransport += taken.count - (batch?.count ?? 0);
    if (batch) this.counters.received += batch.count;
  }

  /** Reports read from maps, as one batch (dropped whole when the client has no room). */
  events(batch: TraceEvent[]): void {
    if (!batch.length) return;
    const bytes = batch.length * EVENT_OVERHEAD;
    if ((this.sink.backlog?.() ?? 0) + bytes > this.limits.maxQueuedBytes) {
      this.counters.droppedTransport += batch.length;
      return;
    }
    this.counters.received += batch.length;
    this.sink.events(this.id, batch, bytes);
  }
}
