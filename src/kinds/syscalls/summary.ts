/**
 * syscalls: a top table updated in place (process × syscall: calls/s in the
 * last report, calls, errors, p50, p99, max since the start), each row with
 * its latency histogram, and calls per second over the trace's lifetime.
 * A count-only trace (latency not measured) has no latency columns and no
 * histograms, and its title says so: no zeros that read as measured.
 */
import type { SyscallsEvent } from '../../protocol';
import type { Panel, Summary } from '../../webview/panels';
import { Log2Histogram } from '../shared/rates';

const MAX_ROWS = 1000;
const SHOWN_ROWS = 500;

interface Row {
  pid: number;
  hostPid: number;
  comm: string;
  syscall: string;
  /** The runtime's calls (its init before the exec), a row of their own. */
  runtime?: true;
  calls: number;
  perSec: number;
  errors: number;
  max: number;
  hist: Log2Histogram;
}

export class SyscallsTop implements Summary<SyscallsEvent> {
  private readonly rows = new Map<string, Row>();
  /** host PID → its latest name (an exec renames every row of the process, not only those reported since). */
  private readonly names = new Map<number, string>();
  private readonly points: [number, number][] = [];
  private readonly started = Date.now();
  /** A count-only trace's reports (latency: false): the table without latency. */
  private counted = false;

  add(events: readonly SyscallsEvent[]): void {
    for (const e of events) {
      if (e.latency === false) this.counted = true;
      this.points.push([(Date.now() - this.started) / 1000, Math.round((e.totalCalls * 1000) / Math.max(1, e.interval))]);
      if (this.points.length > 3600) this.points.shift();
      for (const r of this.rows.values()) r.perSec = 0;
      for (const t of e.top) {
        const key = `${t.hostPid}/${t.syscall}${t.runtime ? '/runtime' : ''}`;
        let r = this.rows.get(key);
        if (!r) {
          if (this.rows.size >= MAX_ROWS) continue;
          this.rows.set(key, (r = { pid: t.pid, hostPid: t.hostPid, comm: t.comm, syscall: t.syscall, runtime: t.runtime, calls: 0, perSec: 0, errors: 0, max: 0, hist: new Log2Histogram() }));
        }
        r.calls += t.count;
        r.perSec = Math.round((t.count * 1000) / Math.max(1, e.interval));
        r.errors += t.errors;
        r.comm = t.comm;
        if (t.comm && !t.runtime) this.names.set(t.hostPid, t.comm);
        if (!t.latencyNs) continue;
        r.max = Math.max(r.max, t.latencyNs.max);
        r.hist.merge(t.latencyNs.histogram);
      }
    }
  }

  panels(): Panel[] {
    const timed = !this.counted;
    // The busiest SHOWN_ROWS (what a post carries is bounded; the rest are counted).
    const rows = [...this.rows.entries()]
      .sort((a, b) => b[1].perSec - a[1].perSec || b[1].calls - a[1].calls)
      .slice(0, SHOWN_ROWS)
      .map(([key, r]) => ({
        key,
        cells: [r.pid || null, (!r.runtime && this.names.get(r.hostPid)) || r.comm, r.syscall, r.perSec, r.calls, r.errors, ...(timed ? [r.hist.quantile(0.5, r.max), r.hist.quantile(0.99, r.max), r.max] : [])],
        failed: r.errors > 0,
        hostPid: r.hostPid,
        hist: timed ? r.hist.buckets() : undefined,
        runtime: r.runtime && r.calls,
      }));
    return [
      {
        type: 'table',
        id: 'top',
        title: timed ? 'Syscalls by process (select a row for its latency histogram)' : 'Syscalls by process (counts only: latency not measured)',
        columns: [
          { label: 'PID', pid: true },
          { label: 'Comm' },
          { label: 'Syscall' },
          { label: 'Calls/s', num: 'rate' },
          { label: 'Calls', num: 'count' },
          { label: 'Errors', num: 'count' },
          ...(timed
            ? ([
                { label: 'p50 ≤', num: 'ns' },
                { label: 'p99 ≤', num: 'ns' },
                { label: 'Max', num: 'ns' },
              ] as const)
            : []),
        ],
        rows,
        sortBy: 3,
        more: this.rows.size - rows.length || undefined,
        runtimeNoun: 'calls',
      },
      { type: 'chart', id: 'rate', title: 'Syscalls per second, all processes', unit: 'calls/s', points: [...this.points] },
    ];
  }
}
