/**
 * The profile's live Summary: every report's stacks merged into one tree of
 * frames (root → process → outermost frame → … → leaf, kernel frames above
 * the user ones they interrupted), drawn as a flame graph; the functions by
 * self and total samples; samples a second over time. Bounded: at most
 * MAX_NODES frames are kept (more are folded into a "[more]" frame under
 * their parent, counted), and a panel sends only the frames wide enough to
 * draw.
 */
import type { ProfileEvent, ProfileFrame } from '../../protocol';
import { formatNs, type ChartPanel, type FlameNode, type FlamePanel, type Panel, type Summary, type TablePanel } from '../../webview/panels';
import { fileOf, frameName, frameWhere, FunctionTotals, weightOf } from './top';

/** Frames kept in the tree at most. */
export const MAX_NODES = 50_000;
/** Frames a panel sends at most (the widest), and the narrowest share it sends. */
export const MAX_SENT = 6_000;
const MIN_SHARE = 1 / 2000;
/** Functions in the table at most. */
const MAX_FUNCTIONS = 300;
/** Points of the samples-a-second chart. */
const MAX_POINTS = 600;

interface Node {
  name: string;
  where: string;
  /** Samples of the frame this node's `where` came from (the most sampled wins). */
  whereSamples: number;
  file?: string;
  line?: number;
  total: number;
  self: number;
  kernel: boolean;
  unsymbolized: boolean;
  process: boolean;
  comm: string;
  children: Map<string, Node>;
}

const node = (name: string, where: string, comm: string, extra: Partial<Node> = {}): Node => ({ name, where, whereSamples: 0, total: 0, self: 0, kernel: false, unsymbolized: false, process: false, comm, children: new Map(), ...extra });

export class FlameSummary implements Summary<ProfileEvent> {
  private readonly root = node('all', '', '');
  private nodes = 1;
  private folded = 0;
  private readonly functions = new FunctionTotals();
  /** One per report: seconds since the summary began, samples a second, the report's time. */
  private readonly points: { t: number; v: number; time: string }[] = [];
  private readonly pids = new Map<Node, Set<number>>();
  private readonly startedAt = Date.now();
  /** The report being added (its time): its samples go to one chart point. */
  private reportTime = '';
  private reportSamples = 0;
  private reportInterval = 1000;
  /** Off-CPU: weights are nanoseconds off the CPU (set by the first report). */
  private offCpu = false;

  add(events: readonly ProfileEvent[]): void {
    for (const e of events) {
      if (e.blockedNs !== undefined) this.offCpu = true;
      if (e.time !== this.reportTime) this.closeReport(e);
      this.reportSamples += weightOf(e);
      this.functions.add(e);
      this.addStack(e);
    }
    this.pushPoint();
  }

  private closeReport(e: ProfileEvent): void {
    this.pushPoint();
    this.reportTime = e.time;
    this.reportSamples = 0;
    this.reportInterval = e.interval || 1000;
  }

  /** The report so far as its chart point (replaced while the report's batches come). */
  private pushPoint(): void {
    if (!this.reportTime) return;
    const t = Math.round((Date.now() - this.startedAt) / 100) / 10;
    // Off-CPU: milliseconds off the CPU a second (threads waiting, on average, × 1000).
    const v = Math.round((this.reportSamples * 1000) / this.reportInterval / (this.offCpu ? 1e6 : 1));
    const last = this.points[this.points.length - 1];
    if (last?.time === this.reportTime) {
      last.v = v;
      return;
    }
    this.points.push({ t, v, time: this.reportTime });
    if (this.points.length > MAX_POINTS) this.points.splice(0, this.points.length - MAX_POINTS);
  }

  private addStack(e: ProfileEvent): void {
    const n = weightOf(e);
    this.root.total += n;
    let at = this.child(this.root, `p\u0000${e.comm}`, () => node(e.comm, '', e.comm, { process: true }));
    let pids = this.pids.get(at);
    if (!pids) this.pids.set(at, (pids = new Set()));
    if (pids.size < 64) pids.add(e.pid);
    at.total += n;
    // Outermost first: the stack comes leaf first, the kernel's frames before the user's.
    const frames: (ProfileFrame | string)[] = [...e.stack].reverse();
    if (e.lost?.length) frames.push(`[${e.lost.join(' and ')} stack lost]`);
    if (!frames.length) frames.push('[no stack]');
    for (const f of frames) {
      const name = typeof f === 'string' ? f : frameName(f);
      const kernel = typeof f !== 'string' && !!f.kernel;
      at = this.child(at, `${kernel ? 'k' : 'u'}\u0000${name}`, () => node(name, '', e.comm, { kernel, unsymbolized: typeof f !== 'string' && !f.function }));
      at.total += n;
      if (typeof f !== 'string' && n > at.whereSamples) {
        at.where = frameWhere(f);
        Object.assign(at, fileOf(f));
        at.whereSamples = n;
      }
    }
    at.self += n;
  }

