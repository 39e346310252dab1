/**
 * What typed text picks at each step of "Trace Process in Container", decided
 * from the text alone (when the window's highlighted item cannot be
 * believed, or a number names a PID exactly): a container by name or id, a
 * process by the PID inside the container or by its host PID, a thread, a
 * kind by name. A default is never picked for text that names nothing.
 * No VS Code here (unit-tested).
 */
import type { ContainerInfo } from '../../protocol/containers';
import type { ProcessInfo, ThreadInfo } from '../../proc/container';

export type Chosen<T> = { value: T; note?: string } | { problem: string };

/** A running container: exact name, exact id or id prefix (3+), else the only one whose name contains the text. */
export function chooseContainer(text: string, running: ContainerInfo[]): Chosen<ContainerInfo> {
  const t = text.trim();
  const exact = running.filter((c) => c.name === t || c.id === t);
  if (exact.length === 1) return { value: exact[0] };
  const byId = t.length >= 3 ? running.filter((c) => c.id.startsWith(t)) : [];
  if (!exact.length && byId.length === 1) return { value: byId[0] };
  const lower = t.toLowerCase();
  const partial = exact.length ? exact : running.filter((c) => c.name.toLowerCase().includes(lower) || [c.namespace, c.pod, c.name].filter(Boolean).join('/').toLowerCase() === lower);
  if (partial.length === 1) return { value: partial[0] };
  if (!partial.length) return { problem: `no running container matches "${t}"` };
  return { problem: `"${t}" matches ${partial.length} containers (${partial.slice(0, 4).map((c) => c.name).join(', ')}${partial.length > 4 ? ', …' : ''}): pick one` };
}

export interface ScopeChoice {
  /** Undefined: every process of the container. */
  scope?: { pid: number } | { tid: number };
  process?: ProcessInfo;
  thread?: ThreadInfo;
}

/**
 * A number: the PID inside the container first (what its `ps` shows), then a
 * thread's TID, then a host PID or host TID (said which process it is);
 * other text: the only process whose command contains it, or "all".
 */
export function chooseScope(text: string, processes: ProcessInfo[]): Chosen<ScopeChoice> {
  const t = text.trim();
  if (/^\d{1,10}$/.test(t)) {
    const n = Number(t);
    const byPid = processes.find((p) => p.pid === n);
    if (byPid) return { value: { scope: { pid: n }, process: byPid } };
    for (const p of processes) {
      const th = p.threads.find((x) => x.tid === n && x.hostTid !== p.hostPid);
      if (th) return { value: { scope: { tid: n }, process: p, thread: th }, note: `TID ${n} = a thread of PID ${p.pid} (${p.comm})` };
    }
    const byHost = processes.find((p) => p.hostPid === n);
    if (byHost) return { value: { scope: { pid: byHost.pid }, process: byHost }, note: `host PID ${n} = PID ${byHost.pid} in the container` };
    for (const p of processes) {
      const th = p.threads.find((x) => x.hostTid === n && x.hostTid !== p.hostPid);
      if (th) return { value: { scope: { tid: th.tid }, process: p, thread: th }, note: `host TID ${n} = TID ${th.tid} in the container (a thread of PID ${p.pid})` };
    }
    return { problem: `no process or thread ${n} in this container (neither its own PID nor a host PID)` };
  }
  const lower = t.toLowerCase();
  if (!lower) return { problem: 'type a PID, or pick a process' };
  if ('all processes'.startsWith(lower) || lower === 'all') return { value: {} };
  const hits = processes.filter((p) => `${p.comm} ${p.cmdline.join(' ')}`.toLowerCase().includes(lower));
  if (hits.length === 1) return { value: { scope: { pid: hits[0].pid }, process: hits[0] } };
  if (!hits.length) return { problem: `no process matches "${t}"` };
  return { problem: `"${t}" matches ${hits.length} processes (${hits.slice(0, 5).map((p) => `${p.pid} ${p.comm}`).join(', ')}): type its PID` };
}

/** A kind by its name (the first entry for it: with a process, "and its descendants"), or a preset by its label. */
export function chooseKind<T extends { kind: string; label: string }>(text: string, entries: T[]): Chosen<T> {
  const t = text.trim().toLowerCase();
  const plain = (label: string) => label.replace(/^\$\([^)]*\)\s*/, '').toLowerCase();
  const exact = entries.find((e) => e.kind === t) ?? entries.find((e) => plain(e.label) === t);
  if (exact) return { value: exact };
  const starts = [...new Set(entries.filter((e) => e.kind.startsWith(t)).map((e) => e.kind))];
  if (t && starts.length === 1) return { value: entries.find((e) => e.kind === starts[0])! };
  return { problem: t ? `no trace kind "${text.trim()}"` : 'pick what to watch' };
}
