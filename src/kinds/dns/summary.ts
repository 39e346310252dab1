/**
 * dns: lookups by name and type — one row per question (how many, how many
 * failed, the rcodes, p50/p99 latency, the servers asked, the answers
 * given, who asked), failures first. The raw exchanges are the Events tab.
 * Bounded: rows, and the servers and answers kept per row.
 */
import type { DnsEvent } from '../../protocol';
import type { Panel, Summary, TableRow } from '../../webview/panels';
import { Log2Histogram } from '../shared/rates';

const MAX_NAMES = 1000;
const SHOWN = 500;
const MAX_VALUES = 16;

interface Lookup {
  name: string;
  qtype: string;
  count: number;
  failures: number;
  rcodes: Map<string, number>;
  hist: Log2Histogram;
  max: number;
  servers: Set<string>;
  answers: Set<string>;
  pid: number;
  hostPid: number;
  comm: string;
  runtime?: true;
  events: number;
}

const addBounded = (s: Set<string>, v: string) => (s.size < MAX_VALUES || s.has(v) ? s.add(v) : s);

export class DnsNames implements Summary<DnsEvent> {
  private readonly byKey = new Map<string, Lookup>();
  private others = 0;

  add(events: readonly DnsEvent[]): void {
    for (const e of events) {
      const key = `${e.runtime ? 'runtime ' : ''}${e.qtype} ${e.name}`;
      let l = this.byKey.get(key);
      if (!l) {
        if (this.byKey.size >= MAX_NAMES) {
          this.others++;
          continue;
        }
        l = { name: e.name, qtype: e.qtype, count: 0, failures: 0, rcodes: new Map(), hist: new Log2Histogram(), max: 0, servers: new Set(), answers: new Set(), pid: e.pid, hostPid: e.hostPid, comm: e.comm, runtime: e.runtime, events: 0 };
        this.byKey.set(key, l);
      }
      l.events++;
      l.count++;
      if (e.rcode !== 'NOERROR') l.failures++;
      const rc = e.rcode === 'ERROR' && e.error ? e.error : e.rcode;
      l.rcodes.set(rc, (l.rcodes.get(rc) ?? 0) + 1);
      // Latency of the answered ones (a timeout's is the time it was given).
      if (e.latencyNs !== null && e.rcode !== 'TIMEOUT') {
        l.hist.add(e.latencyNs);
        if (e.latencyNs > l.max) l.max = e.latencyNs;
      }
      addBounded(l.servers, `${e.server} ${e.protocol}`);
      for (const a of e.answers) addBounded(l.answers, a);
      l.pid = e.pid;
      l.hostPid = e.hostPid;
      l.comm = e.comm;
    }
  }

  panels(): Panel[] {
    const all = [...this.byKey.entries()].sort(([, a], [, b]) => b.failures - a.failures || b.count - a.count);
    const rows: TableRow[] = all.slice(0, SHOWN).map(([key, l]) => ({
      key,
      cells: [
        l.name,
        l.qtype,
        l.count,
        l.failures,
        [...l.rcodes].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ×${c}`).join(', '),
        l.hist.total ? l.hist.quantile(0.5, l.max) : null,
        l.hist.total ? l.hist.quantile(0.99, l.max) : null,
        [...l.servers].join(', '),
        l.comm,
        l.pid || null,
        [...l.answers].join(', ') + (l.answers.size >= MAX_VALUES ? ', …' : ''),
      ],
      failed: l.failures > 0,
      hostPid: l.hostPid || undefined,
      hist: l.hist.total ? l.hist.buckets() : undefined,
      runtime: l.runtime && l.events,
    }));
    return [
      {
        type: 'table',
        id: 'names',
        title: 'Lookups by name (failures first)',
        columns: [
          { label: 'Name' },
          { label: 'Type' },
          { label: 'Lookups', num: 'count' },
          { label: 'Failed', num: 'count' },
          { label: 'Rcodes' },
          { label: 'p50 ≤', num: 'ns' },
          { label: 'p99 ≤', num: 'ns' },
          { label: 'Servers' },
          { label: 'Comm' },
          { label: 'PID', pid: true },
          { label: 'Answers', wide: true },
        ],
        rows,
        sortBy: -1,
        more: all.length - rows.length + this.others || undefined,
      },
    ];
  }
}
