/**
 * A trace's events in the formats people open elsewhere: JSON Lines (as the
 * CLI writes them), a Perfetto / Chrome trace-event file (processes and
 * threads as tracks named by their container-level PID and comm; execs,
 * exits, signals and the rest as instant events; uprobe calls as slices;
 * syscall rates as counters; a profile's reports as each process's samples a
 * second (or time off the CPU a second) and a slice per report naming its
 * busiest functions), and the summary table as CSV. No VS Code here.
 */
import type { TraceEvent } from '../../protocol';
import { details, eventJson } from '../../kinds/client-registry';
import { frameName, weightOf } from '../../kinds/profile/top';
import { tableCsv, type Panel } from '../../webview/panels';

/** pprof and folded: kinds with stacks (profile). */
export type ExportFormat = 'jsonl' | 'perfetto' | 'csv' | 'pprof' | 'folded';

export function jsonLines(events: readonly TraceEvent[]): string {
  return events.map(eventJson).join('\n') + (events.length ? '\n' : '');
}

/** Microseconds since the epoch of an RFC 3339 time with nanoseconds. */
export function eventMicros(time: string): number {
  const ms = Date.parse(time.slice(0, 19) + 'Z');
  const frac = /^\.(\d{1,9})/.exec(time.slice(19));
  return ms * 1000 + (frac ? Number(frac[1].padEnd(9, '0')) / 1000 : 0);
}

interface TraceEventFormat {
  ph: string;
  name: string;
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  s?: string;
  cat?: string;
  args?: Record<string, unknown>;
}

/** The Chrome trace-event JSON that Perfetto UI (and chrome://tracing) opens. */
export function perfettoTrace(events: readonly TraceEvent[]): { traceEvents: TraceEventFormat[]; displayTimeUnit: string; otherData: Record<string, string> } {
  const out: TraceEventFormat[] = [];
  const processes = new Map<number, string>();
  const threads = new Map<string, { pid: number; tid: number; name: string }>();
  const name = (e: TraceEvent) => (e.container.pod ? `${e.container.pod}/${e.container.name}` : e.container.name);
  // A profile's report, by process: what it weighed and its innermost functions (aggregated in the kernel: no sample has a time of its own).
  const reports = new Map<string, { pid: number; ts: number; interval: number; weight: number; samples: number; off: boolean; leaves: Map<string, number> }>();
  for (const e of events) {
    if (e.gadget === 'profile') {
      processes.set(e.hostPid, `${e.comm} · pid ${e.pid} in ${name(e)} (host ${e.hostPid})`);
      const key = `${e.time}\u0000${e.hostPid}`;
      let r = reports.get(key);
      if (!r) reports.set(key, (r = { pid: e.hostPid, ts: eventMicros(e.time), interval: Math.max(1, e.interval), weight: 0, samples: 0, off: e.blockedNs !== undefined, leaves: new Map() }));
      r.weight += weightOf(e);
      r.samples += e.samples;
      const leaf = e.stack.find((f) => !f.kernel) ?? e.stack[0];
      const fn = leaf ? frameName(leaf) : '[no stack]';
      r.leaves.set(fn, (r.leaves.get(fn) ?? 0) + weightOf(e));
      continue;
    }
    if (e.gadget === 'syscalls') {
      const args: Record<string, number> = {};
      for (const t of e.top.slice(0, 8)) args[`${t.syscall} (${t.comm} ${t.pid})`] = Math.round((t.count * 1000) / Math.max(1, e.interval));
      out.push({ ph: 'C', name: 'syscalls per second', pid: 0, ts: eventMicros(e.time), args });
      processes.set(0, `${name(e)}: syscalls`);
      continue;
    }
    // Tracks by host PID (unique across containers), named by the container's PID and comm.
    processes.set(e.hostPid, `${e.comm} · pid ${e.pid} in ${name(e)} (host ${e.hostPid})`);
    threads.set(`${e.hostPid}/${e.hostTid}`, { pid: e.hostPid, tid: e.hostTid, name: `${e.comm} · tid ${e.tid}` });
    const ts = eventMicros(e.time);
    const args = JSON.parse(eventJson(e)) as Record<string, unknown>;
    if (e.gadget === 'uprobe') {
      const dur = e.latencyNs / 1000;
      out.push({ ph: 'X', name: e.function, cat: 'uprobe', pid: e.hostPid, tid: e.hostTid, ts: ts - dur, dur, args });
    } else {
      out.push({ ph: 'i', s: 't', name: `${e.gadget}: ${details(e)}`.slice(0, 200), cat: e.gadget, pid: e.hostPid, tid: e.hostTid, ts, args });
    }
  }
  for (const r of reports.values()) {
    const rate = r.off ? Math.round(r.weight / 1e3 / r.interval) : Math.round((r.weight * 1000) / r.interval);
    const counter = r.off ? 'ms off the CPU a second' : 'CPU samples a second';
    out.push({ ph: 'C', name: counter, pid: r.pid, ts: r.ts, args: { [counter]: rate } });
    const top = [...r.leaves].sort((a, b) => b[1] - a[1]).slice(0, 10);
    const share = (v: number) => `${((100 * v) / Math.max(1, r.weight)).toFixed(1)} %`;
    out.push({
      ph: 'X',
      name: `profile: ${top[0]?.[0] ?? '[no stack]'}${top.length > 1 ? ' …' : ''}`.slice(0, 200),
      cat: 'profile',
      pid: r.pid,
      tid: r.pid,
      ts: r.ts - r.interval * 1000,
      dur: r.interval * 1000,
      args: { [r.off ? 'blocks' : 'samples']: r.samples, ...(r.off ? { offCpuMs: Math.round(r.weight / 1e6) } : {}), innermost: Object.fromEntries(top.map(([fn, v]) => [fn, share(v)])) },
    });
  }
  const meta: TraceEventFormat[] = [];
  for (const [pid, n] of processes) meta.push({ ph: 'M', name: 'process_name', pid, args: { name: n } });
  for (const t of threads.values()) meta.push({ ph: 'M', name: 'thread_name', pid: t.pid, tid: t.tid, args: { name: t.name } });
  return { traceEvents: [...meta, ...out], displayTimeUnit: 'ns', otherData: { producer: 'Container Trace' } };
}

/** The summary's table (or its process tree, one row per process) as CSV; undefined when the kind has neither. */
export function summaryCsv(panels: Panel[]): string | undefined {
  for (const p of panels) {
    if (p.type === 'table') return tableCsv(p);
    if (p.type === 'tree') {
      const byKey = new Map(p.nodes.map((n) => [n.key, n]));
      return tableCsv({
        type: 'table',
        id: p.id,
        title: p.title,
        sortBy: -1,
        columns: [{ label: 'PID' }, { label: 'Host PID' }, { label: 'Parent PID' }, { label: 'Comm' }, { label: 'Command and end' }, { label: 'Exited' }],
        rows: p.nodes.map((n) => ({ key: n.key, cells: [n.pid, n.hostPid, (n.parent && byKey.get(n.parent)?.pid) || null, n.label, n.detail, n.ended ? 'yes' : p.exitsSeen === false ? 'not traced' : 'no'] })),
      });
    }
  }
  return undefined;
}
