/**
 * The live view's filter: a small syntax typed in the filter box, parsed
 * once per change into one compiled test per row, so that filtering 100,000
 * kept rows is a loop over precomputed text (the table draws only the rows
 * on screen). The same filter applies to the Summary's tables and trees.
 *
 *   words           each word appears somewhere in the row ("a phrase" as one)
 *   comm:sh         the process name (exact, * as a wildcard: comm:runc*); comm:sh,cat either
 *   pid:42          the PID in the container (pid:42,43); tid:43; host:8818 the host PID
 *   errno:ENOENT    failed with that errno (err: too, * allowed); is:failed, is:ok
 *   is:runtime      only the container runtime's own events (shown even while hidden)
 *   %file           events tagged so by their kind (the syscall kind: strace's classes,
 *                   %file, %network, %process, ...); syscall:openat,read their syscall
 *   -term           not: -comm:sh, -ENOENT, -is:failed
 *
 * Terms of one field are alternatives (comm:sh comm:cat = either); all
 * others must hold together. Pure: no DOM (unit-tested).
 */
import type { Row } from './messages';
import type { FlamePanel, Panel, TablePanel, TableRow, TreeNode, TreePanel } from './panels';

export type Field = 'text' | 'comm' | 'pid' | 'tid' | 'host' | 'errno' | 'is' | 'tag';

export interface Term {
  field: Field;
  /** Lower case for text and comm, upper case for errno; numbers for PIDs. */
  values: string[];
  not: boolean;
  /** How it was typed (a chip's label, and what removing the chip removes). */
  source: string;
  /** Why it is ignored (a bad PID, an unknown is:), shown on its chip. */
  error?: string;
}

export interface Filter {
  terms: Term[];
  /** Whether any term filters (an empty box, or only ignored terms: no). */
  active: boolean;
  /** A positive is:runtime: the runtime's events are what the user asked for. */
  wantsRuntime: boolean;
}

const FIELDS: Record<string, Field> = { comm: 'comm', pid: 'pid', tid: 'tid', host: 'host', hostpid: 'host', errno: 'errno', err: 'errno', error: 'errno', is: 'is', syscall: 'tag' };
const IS = ['failed', 'ok', 'runtime'];

/** The filter box's text, parsed. Unknown `word:` prefixes are plain text (`localhost:80`, `::1`). */
export function parseFilter(input: string): Filter {
  const terms: Term[] = [];
  for (const m of input.matchAll(/(-?)(?:"([^"]*)"?|(\S+))/g)) {
    const not = m[1] === '-';
    const source = m[0];
    if (m[2] !== undefined) {
      if (m[2]) terms.push({ field: 'text', values: [m[2].toLowerCase()], not, source });
      continue;
    }
    const word = m[3];
    // %file: a tag (strace's class names).
    if (/^%%?[a-z]+$/i.test(word)) {
      terms.push({ field: 'tag', values: [word.toLowerCase()], not, source });
      continue;
    }
    const f = /^([a-z]+):(.*)$/i.exec(word);
    const field = f ? FIELDS[f[1].toLowerCase()] : undefined;
    if (!f || !field) {
      if (word === '-') continue;
      terms.push({ field: 'text', values: [word.toLowerCase()], not, source });
      continue;
    }
    const raw = f[2].replace(/^"|"$/g, '');
    const values = raw.split(',').filter(Boolean);
    if (!values.length) {
      terms.push({ field, values: [], not, source, error: `${f[1]}: needs a value` });
      continue;
    }
    const t: Term = { field, values, not, source };
    if (field === 'pid' || field === 'tid' || field === 'host') {
      if (!values.every((v) => /^\d+$/.test(v))) t.error = `${f[1]}: takes numbers (pid:42,43)`;
    } else if (field === 'is') {
      t.values = values.map((v) => v.toLowerCase());
      if (!t.values.every((v) => IS.includes(v))) t.error = `is: takes ${IS.join(', ')}`;
    } else if (field === 'errno') {
      t.values = values.map((v) => v.toUpperCase());
    } else {
      t.values = values.map((v) => v.toLowerCase());
    }
    terms.push(t);
  }
  const used = terms.filter((t) => !t.error);
  return { terms, active: used.length > 0, wantsRuntime: used.some((t) => t.field === 'is' && !t.not && t.values.includes('runtime')) };
}

/** The filter's text without one of its terms (a chip's ×). */
export function withoutTerm(f: Filter, index: number): string {
  return f.terms.filter((_, i) => i !== index).map((t) => t.source).join(' ');
}

