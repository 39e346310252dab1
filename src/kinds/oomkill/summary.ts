/**
 * oomkill: the OOM killer's victims — one row per process it took, newest
 * first, with its memory at the kill (RSS and its parts, page tables), the
 * cgroup's usage and limit, and who triggered it. The container runtime's
 * are rows of their own. Bounded: the newest MAX_VICTIMS are kept, the
 * older ones counted.
 */
import type { OomkillEvent } from '../../protocol';
import type { Panel, Summary, TableRow } from '../../webview/panels';

const MAX_VICTIMS = 1000;
const SHOWN = 500;

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `47.9 MiB`, `132 KiB`, `0 B`. */
export function bytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 100 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}

export class OomVictims implements Summary<OomkillEvent> {
  /** By arrival: the newest last. */
  private readonly victims: OomkillEvent[] = [];
  private dropped = 0;
  private seq = 0;
  private readonly order = new WeakMap<OomkillEvent, number>();

  add(events: readonly OomkillEvent[]): void {
    for (const e of events) {
      this.victims.push(e);
      this.order.set(e, ++this.seq);
      if (this.victims.length > MAX_VICTIMS) {
        this.victims.shift();
        this.dropped++;
      }
    }
  }

  panels(): Panel[] {
    const shown = this.victims.slice(-SHOWN).reverse();
    const rows: TableRow[] = shown.map((e) => ({
      key: String(this.order.get(e)),
      cells: [
        e.time.slice(11, 23),
        e.victimPid || null,
        e.victimComm,
        e.rssBytes,
        e.anonRssBytes,
        e.fileRssBytes,
        e.shmemRssBytes,
        e.pgtablesBytes,
        e.usageBytes,
        e.limitBytes,
        e.oomScoreAdj,
        `${e.triggerComm} ${e.triggerPid || `(host ${e.triggerHostPid}${e.triggerOutside ? ', outside the scope' : ''})`}`,
      ],
      failed: true,
      hostPid: e.victimHostPid || undefined,
      hostPids: [undefined, e.victimHostPid || undefined],
      runtime: e.runtime && 1,
    }));
    return [
      {
        type: 'table',
        id: 'victims',
        title: 'Processes the OOM killer took (newest first)',
        columns: [
          { label: 'Time (UTC)' },
          { label: 'PID', pid: true },
          { label: 'Comm', comm: true },
          { label: 'RSS', num: 'bytes' },
          { label: 'Anon', num: 'bytes' },
          { label: 'File', num: 'bytes' },
          { label: 'Shmem', num: 'bytes' },
          { label: 'Page tables', num: 'bytes' },
          { label: 'Cgroup usage', num: 'bytes' },
          { label: 'Limit', num: 'bytes' },
          { label: 'oom_score_adj', num: 'count' },
          { label: 'Triggered by', comm: true, wide: true },
        ],
        rows,
        sortBy: 0,
        more: this.victims.length - rows.length + this.dropped || undefined,
        runtimeNoun: 'kills',
      },
    ];
  }
}
