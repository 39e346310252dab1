/**
 * Selector traces from the first instruction. The kernel (ct_scope_fork,
 * bpf/common.h) puts each PID namespace made while the trace runs into
 * scope_ns as pending and says so on the scope_new queue; its events reach
 * the ring buffer (at most targ_held_max of them, the rest counted in its
 * entry). Here they are held, never delivered, until the namespace is
 * decided: its first task is read at once (./scope-identify), the runtimes
 * are asked whose container that is, and the container either matches the
 * selector — a member from its first exec on, its held events delivered
 * first — or it does not (or none is found in time), and its namespace
 * leaves the map with its events unreported. Bounded: the kernel's queue
 * and map (CT_MAX_SCOPE_PENDING), events and bytes held per namespace and
 * in all; what does not fit is counted.
 */
import type { BpfObject } from '../bpf/object';
import type { ContainerInfo } from '../runtime';
import { selectorFieldsMatch } from '../runtime';
import { RECORD_BUSY_BIT, RECORD_DISCARD_BIT, RECORD_HEADER, recordSpan } from '../protocol/records';
import type { ContainerSelector } from '../protocol';
import { HDR_LAYOUT } from '../kinds/shared/decode';
import { readIdMap } from '../proc/idmap';
import type { SessionCounters } from './counters';
import { containerLabel, type SelectorMember } from './resolve';
import { HELD_MAX_EVENTS, SCOPE_PENDING, SCOPE_VALUE_SIZE, type SelectorMembers } from './selector-members';
import { firstTaskLives, identify, readFirstTask, type FirstTask } from './scope-identify';

/** struct ct_ids.pidns in every record (struct ct_hdr at the record's start). */
const PIDNS_AT = HDR_LAYOUT.ids + 16;
/** struct ct_scope_new (bpf/types.h). */
const SCOPE_NEW_SIZE = 16;
/** Bytes held per pending namespace, and for all of a trace's together. */
const HELD_MAX_BYTES = 4 << 20;
const HELD_TOTAL_BYTES = 16 << 20;
/** A namespace no runtime has named by then is not the selector's. */
const DECIDE_WITHIN_MS = 5000;
/** How soon the runtimes are asked again while a namespace is undecided: soon at first, then less often. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 1000;
/**
 * A dropped namespace's records are dropped while it lives (a socket it
 * opened may still report through its recorded owner) and this long after
 * (a syscall begun before), for at most this many namespaces.
 */
const DISCARD_MS = 10_000;
const MAX_DISCARDED = 4096;
/** How often dropped namespaces are looked at (whether they still live). */
const DISCARD_CHECK_MS = 1000;

interface Pending {
  task: FirstTask;
  seen: number;
  spans: Buffer[];
  count: number;
  bytes: number;
  /** Held past the bounds here. */
  dropped: number;
  /** Let through no more by the kernel (its entry's count past targ_held_max), as last read. */
  excess: number;
}

export interface ScopeWatchDeps {
  obj: BpfObject;
  members: SelectorMembers;
  selector: ContainerSelector;
  counters: SessionCounters;
  /** Every container of every runtime, stopped ones too. */
  list: () => Promise<ContainerInfo[]>;
  /** Where records go (the session's delivery). */
  deliver: (span: { data: Buffer; count: number }) => void;
  /** A container joined from its first task: say so (its label) before its records. */
  joined: (m: SelectorMember) => void;
  log: (level: 'info' | 'debug' | 'warn', message: string) => void;
  maxBatchBytes: number;
  pollIntervalMs: number;
}

