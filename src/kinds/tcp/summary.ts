/** tcp: one row per connection, updated through its states; closed ones kept (bounded, oldest closed leave first). */
import type { TcpEvent } from '../../protocol';
import type { Panel, Summary, TableRow } from '../../webview/panels';

const MAX_CONNECTIONS = 1000;
const SHOWN_CONNECTIONS = 500;

export class Connections implements Summary<TcpEvent> {
  private readonly conns = new Map<string, { e: TcpEvent; states: string[]; events: number }>();

  add(events: readonly TcpEvent[]): void {
    for (const e of events) {
      const key = `${e.saddr}:${e.sport}>${e.daddr}:${e.dport}`;
      let c = this.conns.get(key);
      if (!c && e.sport) {
        // A connect is first seen before its source port is chosen (SYN_SENT from port 0): the same connection.
        const early = `${e.saddr}:0>${e.daddr}:${e.dport}`;
        const first = this.conns.get(early);
        if (first && first.e.state === 'SYN_SENT' && first.e.hostPid === (e.hostPid || first.e.hostPid)) {
          this.conns.delete(early);
          this.conns.set(key, first);
          c = first;
        }
      }
      if (c && c.e.state !== 'CLOSE') {
        // Attribution found earlier (the task) is kept when a softirq event has none.
        c.e = e.attributed === 'none' ? { ...e, pid: c.e.pid, hostPid: c.e.hostPid, comm: c.e.comm } : e;
        if (c.states[c.states.length - 1] !== e.state) c.states.push(e.state);
        c.events++;
      } else {
        this.conns.delete(key);
        this.conns.set(key, { e, states: [e.state], events: 1 });
      }
    }
    for (const [key, c] of this.conns) {
      if (this.conns.size <= MAX_CONNECTIONS) break;
      if (c.e.state === 'CLOSE') this.conns.delete(key);
    }
  }

  panels(): Panel[] {
    // The newest SHOWN_CONNECTIONS (what a post carries is bounded; the rest are counted).
    const rows: TableRow[] = [...this.conns.entries()].slice(-SHOWN_CONNECTIONS).reverse().map(([key, { e, states, events }]) => ({
      key,
      cells: [e.pid || null, e.comm, `${e.saddr}:${e.sport}`, `${e.daddr}:${e.dport}`, e.state, states.slice(-4).join(' → '), e.durationMs, e.bytesSent, e.bytesReceived],
      failed: e.state === 'CLOSE' && states.includes('SYN_SENT') && !states.includes('ESTABLISHED'),
      hostPid: e.hostPid || undefined,
      // A connection the runtime's own task made (its init before the exec): hidden unless shown.
      runtime: e.runtime && events,
    }));
    return [
      {
        type: 'table',
        id: 'connections',
        title: 'Connections',
        columns: [
          { label: 'PID', pid: true },
          { label: 'Comm' },
          { label: 'Local' },
          { label: 'Remote' },
          { label: 'State' },
          { label: 'Through', wide: true },
          { label: 'Duration', num: 'ms' },
          { label: 'Sent', num: 'bytes' },
          { label: 'Received', num: 'bytes' },
        ],
        rows,
        sortBy: -1,
        more: this.conns.size - rows.length || undefined,
      },
    ];
  }
}
