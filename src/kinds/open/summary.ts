/** open: files grouped by path (opens, failures by errno, processes), failures first. Bounded. */
import type { OpenEvent } from '../../protocol';
import type { Panel, Summary } from '../../webview/panels';

const MAX_PATHS = 2000;

interface PathRow {
  path: string;
  opens: number;
  failures: number;
  errnos: Map<string, number>;
  /** Opens by container PID (with its comm), at most 8 processes kept per path. */
  procs: Map<number, { comm: string; n: number }>;
  pid: number;
  hostPid: number;
  moreProcs?: boolean;
}

export class OpenByPath implements Summary<OpenEvent> {
  private readonly paths = new Map<string, PathRow>();
  private others = 0;

  add(events: readonly OpenEvent[]): void {
    for (const e of events) {
      let r = this.paths.get(e.path);
      if (!r) {
        if (this.paths.size >= MAX_PATHS) {
          this.others++;
          continue;
        }
        this.paths.set(e.path, (r = { path: e.path, opens: 0, failures: 0, errnos: new Map(), procs: new Map(), pid: e.pid, hostPid: e.hostPid }));
      }
      r.opens++;
      if (e.errno) {
        r.failures++;
        r.errnos.set(e.errno, (r.errnos.get(e.errno) ?? 0) + 1);
      }
      const p = r.procs.get(e.pid);
      if (p) p.n++;
      else if (r.procs.size < 8) r.procs.set(e.pid, { comm: e.comm, n: 1 });
      else r.moreProcs = true;
    }
  }

  panels(): Panel[] {
    const rows = [...this.paths.values()]
      .sort((a, b) => b.failures - a.failures || b.opens - a.opens)
      .slice(0, 500)
      .map((r) => ({
        key: r.path,
        cells: [
          r.path,
          r.opens,
          r.failures,
          [...r.errnos].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ×${c}`).join(', '),
          [...r.procs].slice(0, 3).map(([pid, p]) => `${p.comm} ${pid}`).join(', ') + (r.procs.size > 3 || r.moreProcs ? ` +${r.procs.size - 3}${r.moreProcs ? '…' : ''}` : ''),
          r.pid,
        ],
        failed: r.failures > 0,
        hostPid: r.hostPid,
      }));
    return [
      {
        type: 'table',
        id: 'paths',
        title: 'Files by path (failures first)',
        columns: [{ label: 'Path' }, { label: 'Opens', num: 'count' }, { label: 'Failed', num: 'count' }, { label: 'Errors' }, { label: 'Processes' }, { label: 'PID', pid: true }],
        rows,
        sortBy: 2,
        more: this.paths.size - rows.length + this.others || undefined,
      },
    ];
  }
}
