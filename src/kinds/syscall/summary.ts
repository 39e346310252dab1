/**
 * syscall: what strace -c shows, updated in place: per syscall, % of the
 * time, total and average time, calls, errors (the errno names most seen),
 * busiest first; the container runtime's calls (its init before the exec)
 * are rows of their own, which the live view hides unless asked. Bounded
 * (one row a syscall name, at most 600).
 */
import type { SyscallEvent } from '../../protocol';
import type { Panel, Summary } from '../../webview/panels';
import { SYSCALL_TABLE } from './table';

const MAX_ROWS = 600;

interface Row {
  name: string;
  calls: number;
  errors: number;
  totalNs: number;
  errnos: Map<string, number>;
  runtime?: true;
  /** strace's classes, `%desc %file` (the filter box's %file matches them). */
  classes: string;
}

export class SyscallTable implements Summary<SyscallEvent> {
  private readonly rows = new Map<string, Row>();
  private others = 0;

  add(events: readonly SyscallEvent[]): void {
    for (const e of events) {
      const key = e.runtime ? `runtime\0${e.name}` : e.name;
      let r = this.rows.get(key);
      if (!r) {
        if (this.rows.size >= MAX_ROWS) {
          this.others++;
          continue;
        }
        this.rows.set(key, (r = { name: e.name, calls: 0, errors: 0, totalNs: 0, errnos: new Map(), runtime: e.runtime, classes: (SYSCALL_TABLE[e.nr]?.classes ?? []).map((c) => `%${c}`).join(' ') }));
      }
      r.calls++;
      r.totalNs += e.durationNs;
      if (e.error) {
        r.errors++;
        if (r.errnos.size < 16 || r.errnos.has(e.error)) r.errnos.set(e.error, (r.errnos.get(e.error) ?? 0) + 1);
      }
    }
  }

  panels(): Panel[] {
    let total = 0;
    for (const r of this.rows.values()) if (!r.runtime) total += r.totalNs;
    const rows = [...this.rows.entries()]
      .sort(([, a], [, b]) => b.totalNs - a.totalNs || b.calls - a.calls)
      .slice(0, 500)
      .map(([key, r]) => ({
        key,
        cells: [
          r.name,
          total && !r.runtime ? Math.round((r.totalNs / total) * 10000) / 100 : 0,
          r.totalNs,
          Math.round(r.totalNs / Math.max(1, r.calls)),
          r.calls,
          r.errors,
          [...r.errnos].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([n, c]) => `${n} ×${c}`).join(', '),
          r.classes,
        ],
        failed: r.errors > 0,
        runtime: r.runtime && r.calls,
      }));
    return [
      {
        type: 'table',
        id: 'syscalls',
        title: 'Syscalls (as strace -c: time spent, calls, errors)',
        columns: [{ label: 'Syscall', wide: true }, { label: '% time', num: 'count' }, { label: 'Total', num: 'ns' }, { label: 'Avg', num: 'ns' }, { label: 'Calls', num: 'count' }, { label: 'Errors', num: 'count' }, { label: 'Errnos' }, { label: 'Classes' }],
        rows,
        sortBy: 2,
        more: this.rows.size - rows.length + this.others || undefined,
      },
    ];
  }
}
