/**
 * bind: listeners by address — one row per protocol and address:port (who
 * bound it, how many binds, failures by errno), conflicts first: an
 * EADDRINUSE names who holds the address when the trace saw it bound (the
 * same port and protocol, the same address or a wildcard on either side).
 * The container runtime's binds are rows of their own. Bounded.
 */
import type { BindEvent } from '../../protocol';
import type { Panel, Summary, TableRow } from '../../webview/panels';

const MAX_ADDRESSES = 1000;
const SHOWN = 500;

interface Listener {
  where: string;
  family: string;
  address: string;
  port: number;
  protocol: string;
  binds: number;
  failures: number;
  errnos: Map<string, number>;
  /** The latest process that bound it (or tried). */
  pid: number;
  hostPid: number;
  comm: string;
  /** The latest process that bound it successfully. */
  holder?: { pid: number; hostPid: number; comm: string };
  /** Who held it when a bind failed with EADDRINUSE (found among the successful binds seen). */
  heldBy?: string;
  runtime?: true;
  events: number;
}

/** `127.0.0.1:8080`, `[::]:8080`; other families by name. */
export function bindAddress(e: Pick<BindEvent, 'family' | 'address' | 'port'>): string {
  return e.family === 'IPv6' ? `[${e.address}]:${e.port}` : e.family === 'IPv4' ? `${e.address}:${e.port}` : e.family;
}

const wildcard = (a: string) => a === '0.0.0.0' || a === '::';

export class Listeners implements Summary<BindEvent> {
  private readonly byKey = new Map<string, Listener>();
  private others = 0;

  add(events: readonly BindEvent[]): void {
    for (const e of events) {
      const proto = e.protocol || e.socketType;
      const key = `${e.runtime ? 'runtime ' : ''}${proto} ${bindAddress(e)}`;
      let l = this.byKey.get(key);
      if (!l) {
        if (this.byKey.size >= MAX_ADDRESSES) {
          this.others++;
          continue;
        }
        l = { where: bindAddress(e), family: e.family, address: e.address, port: e.port, protocol: proto, binds: 0, failures: 0, errnos: new Map(), pid: e.pid, hostPid: e.hostPid, comm: e.comm, runtime: e.runtime, events: 0 };
        this.byKey.set(key, l);
      }
      l.events++;
      l.pid = e.pid;
      l.hostPid = e.hostPid;
      l.comm = e.comm;
      if (e.ret >= 0) {
        l.binds++;
        l.holder = { pid: e.pid, hostPid: e.hostPid, comm: e.comm };
        continue;
      }
      l.failures++;
      const err = e.error ?? String(e.ret);
      l.errnos.set(err, (l.errnos.get(err) ?? 0) + 1);
      if (err === 'EADDRINUSE' && e.port) l.heldBy = this.holderOf(l) ?? 'not seen binding (bound before the trace, or outside it)';
    }
  }

  /** Who holds what `l` asked for: the latest successful bind of its port and protocol that overlaps its address. */
  private holderOf(l: Listener): string | undefined {
    let found: string | undefined;
    for (const o of this.byKey.values()) {
      if (!o.holder || o.port !== l.port || o.protocol !== l.protocol) continue;
      if (o.address === l.address || wildcard(o.address) || wildcard(l.address)) found = `${o.holder.comm} ${o.holder.pid || `host ${o.holder.hostPid}`} (${o.where})`;
    }
    return found;
  }

  panels(): Panel[] {
    const all = [...this.byKey.entries()].sort(([, a], [, b]) => b.failures - a.failures || b.binds - a.binds);
    const rows: TableRow[] = all.slice(0, SHOWN).map(([key, l]) => ({
      key,
      cells: [
        l.where,
        l.protocol,
        // Who listens there (the latest successful bind), else who tried last.
        l.holder?.comm ?? l.comm,
        (l.holder ? l.holder.pid : l.pid) || null,
        l.binds,
        l.failures,
        [...l.errnos].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ×${c}`).join(', '),
        l.heldBy ?? (l.failures ? '' : null),
      ],
      failed: l.failures > 0,
      hostPid: (l.holder ? l.holder.hostPid : l.hostPid) || undefined,
      runtime: l.runtime && l.events,
    }));
    return [
      {
        type: 'table',
        id: 'listeners',
        title: 'Listeners by address (conflicts first)',
        columns: [
          { label: 'Address' },
          { label: 'Protocol' },
          { label: 'Comm' },
          { label: 'PID', pid: true },
          { label: 'Binds', num: 'count' },
          { label: 'Failed', num: 'count' },
          { label: 'Errors' },
          { label: 'Held by', wide: true },
        ],
        rows,
        sortBy: -1,
        more: all.length - rows.length + this.others || undefined,
      },
    ];
  }
}
