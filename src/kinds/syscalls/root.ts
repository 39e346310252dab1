/** syscalls: the root part, what the helper loads and reads from its maps (the client part: ./client). BPF: bpf/syscalls.bpf.c, bpf/syscalls.h. */
import { defineRootKind } from '../root-part';
import { Generations } from '../shared/generations';
import * as fs from 'node:fs';
import type { SyscallsEntry, SyscallsEvent } from '../../protocol';
import { namespaceInode } from '../../proc/ns';
import { SCOPE_MEMBER, SCOPE_VALUE_SIZE } from '../../engine/selector-members';
import {
  execName,
  plusSyscalls,
  sinceSyscalls,
  sumSyscalls,
  syscallsEntry,
  syscallsReport,
  SYSCALLS_GENS,
  SYSCALLS_KEY_LAYOUT,
  SYSCALLS_KEY_SIZE,
  SYSCALLS_LAYOUT,
  SYSCALLS_NAME_SIZE,
  SYSCALLS_VALUE_SIZE,
  syscallName,
  type SyscallsSums,
} from './decode';

/**
 * Per loaded object: host PID → the name of its latest exec; the generation
 * being counted into, and what the read before reported of the generation
 * counted into until then (by key without its generation).
 */
interface State {
  names: Map<number, string>;
  gens: Generations;
  reported: Map<string, SyscallsSums>;
  /**
   * Selector traces: counts of PID namespaces not known as members yet (a
   * container waited for is pending while the helper finds whose it is),
   * reported once they join, dropped when they never do.
   */
  held: Map<number, { since: number; entries: Map<string, { key: Buffer; sums: SyscallsSums }> }>;
}
const states = new WeakMap<object, State>();
function stateOf(obj: object): State {
  let s = states.get(obj);
  if (!s) states.set(obj, (s = { names: new Map(), gens: new Generations(SYSCALLS_GENS, 'syscalls_gen'), reported: new Map(), held: new Map() }));
  return s;
}

const GEN = SYSCALLS_KEY_LAYOUT.fields.gen;
const PIDNS = SYSCALLS_KEY_LAYOUT.fields.pidns;
/** The key without its generation: the same process, syscall, runtime mark and namespace in any generation. */
const ident = (key: Buffer) => key.toString('latin1', 0, GEN) + key.toString('latin1', PIDNS, PIDNS + 4);

/** How long counts of a namespace are held for it to join (the helper decides a new one within 5 s). */
const HELD_MS = 15_000;
/** Entries held at most, all namespaces together (beyond: dropped). */
const HELD_MAX = 10_240;
/** Processes the last read looks at, and threads, at most. */
const PROCS_MAX = 65_536;
const TASKS_MAX = 16_384;

/**
 * Syscalls the traced containers' processes are in when the trace ends
 * (entered, not returned: counted at their exit only, so nowhere else), by
 * PID namespace: each thread's /proc/<pid>/task/<tid>/syscall (its first
 * field the number; "running" or -1 when in none), of every process in
 * one of `namespaces`.
 */
function inFlight(namespaces: Set<number>): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  let tasks = 0;
  let procs: string[];
  try {
    procs = fs.readdirSync('/proc').filter((d) => /^\d{1,7}$/.test(d)).slice(0, PROCS_MAX);
  } catch {
    return out;
  }
  for (const pid of procs) {
    const ns = namespaceInode(Number(pid));
    if (ns === undefined || !namespaces.has(ns)) continue;
    let tids: string[];
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone meanwhile
    }
    for (const tid of tids) {
      if (++tasks > TASKS_MAX) return out;
      if (!/^\d{1,7}$/.test(tid)) continue;
      let text: string;
      try {
        text = fs.readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'latin1').slice(0, 16);
      } catch {
        continue;
      }
      const m = /^(\d{1,4}) /.exec(text);
      if (!m) continue; // "running", or -1 (not in a syscall)
      let set = out.get(ns);
      if (!set) out.set(ns, (set = new Set()));
      set.add(syscallName(Number(m[1])));
    }
  }
  return out;
}

/** Count-only (latency: false): one program at the calls' return instead of the pair (bpf/syscalls.bpf.c). */
const TIMED = ['syscalls_enter', 'syscalls_exit', 'syscalls_enter_tp', 'syscalls_exit_tp'] as const;
const COUNT_ONLY = ['syscalls_count', 'syscalls_count_tp'] as const;
const timed = (options: { latency?: boolean }) => options.latency !== false;

