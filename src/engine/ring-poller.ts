/**
 * A trace's ring buffer polled with bounded work: at most maxRecordsPerTick
 * records a tick, handed to the delivery as spans; a full tick means more
 * is waiting, so the next one runs right after other I/O, else after the
 * poll interval. A tick ends when it has caught up with what the programs
 * committed, so that a flood is read in whole batches, not in the short
 * spans written while the previous one was being handed over.
 */
import type { RingBufferReader } from '../bpf/ringbuf';
import type { Delivery, SessionLimits } from './delivery';

export class RingPoller {
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(
    private readonly reader: RingBufferReader,
    /** The delivery, or what stands before it (a selector's gate). */
    private readonly delivery: Pick<Delivery, 'records'>,
    private readonly limits: SessionLimits,
  ) {
    this.schedule(limits.pollIntervalMs);
  }

  /** What is left after the programs are detached: at most one buffer's worth. */
  drainLast(): void {
    this.drain(this.reader.size / 8);
  }

  /** No more polls; the ring is unmapped. */
  stop(): void {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.reader.close();
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = delay === 0 ? setImmediate(() => this.poll()) : setTimeout(() => this.poll(), delay);
  }

  private poll(): void {
    const handed = this.drain(this.limits.maxRecordsPerTick);
    this.schedule(handed >= this.limits.maxRecordsPerTick ? 0 : this.limits.pollIntervalMs);
  }

  /** Up to `max` records, as spans of the ring. */
  private drain(max: number): number {
    let handed = 0;
    while (handed < max) {
      const taken = this.reader.take(max - handed, this.limits.maxBatchBytes);
      if (!taken) break;
      handed += taken.count;
      if (taken.count) this.delivery.records(taken); // else discarded records only
      // Caught up with the programs: taking again now would get the few records written meanwhile,
      // a frame each (under a flood most frames were such short spans). They wait for the next poll.
      if (taken.caughtUp) break;
    }
    return handed;
  }
}
