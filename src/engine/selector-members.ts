/**
 * The containers a selector trace follows. The kernel's filter (the
 * scope_ns map) and the labels events are named by change together; a
 * container that is gone leaves the filter, and its label stays for events
 * still in the ring buffer.
 */
import type { BpfObject } from '../bpf/object';
import type { ContainerLabel } from '../protocol';
import type { SelectorMember } from './resolve';

/** Containers one selector trace holds at once (CT_MAX_SCOPE_NS in bpf/types.h). */
export const SCOPE_NS_MAX = 1024;

export class SelectorMembers {
  private readonly members = new Map<number, SelectorMember>();
  private rematching = false;

  constructor(
    private readonly obj: BpfObject,
    /** The trace's labels by PID namespace (its decode context's). */
    private readonly labels: Map<number, ContainerLabel>,
  ) {}

  /** The containers now traced. */
  get matched(): SelectorMember[] {
    return [...this.members.values()];
  }

  has(pidns: number): boolean {
    return this.members.has(pidns);
  }

  /** Trace exactly these containers from now on (at most SCOPE_NS_MAX). */
  set(now: SelectorMember[]): { joined: SelectorMember[]; left: SelectorMember[] } {
    const next = new Map(now.map((m) => [m.pidns, m]));
    const joined = now.filter((m) => !this.members.has(m.pidns));
    const left = [...this.members.values()].filter((m) => !next.has(m.pidns));
    for (const m of joined) {
      if (this.members.size >= SCOPE_NS_MAX) break;
      this.labels.set(m.pidns, m.label);
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
      const { joined, left } = this.set(await match());
      if (!running()) return;
      changed(joined, left, joined.filter((m) => this.members.has(m.pidns)));
    } catch {
      /* a runtime did not answer this time: keep the members */
    } finally {
      this.rematching = false;
    }
  }
}
