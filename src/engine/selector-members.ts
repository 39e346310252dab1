/**
 * The containers a selector trace follows. The kernel's filter (the
 * scope_ns map) and the labels events are named by change together; a
 * container that is gone leaves the filter, and its label stays for events
 * still in the ring buffer. Containers found from their first task
 * (./scope-watch) join before their runtime calls them running: they stay
 * while their PID namespace lives, whatever a listing says meanwhile.
 */
import type { BpfObject } from '../bpf/object';
import type { ContainerLabel } from '../protocol';
import { namespaceInode } from '../proc/ns';
import type { SelectorMember } from './resolve';

/** Containers one selector trace holds at once (CT_MAX_SCOPE_NS in bpf/types.h). */
export const SCOPE_NS_MAX = 1024;

/** struct ct_scope (bpf/types.h): state, then the pending event count. */
export const SCOPE_MEMBER = 1;
export const SCOPE_PENDING = 2;
export const SCOPE_VALUE_SIZE = 8;
/** Events the kernel lets through per pending namespace (targ_held_max) before it drops and counts the rest. */
export const HELD_MAX_EVENTS = 4096;

const memberValue = (): Buffer => {
  const v = Buffer.alloc(SCOPE_VALUE_SIZE);
  v.writeUInt32LE(SCOPE_MEMBER, 0);
  return v;
};

export class SelectorMembers {
  private readonly members = new Map<number, SelectorMember>();
  /** Joined from their first task, not yet seen running in a listing. */
  private readonly early = new Set<number>();
  private rematching = false;

  constructor(
    private readonly obj: BpfObject,
    /** The trace's labels by PID namespace (its decode context's). */
    private readonly labels: Map<number, ContainerLabel>,
    /** Whether a PID namespace still has its first task (a member found early stays while it does). */
    private readonly alive: (m: SelectorMember) => boolean = (m) => namespaceInode(m.container.hostPid) === m.pidns,
  ) {}

  /** The containers now traced. */
  get matched(): SelectorMember[] {
    return [...this.members.values()];
  }

  has(pidns: number): boolean {
    return this.members.has(pidns);
  }

  /**
   * A member's PID namespace is gone and its inode taken by a new one (the
   * kernel made it pending at its first task): the member goes, its entry
   * stays (the new namespace's, pending), its label too (for what of it is
   * still in the ring buffer) until the new one is decided.
   */
  forget(pidns: number): SelectorMember | undefined {
    const m = this.members.get(pidns);
    this.members.delete(pidns);
    this.early.delete(pidns);
    return m;
  }

  get size(): number {
    return this.members.size;
  }

  /** One container in (a namespace the kernel holds pending becomes a member); false when the trace holds SCOPE_NS_MAX already. */
  add(m: SelectorMember, early = false): boolean {
    if (this.members.has(m.pidns)) return true;
    if (this.members.size >= SCOPE_NS_MAX) return false;
    this.labels.set(m.pidns, m.label);
    if (!this.obj.putU32Key('scope_ns', m.pidns, memberValue())) return false;
    this.members.set(m.pidns, m);
    if (early) this.early.add(m.pidns);
    return true;
  }

  /** Trace exactly these containers from now on (at most SCOPE_NS_MAX), and those that joined early and still live. */
  set(now: SelectorMember[]): { joined: SelectorMember[]; left: SelectorMember[] } {
    const next = new Map(now.map((m) => [m.pidns, m]));
    const joined = now.filter((m) => !this.members.has(m.pidns));
    for (const m of now) this.early.delete(m.pidns); // listed running: an ordinary member now
    const left = [...this.members.values()].filter((m) => !next.has(m.pidns) && !(this.early.has(m.pidns) && this.alive(m)));
    for (const m of joined) if (!this.add(m)) break;
    for (const m of left) {
      this.obj.deleteU32Key('scope_ns', m.pidns);
      this.members.delete(m.pidns);
      this.early.delete(m.pidns);
      // The label stays for events still in the ring buffer.
    }
    return { joined, left };
  }

  /**
   * Match again and trace what matches; `changed` hears of it while the
   * trace still runs, with the joined containers that were taken in. One
   * match at a time; a runtime that does not answer leaves the members.
   */
  async rematch(
    match: () => Promise<SelectorMember[]>,
    running: () => boolean,
    changed: (joined: SelectorMember[], left: SelectorMember[], added: SelectorMember[]) => void,
  ): Promise<void> {
    if (this.rematching) return;
    this.rematching = true;
    try {
      const found = await match();
      if (!running()) return;
      const { joined, left } = this.set(found);
      changed(joined, left, joined.filter((m) => this.members.has(m.pidns)));
    } catch {
      /* a runtime did not answer this time: keep the members */
    } finally {
      this.rematching = false;
    }
  }
}