/** A chip's words: `comm is sh or cat`, `not errno ENOENT`, `text "foo"`. */
export function termLabel(t: Term): string {
  const name = t.field === 'text' ? 'text' : t.field === 'tag' ? (t.values[0]?.startsWith('%') ? 'class' : 'syscall') : t.field === 'host' ? 'host PID' : t.field === 'is' ? 'is' : t.field === 'pid' ? 'PID' : t.field === 'tid' ? 'TID' : t.field;
  const values = t.field === 'text' ? `“${t.values[0] ?? ''}”` : t.values.join(' or ');
  return `${t.not ? 'not ' : ''}${name} ${values}`;
}

/** What a term looks at, for one row of any kind (an event, a table row, a tree node). */
export interface Subject {
  /** Lower-case text of every column. */
  text: string;
  /** Lower-case process names. */
  comms: string[];
  pids: number[];
  tids: number[];
  hosts: number[];
  /** Upper-case errno names. */
  errnos: string[];
  failed: boolean;
  runtime: boolean;
  /** Lower-case tags (the syscall kind: its name and classes). */
  tags?: string[];
}

const globs = new Map<string, RegExp>();
function like(value: string, pattern: string): boolean {
  if (!pattern.includes('*')) return value === pattern;
  let re = globs.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    if (globs.size > 256) globs.clear();
    globs.set(pattern, re);
  }
  return re.test(value);
}

function holds(t: Term, s: Subject): boolean {
  switch (t.field) {
    case 'text':
      return s.text.includes(t.values[0]);
    case 'comm':
      return t.values.some((v) => s.comms.some((c) => like(c, v)));
    case 'pid':
      return t.values.some((v) => s.pids.includes(Number(v)));
    case 'tid':
      return t.values.some((v) => s.tids.includes(Number(v)));
    case 'host':
      return t.values.some((v) => s.hosts.includes(Number(v)));
    case 'errno':
      return t.values.some((v) => s.errnos.some((e) => like(e, v)));
    case 'is':
      return t.values.some((v) => (v === 'failed' ? s.failed : v === 'ok' ? !s.failed : s.runtime));
    case 'tag':
      return t.values.some((v) => s.tags?.some((g) => like(g, v)) ?? false);
  }
}

/** A test of subjects: every group of positive terms of one field has one that holds, no negative term holds. */
export function compile(f: Filter): (s: Subject) => boolean {
  const used = f.terms.filter((t) => !t.error);
  const nots = used.filter((t) => t.not);
  // Text terms each must hold; the other fields' terms are alternatives within their field.
  const groups: Term[][] = [];
  const byField = new Map<Field, Term[]>();
  for (const t of used) {
    if (t.not) continue;
    if (t.field === 'text') groups.push([t]);
    else {
      let g = byField.get(t.field);
      if (!g) byField.set(t.field, (g = []));
      g.push(t);
    }
  }
  groups.push(...byField.values());
  return (s) => groups.every((g) => g.some((t) => holds(t, s))) && !nots.some((t) => holds(t, s));
}

/** The lower-case text an event row is searched by (computed once per row). */
export function rowText(r: Row): string {
  return `${r[0]} ${r[1]} ${r[2]} ${r[3]} ${r[4]} ${r[5]} ${r[6]}`.toLowerCase();
}

/**
 * The test for Events rows (`text`: rowText of the row), with the runtime's
 * rows hidden unless `showRuntime` (or the filter asks for them). One
 * subject object is reused: no allocation per row.
 */
export function eventTest(f: Filter, showRuntime: boolean): ((r: Row, text: string) => boolean) | undefined {
  const hideRuntime = !showRuntime && !f.wantsRuntime;
  if (!f.active && !hideRuntime) return undefined;
  const test = f.active ? compile(f) : () => true;
  const s: Subject = { text: '', comms: [''], pids: [0], tids: [0], hosts: [0], errnos: [], failed: false, runtime: false, tags: [] };
  const errno: string[] = [''];
  // Tags split only when a term looks at them.
  const tagged = f.terms.some((t) => t.field === 'tag');
  return (r, text) => {
    if (hideRuntime && r[8]) return false;
    s.text = text;
    s.comms[0] = r[4].toLowerCase();
    s.pids[0] = r[1];
    s.tids[0] = r[2];
    s.hosts[0] = r[3];
    errno[0] = r[9];
    s.errnos = r[9] ? errno : [];
    s.failed = r[7] === 1;
    s.runtime = r[8] === 1;
    if (tagged) s.tags = r[13] ? r[13].split(' ') : [];
    return test(s);
  };
}

const ERRNO = /\bE[A-Z0-9]{2,}\b/g;
const words = (text: string) => text.toLowerCase().split(/[\s,;()]+/).filter(Boolean);