export class ScopeWatch {
  private readonly pending = new Map<number, Pending>();
  /** Dropped namespaces: their first task, and once it is gone, until when their late records are dropped too. */
  private readonly discard = new Map<number, { task: FirstTask; until?: number }>();
  private discardChecked = 0;
  private heldBytes = 0;
  private deciding = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly d: ScopeWatchDeps) {
    // New namespaces are heard of even while their events are still to come.
    this.timer = setInterval(() => this.poll(), d.pollIntervalMs);
  }

  /** Namespaces being decided now. */
  get undecided(): number {
    return this.pending.size;
  }

  /**
   * A span taken from the ring: what may be delivered now. Called after the
   * take, so every namespace whose records the span holds is on the queue
   * already (the kernel queues it before any of its events can be made).
   */
  records(taken: { data: Buffer; count: number }): { data: Buffer; count: number } | undefined {
    this.poll();
    if (!this.pending.size && !this.discard.size) return taken;
    const data = taken.data;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const runs: [number, number][] = [];
    let kept = 0;
    let keptBytes = 0;
    let changed = false;
    let at = 0;
    while (at + RECORD_HEADER <= data.length) {
      const header = dv.getUint32(at, true);
      if (header & RECORD_BUSY_BIT) break;
      const len = header & ~(RECORD_BUSY_BIT | RECORD_DISCARD_BIT);
      const span = recordSpan(len);
      if (at + RECORD_HEADER + len > data.length) break;
      let keep = true;
      if (!(header & RECORD_DISCARD_BIT) && len >= PIDNS_AT + 4) {
        const pidns = dv.getUint32(at + RECORD_HEADER + PIDNS_AT, true);
        const p = this.pending.get(pidns);
        if (p) {
          keep = false;
          this.hold(p, data.subarray(at, Math.min(data.length, at + span)));
        } else if (this.discard.has(pidns)) {
          keep = false;
          this.d.counters.notMatchedEvents++;
        }
        changed ||= !keep;
      }
      if (keep) {
        if (!(header & RECORD_DISCARD_BIT)) kept++;
        const last = runs[runs.length - 1];
        if (last && last[1] === at) last[1] = at + span;
        else runs.push([at, at + span]);
        keptBytes += span;
      }
      at += span;
    }
    if (!changed) return taken;
    if (!kept) return undefined;
    const out = Buffer.allocUnsafe(keptBytes);
    let to = 0;
    for (const [from, end] of runs) to += data.copy(out, to, from, Math.min(end, data.length));
    return { data: out.subarray(0, to), count: kept };
  }

  /** A pending namespace became a member through a listing (the rematch): its held events go out now. */
  settled(m: SelectorMember): void {
    const p = this.pending.get(m.pidns);
    if (p) this.release(p);
  }

  /** The trace ends: what is still undecided is not reported (counted as lost: it may have been the selector's). */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    let events = 0;
    for (const p of this.pending.values()) events += p.count + p.dropped;
    if (this.pending.size) this.d.log('debug', `${events} events of ${this.pending.size} containers still being identified at the end were not reported`);
    this.d.counters.droppedHeld += events;
    this.pending.clear();
    this.heldBytes = 0;
  }

  private hold(p: Pending, record: Buffer): void {
    if (p.count >= HELD_MAX_EVENTS || p.bytes + record.length > HELD_MAX_BYTES || this.heldBytes + record.length > HELD_TOTAL_BYTES) {
      p.dropped++;
      return;
    }
    p.spans.push(Buffer.from(record)); // the span's buffer is the reader's, reused
    p.count++;
    p.bytes += record.length;
    this.heldBytes += record.length;
  }

  /** New namespaces from the kernel's queue, each read at once. */
  private poll(): void {
    if (this.closed) return;
    if (this.discard.size && Date.now() - this.discardChecked > DISCARD_CHECK_MS) this.forgetDiscarded();
    let added = false;
    for (let i = 0; i < 256; i++) {
      const v = this.d.obj.pop('scope_new', SCOPE_NEW_SIZE);
      if (!v) break;
      const pidns = v.readUInt32LE(0);
      const hostPid = v.readUInt32LE(4);
      if (this.pending.has(pidns)) continue;
      // Queued for a member: the inode of a namespace that is gone, reused by a new one (bpf/common.h ct_scope_fork).
      const gone = this.d.members.forget(pidns);
      if (gone) this.d.log('debug', `PID namespace ${pidns} of ${gone.container.name} is gone; a new namespace has its inode: deciding it`);
      this.discard.delete(pidns);
      this.pending.set(pidns, { task: readFirstTask(pidns, hostPid), seen: Date.now(), spans: [], count: 0, bytes: 0, dropped: 0, excess: 0 });
      added = true;
    }
    if (added) void this.decide();
  }

  /** One round: the runtimes' containers, then each undecided namespace matched, dropped, or left for the next round. */
  private async decide(): Promise<void> {
    if (this.deciding || this.closed) return;
    this.deciding = true;
    try {
      let all: ContainerInfo[] | undefined;
      try {
        all = await this.d.list();
      } catch (err) {
        this.d.log('debug', `listing containers for new PID namespaces failed: ${(err as Error).message}`);
      }
      if (this.closed) return;
      const now = Date.now();
      for (const p of [...this.pending.values()]) {
        if (!this.pending.has(p.task.pidns)) continue; // settled meanwhile
        p.excess = Math.max(p.excess, this.kernelExcess(p.task.pidns));
        if (this.d.members.has(p.task.pidns)) {
          this.settleMember(p);
          continue;
        }
        // Not named yet: read it again (the runtime may have moved it into its cgroup since).
        if (all && !identify(p.task, all) && firstTaskLives(p.task)) p.task = readFirstTask(p.task.pidns, p.task.hostPid);
        const c = all && identify(p.task, all);
        if (c) {
          if (selectorFieldsMatch(c, this.d.selector)) this.accept(p, c);
          else this.reject(p, `${c.name} (${c.runtime}) is not the selector's`);
        } else if (now - p.seen > DECIDE_WITHIN_MS) {
          this.reject(p, 'no runtime lists its container');
        }
      }
    } finally {
      this.deciding = false;
      if (this.pending.size && !this.closed && !this.retry) {
        const oldest = Math.min(...[...this.pending.values()].map((p) => p.seen));
        const delay = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, (Date.now() - oldest) / 4));
        this.retry = setTimeout(() => {
          this.retry = undefined;
          void this.decide();
        }, delay);
      }
    }
  }

  private settleMember(p: Pending): void {
    if (this.d.members.has(p.task.pidns)) this.release(p);
  }

  private accept(p: Pending, c: ContainerInfo): void {
    const t = p.task;
    p.excess = Math.max(p.excess, this.kernelExcess(t.pidns)); // before the entry becomes a member's
    const member: SelectorMember = { pidns: t.pidns, container: { ...c, hostPid: t.hostPid }, label: containerLabel(c), ids: t.ids ?? readIdMap(t.hostPid) };
    if (!this.d.members.add(member, true)) {
      this.d.log('warn', `${c.name} matches, but the trace holds as many containers as it can: not traced`);
      this.reject(p, 'the trace is full', true);
      return;
    }
    this.d.log('debug', `PID namespace ${t.pidns} is ${c.name}'s: traced from its first task (host PID ${t.hostPid})`);
    this.d.joined(member);
    this.release(p);
  }

  /** Held events out (its label told first by the caller), then the namespace is an ordinary member. */
  private release(p: Pending): void {
    this.pending.delete(p.task.pidns);
    this.heldBytes -= p.bytes;
    this.d.counters.droppedHeld += p.dropped + Math.max(p.excess, this.kernelExcess(p.task.pidns));
    let batch: Buffer[] = [];
    let bytes = 0;
    let count = 0;
    const flush = () => {
      if (!count) return;
      this.d.deliver({ data: Buffer.concat(batch, bytes), count });
      batch = [];
      bytes = count = 0;
    };
    for (const span of p.spans) {
      if (bytes + span.length > this.d.maxBatchBytes) flush();
      batch.push(span);
      bytes += span.length;
      count++;
    }
    flush();
  }

  private reject(p: Pending, why: string, lost = false): void {
    const pidns = p.task.pidns;
    const excess = Math.max(p.excess, this.kernelExcess(pidns));
    // Unless it became a member meanwhile, its entry goes: nothing more of it is let through.
    if (!this.d.members.has(pidns)) this.d.obj.deleteU32Key('scope_ns', pidns);
    this.pending.delete(pidns);
    this.heldBytes -= p.bytes;
    if (this.discard.size >= MAX_DISCARDED) this.discard.delete(this.discard.keys().next().value as number);
    this.discard.set(pidns, { task: p.task });
    const events = p.count + p.dropped + excess;
    if (lost) this.d.counters.droppedHeld += events;
    else {
      this.d.counters.notMatched++;
      this.d.counters.notMatchedEvents += events;
    }
    this.d.log('debug', `PID namespace ${pidns} (host PID ${p.task.hostPid}) is not traced: ${why}; ${events} events not reported`);
  }

  /** Events the kernel let through no more of (past targ_held_max), from the namespace's entry. */
  private kernelExcess(pidns: number): number {
    const v = this.d.obj.lookupU32Key('scope_ns', pidns, SCOPE_VALUE_SIZE);
    if (!v || v.readUInt32LE(0) !== SCOPE_PENDING) return 0;
    return Math.max(0, v.readUInt32LE(4) - HELD_MAX_EVENTS);
  }

  private forgetDiscarded(): void {
    const now = (this.discardChecked = Date.now());
    for (const [pidns, d] of this.discard) {
      if (d.until === undefined) {
        if (!firstTaskLives(d.task)) d.until = now + DISCARD_MS;
      } else if (d.until < now) this.discard.delete(pidns);
    }
  }
}
