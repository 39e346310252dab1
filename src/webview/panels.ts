/**
 * What a live view's Summary tab shows, built in the extension host by the
 * kind's summary (src/kinds/<kind>/summary.ts) from every event, and drawn
 * by the webview: tables updated in place, a process tree, charts. Plain
 * data, typed on both sides.
 */

export interface Column {
  label: string;
  /** Right-aligned and sorted as a number; `ns` and `bytes` are shown with units. */
  num?: 'count' | 'ns' | 'ms' | 'bytes' | 'rate';
  /** A container-level PID: shown as a link that reveals the process in the Containers tree. */
  pid?: boolean;
  /** Process names (`comm`, or `comm pid` lists): what the filter's `comm:` looks at (besides a column labelled Comm). */
  comm?: boolean;
  /** Takes the width the others leave, cut with an ellipsis (the whole text on hover): long text never pushes numbers out of view. */
  wide?: boolean;
}

export interface TableRow {
  key: string;
  cells: (string | number | null)[];
  failed?: boolean;
  /** Host PID of the row's process (for the link). */
  hostPid?: number;
  /** Host PIDs by column, for a row with more than one PID column (sender and target). */
  hostPids?: (number | undefined)[];
  /** A latency histogram shown when the row is selected: [upper bound ns, count]. */
  hist?: [number, number][];
  /** The container runtime's own (its init before it exec'd the container's program): how many events (or calls) the row holds. Hidden unless shown. */
  runtime?: number;
  /** A cell that names a path inside the container or a frame's file: a link to its workspace file (by the view's source key). */
  source?: { col: number; kind: 'p' | 'f'; name: string; line?: number };
}

export interface TablePanel {
  type: 'table';
  id: string;
  title: string;
  columns: Column[];
  rows: TableRow[];
  /** Column sorted by until the user picks one, descending. */
  sortBy: number;
  /** Rows left out (the table keeps the first N by its order). */
  more?: number;
  /** What a row's `runtime` counts, in words (default `events`). */
  runtimeNoun?: string;
}

export interface TreeNode {
  key: string;
  parent?: string;
  pid: number;
  hostPid: number;
  label: string;
  detail: string;
  ended?: boolean;
  failed?: boolean;
  /** A group of this many processes alike (same parent, name and command line); pid and hostPid are its newest member's. */
  count?: number;
  /** A group whose members are listed (the user opened it); a closed group's members are not sent. */
  expanded?: boolean;
  /** Processes under it not listed (bounded). */
  more?: number;
  /** A process of the container runtime (its init before it exec'd): hidden unless shown. */
  runtime?: boolean;
}

export interface TreePanel {
  type: 'tree';
  id: string;
  title: string;
  nodes: TreeNode[];
  /** Processes at the top not listed (bounded). */
  more?: number;
  /** Processes no longer kept one by one (still counted in their groups). */
  letGo?: number;
  /** False when the kind does not see exits (exec): a node not ended may have exited all the same. */
  exitsSeen?: boolean;
}

export interface ChartPanel {
  type: 'chart';
  id: string;
  title: string;
  unit: string;
  /** [seconds since the trace began, value]. */
  points: [number, number][];
}

export interface HistogramPanel {
  type: 'histogram';
  id: string;
  title: string;
  /** [upper bound ns, count] */
  buckets: [number, number][];
}

/** One frame of a flame graph: a function on the stacks that passed through its parent. */
export interface FlameNode {
  /** Index of its parent in the panel's nodes (-1 for the root, nodes[0]). */
  parent: number;
  /** The function (demangled), `[module]` when it has no symbol, the process's name at the first level. */
  name: string;
  /** file:line of its most sampled frame, or module+offset; the process's PIDs at the first level. */
  where: string;
  /** Samples of stacks through it, and of those that end in it. */
  total: number;
  self: number;
  kernel?: boolean;
  /** No symbol: a module and offset only. */
  unsymbolized?: boolean;
  /** The first level: a process (its name). */
  process?: boolean;
  /** Its process's name (what `comm:` looks at). */
  comm: string;
  /** The DWARF file and line of its most sampled frame (a link to the workspace file when it maps). */
  file?: string;
  line?: number;
}

export interface FlamePanel {
  type: 'flame';
  id: string;
  title: string;
  /** Parents before their children; siblings by name (positions stay put as samples come). */
  nodes: FlameNode[];
  /** Nodes too narrow to draw (under 1/2000 of the samples) or beyond the panel's bound, not sent: how many. */
  hidden: number;
  /** Frames the summary folded into "[more]" once it held its bound of nodes. */
  folded: number;
  /** Set by the filter (./filter): indices of nodes that match it. */
  matched?: number[];
  /** What `total` and `self` count: samples (on-CPU), or nanoseconds off the CPU. */
  unit?: 'ns';
}

export type Panel = TablePanel | TreePanel | ChartPanel | HistogramPanel | FlamePanel;

/** What one view shows of a summary: the process tree's groups the user opened. */
export interface PanelOptions {
  expanded?: ReadonlySet<string>;
}

/** A kind's live summary: fed every event (updated in place, bounded), asked for panels a few times a second (bounded too). */
export interface Summary<E> {
  add(events: readonly E[]): void;
  panels(opts?: PanelOptions): Panel[];
}

/** A latency for people: ns, µs, ms or s. */
export function formatNs(v: number): string {
  if (!v) return '0';
  return v >= 1e9 ? `${(v / 1e9).toFixed(2)} s` : v >= 1e6 ? `${(v / 1e6).toFixed(2)} ms` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} µs` : `${v} ns`;
}

/** CSV of a table as shown (RFC 4180 quoting). */
export function tableCsv(t: TablePanel): string {
  const cell = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [t.columns.map((c) => cell(c.label)), ...t.rows.map((r) => r.cells.map(cell))].map((l) => l.join(',')).join('\r\n') + '\r\n';
}