function tableSubject(p: TablePanel, r: TableRow): Subject {
  const s: Subject = { text: '', comms: [], pids: [], tids: [], hosts: r.hostPid ? [r.hostPid] : [], errnos: [], failed: !!r.failed, runtime: !!r.runtime, tags: [] };
  const texts: string[] = [];
  r.cells.forEach((v, i) => {
    if (v === null) return;
    const col = p.columns[i];
    const t = String(v);
    texts.push(t);
    if (col?.pid && typeof v === 'number') s.pids.push(v);
    if (col && (col.comm || col.label === 'Comm')) {
      s.comms.push(t.toLowerCase());
      s.comms.push(...words(t));
    }
    for (const m of t.matchAll(ERRNO)) s.errnos.push(m[0]);
    // Tags: a Syscall column's name, and %class words in any cell.
    if (col?.label === 'Syscall') s.tags!.push(t.toLowerCase());
    if (t.includes('%')) for (const w of words(t)) if (w.startsWith('%')) s.tags!.push(w);
  });
  s.text = texts.join(' ').toLowerCase();
  return s;
}

function nodeSubject(n: TreeNode): Subject {
  return {
    text: `${n.pid} ${n.label} ${n.detail} ${n.hostPid}`.toLowerCase(),
    comms: [n.label.toLowerCase()],
    pids: [n.pid],
    tids: [],
    hosts: [n.hostPid],
    errnos: [...n.detail.matchAll(ERRNO)].map((m) => m[0]),
    failed: !!n.failed,
    runtime: !!n.runtime,
  };
}

/** What the Summary holds of the container runtime (hidden or shown by the toggle): counts by what they count (`events`, `processes`, `calls`). */
export type HiddenRuntime = Map<string, number>;

/**
 * The Summary's panels as the filter and the runtime toggle leave them: table
 * rows that pass, tree nodes that pass (a passing node's nearest passing
 * ancestor becomes its parent, so the tree stays a tree). Charts and
 * histograms cover everything and stay as they are.
 */
export function filterPanels(panels: Panel[], f: Filter, showRuntime: boolean): { panels: Panel[]; hidden: HiddenRuntime } {
  const hidden: HiddenRuntime = new Map();
  const hideRuntime = !showRuntime && !f.wantsRuntime;
  const count = (noun: string, n: number) => hidden.set(noun, (hidden.get(noun) ?? 0) + n);
  const test = f.active ? compile(f) : undefined;
  const out = panels.map((p): Panel => {
    if (p.type === 'table') {
      const rows = p.rows.filter((r) => {
        if (r.runtime) count(p.runtimeNoun ?? 'events', r.runtime);
        if (hideRuntime && r.runtime) return false;
        return !test || test(tableSubject(p, r));
      });
      return rows.length === p.rows.length ? p : { ...p, rows };
    }
    if (p.type === 'tree') return filterTree(p, test, hideRuntime, count);
    // A flame graph keeps every frame (widths are shares of the whole); the filter marks the ones it matches.
    if (p.type === 'flame' && test) return { ...p, matched: flameMatches(p, test) };
    return p;
  });
  return { panels: out, hidden };
}

function filterTree(p: TreePanel, test: ((s: Subject) => boolean) | undefined, hideRuntime: boolean, count: (noun: string, n: number) => void): TreePanel {
  const keep = new Set<string>();
  for (const n of p.nodes) {
    if (n.runtime) count('processes', 1);
    if (!(hideRuntime && n.runtime) && (!test || test(nodeSubject(n)))) keep.add(n.key);
  }
  if (keep.size === p.nodes.length) return p;
  const parentOf = new Map(p.nodes.map((n) => [n.key, n.parent]));
  const nodes: TreeNode[] = [];
  for (const n of p.nodes) {
    if (!keep.has(n.key)) continue;
    let parent = n.parent;
    for (let depth = 0; parent !== undefined && !keep.has(parent) && depth < 4096; depth++) parent = parentOf.get(parent);
    nodes.push(parent === n.parent ? n : { ...n, parent });
  }
  return { ...p, nodes };
}

function flameMatches(p: FlamePanel, test: (s: Subject) => boolean): number[] {
  const s: Subject = { text: '', comms: [''], pids: [], tids: [], hosts: [], errnos: [], failed: false, runtime: false };
  const out: number[] = [];
  p.nodes.forEach((n, i) => {
    if (i === 0) return;
    s.text = `${n.name} ${n.where}`.toLowerCase();
    s.comms[0] = n.comm.toLowerCase();
    if (test(s)) out.push(i);
  });
  return out;
}

/** `312 events, 2 processes` (what the toggle hides or shows). */
export function hiddenText(hidden: HiddenRuntime): string {
  const one = (noun: string) => (noun === 'processes' ? 'process' : noun.replace(/s$/, ''));
  return [...hidden]
    .filter(([, n]) => n > 0)
    .map(([noun, n]) => `${n.toLocaleString('en-US')} ${n === 1 ? one(noun) : noun}`)
    .join(', ');
}
