/**
 * open: files grouped by path (opens, failures by errno, processes), failures
 * first. The container runtime's opens (its init before the exec) are rows of
 * their own, which the live view hides unless asked. Bounded.
 */
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
  runtime?: true;
}

export class OpenByPath implements Summary<OpenEvent> {
  private readonly paths = new Map<string, PathRow>();
  private others = 0;

  add(events: readonly OpenEvent[]): void {
    for (const e of events) {
      const key = e.runtime ? `runtime\0${e.path}` : e.path;
      let r = this.paths.get(key);
      if (!r) {
        if (this.paths.size >= MAX_PATHS) {
          this.others++;
          continue;
        }
        this.paths.set(key, (r = { path: e.path, opens: 0, failures: 0, errnos: new Map(), procs: new Map(), pid: e.pid, hostPid: e.hostPid, runtime: e.runtime }));
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
    const rows = [...this.paths.entries()]
      .sort(([, a], [, b]) => b.failures - a.failures || b.opens - a.opens)
      .slice(0, 500)
      .map(([key, r]) => ({
        key,
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
        runtime: r.runtime && r.opens,
        source: { col: 0, kind: 'p' as const, name: r.path },
      }));
    return [
      {
        type: 'table',
        id: 'paths',
        title: 'Files by path (failures first)',
        columns: [{ label: 'Path', wide: true }, { label: 'Opens', num: 'count' }, { label: 'Failed', num: 'count' }, { label: 'Errors' }, { label: 'Processes', comm: true }, { label: 'PID', pid: true }],
        rows,
        sortBy: 2,
        more: this.paths.size - rows.length + this.others || undefined,
      },
    ];
  }
}
