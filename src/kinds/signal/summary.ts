/**
 * signal: signals by sender → target — one row per signal, sending process
 * and target process (how many sent, delivered, how, with what result),
 * the fatal ones first: a delivered signal that ends its target. A
 * delivery is matched to the latest send of that signal to that process; a
 * send the trace did not see (before it, or outside its scope) leaves the
 * sender unknown. The container runtime's are rows of their own. Bounded.
 */
import type { SignalEvent } from '../../protocol';
import type { Panel, Summary, TableRow } from '../../webview/panels';

const MAX_PAIRS = 1000;
const SHOWN = 500;
const MAX_NAMES = 4096;

interface Pair {
  sig: string;
  sender?: { pid: number; hostPid: number; comm: string; outside: boolean };
  targetPid: number;
  targetHostPid: number;
  sent: number;
  delivered: number;
  fatal: boolean;
  codes: Set<string>;
  results: Map<string, number>;
  runtime?: true;
  events: number;
}

const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

export class SignalPairs implements Summary<SignalEvent> {
  private readonly pairs = new Map<string, Pair>();
  /** `sig target-host-pid` → the pair of its latest send (what a delivery belongs to). */
  private readonly lastSend = new Map<string, string>();
  /** Host PID → comm, from every event seen (a target's name comes from its own events). */
  private readonly names = new Map<number, string>();
  private others = 0;

  add(events: readonly SignalEvent[]): void {
    for (const e of events) {
      if (e.hostPid) this.name(e.hostPid, e.comm);
      if (e.phase === 'generated') {
        const key = `${e.runtime ? 'runtime ' : ''}${e.sig} ${e.hostPid} ${e.targetHostPid}`;
        const p = this.pair(key, e, e.targetPid, e.targetHostPid);
        if (!p) continue;
        p.sender = { pid: e.pid, hostPid: e.hostPid, comm: e.comm, outside: e.senderOutside };
        p.sent++;
        p.codes.add(e.code);
        count(p.results, e.result);
        this.lastSend.set(`${e.sig} ${e.targetHostPid}`, key);
        if (this.lastSend.size > MAX_PAIRS * 4) this.lastSend.clear();
        continue;
      }
      // delivered: pid/hostPid are the receiver's (each thread of a process a fatal signal ends).
      const key = this.lastSend.get(`${e.sig} ${e.hostPid}`) ?? `${e.runtime ? 'runtime ' : ''}${e.sig} ? ${e.hostPid}`;
      const p = this.pair(key, e, e.pid, e.hostPid);
      if (!p) continue;
      p.delivered++;
      p.fatal ||= e.fatal;
      count(p.results, e.fatal ? 'fatal' : e.result);
    }
  }

  private name(hostPid: number, comm: string): void {
    if (this.names.size >= MAX_NAMES && !this.names.has(hostPid)) this.names.clear();
    this.names.set(hostPid, comm);
  }

  private pair(key: string, e: SignalEvent, targetPid: number, targetHostPid: number): Pair | undefined {
    let p = this.pairs.get(key);
    if (!p) {
      if (this.pairs.size >= MAX_PAIRS) {
        this.others++;
        return undefined;
      }
      p = { sig: e.sig, targetPid, targetHostPid, sent: 0, delivered: 0, fatal: false, codes: new Set(), results: new Map(), runtime: e.runtime, events: 0 };
      this.pairs.set(key, p);
    }
    p.events++;
    return p;
  }

  panels(): Panel[] {
    const all = [...this.pairs.entries()].sort(([, a], [, b]) => Number(b.fatal) - Number(a.fatal) || b.sent + b.delivered - (a.sent + a.delivered));
    const rows: TableRow[] = all.slice(0, SHOWN).map(([key, p]) => {
      const s = p.sender;
      const sender = !s ? 'not seen sending' : s.pid ? s.comm : `${s.comm} (host ${s.hostPid}${s.outside ? ', outside the scope' : ''})`;
      const target = (this.names.get(p.targetHostPid) ?? '') + (p.targetPid ? '' : ` (host ${p.targetHostPid}, outside the container)`);
      return {
        key,
        cells: [
          p.sig,
          s?.pid || null,
          sender,
          p.targetPid || null,
          target.trim() || '?',
          p.sent,
          p.delivered,
          p.fatal ? 'fatal' : '',
          [...p.codes].join(', '),
          [...p.results].map(([r, n]) => `${r} ×${n}`).join(', '),
        ],
        failed: p.fatal,
        hostPid: s?.hostPid || undefined,
        hostPids: [undefined, s?.hostPid || undefined, undefined, p.targetHostPid || undefined],
        runtime: p.runtime && p.events,
      };
    });
    return [
      {
        type: 'table',
        id: 'signals',
        title: 'Signals by sender → target (fatal first)',
        columns: [
          { label: 'Signal' },
          { label: 'PID', pid: true },
          { label: 'Sender', comm: true },
          { label: 'Target PID', pid: true },
          { label: 'Target', comm: true },
          { label: 'Sent', num: 'count' },
          { label: 'Delivered', num: 'count' },
          { label: 'Ends it' },
          { label: 'Code' },
          { label: 'Results', wide: true },
        ],
        rows,
        sortBy: -1,
        more: all.length - rows.length + this.others || undefined,
      },
    ];
  }
}