export default defineRootKind({
  name: 'syscalls',
  object: 'syscalls.bpf.o',
  layout: SYSCALLS_LAYOUT,
  needs: [],
  variants: [
    { type: 'raw_tp', programs: ['syscalls_enter', 'syscalls_exit', 'syscalls_count'] },
    { type: 'tracepoint', programs: ['syscalls_enter_tp', 'syscalls_exit_tp', 'syscalls_count_tp'] },
  ],
  // Latency needs the entry's time: the pair; without it the counting program alone (half the programs a call runs, no clock).
  unused: (options) => (timed(options) ? [...COUNT_ONLY] : [...TIMED]),
  /**
   * Counts are read, never lost to the read: the programs count into one
   * generation at a time. Each read moves them to the next, reports the
   * generation they counted into until now whole (left in place: a program
   * that had started before the move may still be adding to it), and deletes
   * the generation before that, reporting what came into it after it was
   * reported (nothing can be writing it a whole interval later). The last
   * read, once the programs are detached, takes everything.
   */
  collect: (obj, ctx, { intervalMs, top, final, pidns, options }) => {
    const st = stateOf(obj);
    const withLatency = timed(options);
    // Names taken at exec since the last read: every row of that process goes by its latest.
    for (const { key, value } of obj.drainHash('names', 4, SYSCALLS_NAME_SIZE)) st.names.set(key.readUInt32LE(0), execName(value));
    const { read } = st.gens.advance(obj, final);
    const byIdent = new Map<string, { key: Buffer; sums: SyscallsSums }>();
    const add = (key: Buffer, sums: SyscallsSums) => {
      if (sums.count <= 0) return;
      const id = ident(key);
      const had = byIdent.get(id);
      // The same process and syscall in two generations: one entry.
      if (had) had.sums = plusSyscalls(had.sums, sums);
      else byIdent.set(id, { key, sums });
    };
    const reported = new Map<string, SyscallsSums>();
    for (const { key, values } of obj.readPercpuHash('syscalls', SYSCALLS_KEY_SIZE, SYSCALLS_VALUE_SIZE)) {
      const how = read(key.readUInt32LE(GEN));
      if (how === 'later') continue; // the generation just begun (counted from now on)
      const sums = sumSyscalls(values);
      if (how === 'keep') {
        add(key, sums);
        reported.set(ident(key), sums); // whole at the next read, and deleted then
        continue;
      }
      const was = how === 'since' ? st.reported.get(ident(key)) : undefined;
      add(key, was ? sinceSyscalls(sums, was) : sums);
      obj.deleteKey('syscalls', key);
    }
    st.reported = reported;
    // A selector's members now (scope_ns says member): a label may outlive its namespace, whose inode a new one then has.
    const isMember = (ns: number) => obj.lookupU32Key('scope_ns', ns, SCOPE_VALUE_SIZE)?.readUInt32LE(0) === SCOPE_MEMBER;
    const blocked = final ? inFlight(new Set(ctx.byPidns ? [...ctx.byPidns.keys()].filter(isMember) : [pidns ?? 0])) : undefined;
    const withBlocked = (r: SyscallsEvent, ns?: number) => {
      // One container: its one namespace (the only one counted in).
      const b = ns === undefined ? new Set([...(blocked?.values() ?? [])].flatMap((x) => [...x])) : blocked?.get(ns);
      if (b?.size) r.inFlight = [...b].sort();
      return r;
    };
    const named = (rows: Iterable<{ key: Buffer; sums: SyscallsSums }>) => {
      const entries: SyscallsEntry[] = [...rows].map(({ key, sums }) => syscallsEntry(key, sums, withLatency));
      for (const e of entries) if (!e.runtime) e.comm = st.names.get(e.hostPid) ?? e.comm;
      return entries;
    };
    if (!ctx.byPidns) {
      if (st.names.size > 4096) st.names.clear(); // bounded: names come back at the next exec
      return [withBlocked(syscallsReport(named(byIdent.values()), intervalMs, top, ctx, ctx.container, withLatency))];
    }
    // A selector: one report per member, of its own namespace's counts.
    const now = Date.now();
    for (const [id, row] of byIdent) {
      const ns = row.key.readUInt32LE(PIDNS);
      let h = st.held.get(ns);
      if (!h) st.held.set(ns, (h = { since: now, entries: new Map() }));
      const had = h.entries.get(id);
      if (had) had.sums = plusSyscalls(had.sums, row.sums);
      else if (heldCount(st) < HELD_MAX) h.entries.set(id, row);
    }
    const out: SyscallsEvent[] = [];
    // The last read: members blocked in a syscall have a report for it, counts or not.
    for (const ns of blocked?.keys() ?? []) if (!st.held.has(ns)) st.held.set(ns, { since: now, entries: new Map() });
    for (const [ns, h] of st.held) {
      const label = isMember(ns) ? ctx.byPidns.get(ns) : undefined;
      if (label) out.push(withBlocked(syscallsReport(named(h.entries.values()), intervalMs, top, ctx, label, withLatency), ns));
      // Reported, or not a member (another container that started meanwhile, or one gone): gone either way.
      if (label || final || now - h.since > HELD_MS) st.held.delete(ns);
    }
    if (st.names.size > 4096) st.names.clear();
    return out.length ? out : [syscallsReport([], intervalMs, top, ctx, ctx.container, withLatency)];
  },
});

function heldCount(st: State): number {
  let n = 0;
  for (const h of st.held.values()) n += h.entries.size;
  return n;
}