  /** A child by key, made when there is room; else the parent's "[more]" frame. */
  private child(parent: Node, key: string, make: () => Node): Node {
    const had = parent.children.get(key);
    if (had) return had;
    if (this.nodes >= MAX_NODES) {
      this.folded++;
      const more = parent.children.get('more');
      if (more) return more;
      // One "[more]" per parent may still be made past the bound: at most the tree's size again, in the worst case.
      const m = node('[more]', `frames past the bound of ${MAX_NODES.toLocaleString('en-US')}`, parent.comm);
      parent.children.set('more', m);
      this.nodes++;
      return m;
    }
    const c = make();
    parent.children.set(key, c);
    this.nodes++;
    return c;
  }

  panels(): Panel[] {
    return [this.flame(), this.table(), this.chart()];
  }

  private flame(): FlamePanel {
    const total = this.root.total;
    const min = Math.max(1, total * MIN_SHARE);
    const nodes: FlameNode[] = [];
    let hidden = 0;
    // Widest first, so the bound keeps what shows; then each node's children in name order.
    const queue: [Node, number][] = [[this.root, -1]];
    for (let i = 0; i < queue.length; i++) {
      const [n, parent] = queue[i];
      const index = nodes.length;
      const pids = n.process ? [...(this.pids.get(n) ?? [])] : undefined;
      nodes.push({
        parent,
        name: n.name,
        where: pids ? `PID ${pids.slice(0, 8).join(', ')}${pids.length > 8 ? ', …' : ''}` : n.where,
        total: n.total,
        self: n.self,
        comm: n.comm,
        ...(n.kernel ? { kernel: true } : {}),
        ...(n.unsymbolized ? { unsymbolized: true } : {}),
        ...(n.process ? { process: true } : {}),
        ...(n.file ? { file: n.file, ...(n.line ? { line: n.line } : {}) } : {}),
      });
      const kids = [...n.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const c of kids) {
        if (c.total < min || queue.length >= MAX_SENT) hidden += 1 + descendants(c);
        else queue.push([c, index]);
      }
    }
    return {
      type: 'flame',
      id: 'flame',
      title: this.offCpu ? `Off-CPU flame graph · ${formatNs(total)} off the CPU` : `Flame graph · ${total.toLocaleString('en-US')} samples`,
      nodes,
      hidden,
      folded: this.folded,
      ...(this.offCpu ? { unit: 'ns' as const } : {}),
    };
  }

  private table(): TablePanel {
    const all = this.functions.list();
    const samples = this.functions.samples || 1;
    const pct = (v: number) => Math.round((1000 * v) / samples) / 10;
    return {
      type: 'table',
      id: 'functions',
      title: 'Functions',
      columns: [
        { label: 'Function', wide: true },
        { label: 'Where', wide: true },
        { label: this.offCpu ? 'Self time' : 'Self', num: this.offCpu ? 'ns' : 'count' },
        { label: 'Self %', num: 'count' },
        { label: this.offCpu ? 'Total time' : 'Total', num: this.offCpu ? 'ns' : 'count' },
        { label: 'Total %', num: 'count' },
      ],
      rows: all.slice(0, MAX_FUNCTIONS).map((f) => ({ key: f.name, cells: [f.name, f.where, f.self, pct(f.self), f.total, pct(f.total)], ...(f.file ? { source: { col: 1, kind: 'f' as const, name: f.file, ...(f.line ? { line: f.line } : {}) } } : {}) })),
      sortBy: 2,
      ...(all.length > MAX_FUNCTIONS ? { more: all.length - MAX_FUNCTIONS } : {}),
    };
  }

  private chart(): ChartPanel {
    if (this.offCpu) return { type: 'chart', id: 'rate', title: 'Time off the CPU a second (all threads)', unit: 'ms/s', points: this.points.map((p) => [p.t, p.v]) };
    return { type: 'chart', id: 'rate', title: 'CPU samples a second (all CPUs)', unit: 'samples/s', points: this.points.map((p) => [p.t, p.v]) };
  }
}

function descendants(n: Node): number {
  let count = 0;
  const stack = [...n.children.values()];
  while (stack.length && count < MAX_NODES) {
    const c = stack.pop()!;
    count++;
    for (const g of c.children.values()) stack.push(g);
  }
  return count;
}
