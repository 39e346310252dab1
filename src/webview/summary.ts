/// <reference lib="dom" />
/**
 * The live view's Summary tab: the panels a kind's summary builds (tables
 * sortable by any column, a row's latency histogram, a collapsible process
 * tree with a flat list one click away, charts on a canvas), drawn with the
 * theme's colours. PIDs are links: the extension reveals the process.
 *
 * Updates happen in place: each panel keeps its section, a table its rows
 * and the tree its lines, by key; a row or line is rebuilt only when what
 * it shows changed, and moved only when its place did. A post a few times
 * a second costs what changed, not the whole tab.
 */
import { flameContent } from './flame';
import { sourceKey } from './messages';
import { sourceLink, sourceOf } from './sources';
import { formatNs, type ChartPanel, type HistogramPanel, type Panel, type TablePanel, type TableRow, type TreeNode, type TreePanel } from './panels';

export interface SummaryHost {
  reveal(pid: number, hostPid: number): void;
  /** A group of the process tree opened or closed (the extension then sends its members, or stops). */
  expand(key: string, open: boolean): void;
}

/** Elements kept from the last drawing, by key, with what they showed. */
interface Kept<E extends Element = HTMLElement> {
  sig: string;
  el: E;
}
const sections = new Map<string, HTMLElement>();
let rowsKept = new Map<string, Kept<HTMLTableRowElement>>();
let linesKept = new Map<string, Kept>();
let itemsKept = new Map<string, HTMLLIElement>();

/** `parent`'s children become exactly `nodes`, in order, moving only what is out of place. */
function reconcile(parent: Element, nodes: Node[]): void {
  let at = parent.firstChild;
  for (const n of nodes) {
    if (n === at) at = at.nextSibling;
    else parent.insertBefore(n, at);
  }
  while (at) {
    const next = at.nextSibling;
    at.remove();
    at = next;
  }
}

/** A summary table's row height, measured once it drew one; rows beyond its window ± this many are not in the DOM. */
const rowHeight = new Map<string, number>();
const TABLE_OVERSCAN = 30;

const sortState = new Map<string, { col: number; desc: boolean }>();
const selected = new Map<string, string>();
const collapsed = new Set<string>();
let flatTree = false;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A panel's section with its heading (and the id tests and the DOM find it by), kept from the last drawing. */
function panelBox(p: Panel): HTMLElement {
  let box = sections.get(p.id);
  if (!box) {
    box = el('section', 'panel');
    box.dataset.panel = p.id;
    sections.set(p.id, box);
  }
  const h3 = el('h3', undefined, p.title);
  return Object.assign(box, { heading: h3 });
}

/** A section's heading and content, replacing what it had. */
function fill(box: HTMLElement, content: Node[]): HTMLElement {
  reconcile(box, [(box as HTMLElement & { heading: HTMLElement }).heading, ...content]);
  return box;
}

function formatBytes(v: number): string {
  return v >= 1 << 30 ? `${(v / 2 ** 30).toFixed(1)} GiB` : v >= 1 << 20 ? `${(v / 2 ** 20).toFixed(1)} MiB` : v >= 1 << 10 ? `${(v / 1024).toFixed(1)} KiB` : `${v} B`;
}

function cellText(v: string | number | null, num: TablePanel['columns'][number]['num']): string {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return v;
  if (num === 'ns') return formatNs(v);
  if (num === 'bytes') return formatBytes(v);
  if (num === 'ms') return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v} ms`;
  return v.toLocaleString('en-US');
}

function pidLink(host: SummaryHost, pid: number, hostPid: number | undefined): HTMLElement {
  const a = el('a', 'pid', String(pid));
  a.href = '#';
  a.title = `Reveal process ${pid}${hostPid ? ` (host ${hostPid})` : ''} in the Containers view`;
  a.addEventListener('click', (ev) => {
    ev.preventDefault();
    host.reveal(pid, hostPid ?? 0);
  });
  return a;
}

function table(p: TablePanel, filter: string, host: SummaryHost): HTMLElement {
  const box = panelBox(p);
  const state = sortState.get(p.id) ?? { col: p.sortBy, desc: true };
  // Rows come filtered (./filter): `filter` is the text that did it, for the words when none is left.
  let rows = p.rows;
  if (state.col >= 0) {
    const c = state.col;
    const num = !!p.columns[c]?.num;
    rows = [...rows].sort((a, b) => {
      const x = a.cells[c];
      const y = b.cells[c];
      const d = num ? Number(x ?? -1) - Number(y ?? -1) : String(x ?? '').localeCompare(String(y ?? ''));
      return state.desc ? -d : d;
    });
  }
  const scroll = (box.querySelector(':scope > .table-scroll') as HTMLElement | null) ?? el('div', 'table-scroll');
  const t = (scroll.querySelector(':scope > table') as HTMLTableElement | null) ?? el('table', 'summary-table');
  t.setAttribute('role', 'grid');
  const head = el('tr');
  p.columns.forEach((col, i) => {
    const th = el('th', col.num ? 'num' : col.wide ? 'wide' : undefined, col.label + (state.col === i ? (state.desc ? ' ▾' : ' ▴') : ''));
    th.setAttribute('role', 'columnheader');
    th.setAttribute('aria-sort', state.col === i ? (state.desc ? 'descending' : 'ascending') : 'none');
    th.tabIndex = 0;
    th.title = `Sort by ${col.label}`;
    const sort = () => {
      sortState.set(p.id, { col: i, desc: state.col === i ? !state.desc : !!col.num });
      box.dispatchEvent(new CustomEvent('resort', { bubbles: true }));
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (e) => e.key === 'Enter' && sort());
    head.append(th);
  });
  const thead = t.tHead ?? el('thead');
  const headSig = head.textContent ?? '';
  if (thead.dataset.sig !== headSig) {
    thead.dataset.sig = headSig;
    thead.replaceChildren(head);
  }
  const body = t.tBodies[0] ?? el('tbody');
  reconcile(t, [thead, body]);
  const sel = selected.get(p.id);
  const selectedRow = sel ? rows.find((r) => r.key === sel) : undefined;
  // Only the rows in the table's scrolled window (and a few either side) are in the DOM; spacers
  // above and below the table keep its height, so the scrollbar is the whole table's.
  if (!scroll.dataset.watched) {
    scroll.dataset.watched = '1';
    scroll.addEventListener('scroll', () => box.dispatchEvent(new CustomEvent('resort', { bubbles: true })), { passive: true });
  }
  const rowH = rowHeight.get(p.id) ?? 20;
  const view = scroll.clientHeight || 600;
  const first = Math.max(0, Math.min(rows.length, Math.floor(scroll.scrollTop / rowH) - TABLE_OVERSCAN));
  const last = Math.min(rows.length, Math.ceil((scroll.scrollTop + view) / rowH) + TABLE_OVERSCAN);
  const trs: HTMLTableRowElement[] = [];
  for (let i = first; i < last; i++) {
    const r = rows[i];
    const key = `${p.id}\u0000${r.key}`;
    const src = r.source ? sourceOf(sourceKey(r.source.kind, r.source.name)) : undefined;
    const sig = `${r.key === sel ? 1 : 0}${r.failed ? 1 : 0}${r.hist ? 1 : 0}${r.runtime ? 1 : 0}${src ? (src.ok ? 2 : 1) : 0}\u0000${r.hostPid ?? ''}\u0000${r.hostPids?.join(',') ?? ''}\u0000${r.cells.join('\u0001')}`;
    let kept = rowsKept.get(key);
    if (!kept || kept.sig !== sig) kept = { sig, el: tableRow(p, r, sel, box, host) };
    keptNow.rows.set(key, kept);
    // Stripes by the row's place in the whole table (not in the DOM's window).
    kept.el.classList.toggle('alt', i % 2 === 1);
    trs.push(kept.el);
  }
  reconcile(body, trs);
  const above = (scroll.querySelector(':scope > .pad-above') as HTMLElement | null) ?? el('div', 'pad-above');
  const below = (scroll.querySelector(':scope > .pad-below') as HTMLElement | null) ?? el('div', 'pad-below');
  above.style.height = `${first * rowH}px`;
  below.style.height = `${(rows.length - last) * rowH}px`;
  reconcile(scroll, [above, t, below]);
  if (trs.length && !rowHeight.has(p.id)) {
    const h = trs[0].getBoundingClientRect().height;
    if (h > 0) rowHeight.set(p.id, h);
  }
  const content: Node[] = [scroll];
  if (!rows.length) content.push(el('p', 'muted', filter ? 'No row matches the filter.' : 'Nothing yet.'));
  if (p.more) content.push(el('p', 'muted', `${p.more.toLocaleString('en-US')} more not listed (the table keeps the first ones by its order).`));
  if (selectedRow?.hist) content.push(histogram({ type: 'histogram', id: `${p.id}-hist`, title: `Latency of ${selectedRow.cells.filter((c) => typeof c === 'string').join(' ')}`, buckets: selectedRow.hist }));
  return fill(box, content);
}

function tableRow(p: TablePanel, r: TableRow, sel: string | undefined, box: HTMLElement, host: SummaryHost): HTMLTableRowElement {
  const tr = el('tr', [r.failed ? 'failed' : '', r.runtime ? 'runtime' : '', r.key === sel ? 'selected' : ''].filter(Boolean).join(' '));
  tr.dataset.key = r.key;
  r.cells.forEach((v, i) => {
    const col = p.columns[i];
    const td = el('td', col.num ? 'num' : col.wide ? 'wide' : undefined);
    if (col.pid && typeof v === 'number' && v > 0) td.append(pidLink(host, v, r.hostPids?.[i] ?? r.hostPid));
    else if (r.source?.col === i && typeof v === 'string') td.append(sourceLink(v, sourceKey(r.source.kind, r.source.name), r.source.line));
    else td.textContent = cellText(v, col.num);
    if (typeof v === 'string') td.title = v;
    tr.append(td);
  });
  if (r.hist) {
    tr.classList.add('selectable');
    tr.addEventListener('click', (ev) => {
      if ((ev.target as HTMLElement).tagName === 'A') return;
      selected.set(p.id, selected.get(p.id) === r.key ? '' : r.key);
      box.dispatchEvent(new CustomEvent('resort', { bubbles: true }));
    });
  }
  return tr;
}

/** What this drawing kept (the rest is let go once it is done). */
const keptNow = { rows: new Map<string, Kept<HTMLTableRowElement>>(), lines: new Map<string, Kept>(), items: new Map<string, HTMLLIElement>() };

const n = (v: number) => v.toLocaleString('en-US');

/** A tree line: a process (its PID a link) or a group of processes alike (opened and closed by the extension). */
function treeLine(node: TreeNode, host: SummaryHost, twist: 'open' | 'closed' | 'none', box: HTMLElement): HTMLElement {
  const div = el('div', ['node', node.count ? 'group' : '', node.ended ? 'ended' : '', node.failed ? 'failed' : '', node.runtime ? 'runtime' : ''].filter(Boolean).join(' '));
  if (twist === 'none') {
    div.append(el('span', 'twist-space'));
  } else {
    const b = el('button', 'twist', twist === 'closed' ? '▸' : '▾');
    b.setAttribute('aria-expanded', String(twist === 'open'));
    b.title = twist === 'closed' ? 'Expand' : 'Collapse';
    b.addEventListener('click', () => {
      if (node.count) {
        host.expand(node.key, !node.expanded);
      } else {
        if (collapsed.has(node.key)) collapsed.delete(node.key);
        else collapsed.add(node.key);
        box.dispatchEvent(new CustomEvent('resort', { bubbles: true }));
      }
    });
    div.append(b);
  }
  // A group's detail says how many (`/bin/true ×14,700  ·  exit 0 ×14,700`).
  if (node.count) div.append(el('span', 'comm', node.label), ' ', el('span', 'detail', node.detail));
  else div.append(pidLink(host, node.pid, node.hostPid), ' ', el('span', 'comm', node.label), ' ', el('span', 'detail', node.detail), ' ', el('span', 'muted', `host ${node.hostPid}`));
  return div;
}

/** The line of `node`, kept from the last drawing when it shows the same. */
function keptLine(node: TreeNode, host: SummaryHost, twist: 'open' | 'closed' | 'none', box: HTMLElement): HTMLElement {
  const sig = `${twist}\u0000${node.count ?? ''}\u0000${node.ended ? 1 : 0}${node.failed ? 1 : 0}${node.runtime ? 1 : 0}\u0000${node.pid}\u0000${node.hostPid}\u0000${node.label}\u0000${node.detail}`;
  let kept = linesKept.get(node.key);
  if (!kept || kept.sig !== sig) kept = { sig, el: treeLine(node, host, twist, box) };
  keptNow.lines.set(node.key, kept);
  return kept.el;
}

function moreLine(count: number, why: string): HTMLElement {
  return el('div', 'node more muted', `… ${n(count)} more ${why}`);
}

function tree(p: TreePanel, filter: string, host: SummaryHost): HTMLElement {
  const box = panelBox(p);
  const toggle = el('button', 'link', flatTree ? 'Show as a tree' : 'Show as a flat list');
  toggle.addEventListener('click', () => {
    flatTree = !flatTree;
    box.dispatchEvent(new CustomEvent('resort', { bubbles: true }));
  });
  (box as HTMLElement & { heading: HTMLElement }).heading.append(' ', toggle);
  const content: Node[] = [];
  const children = new Map<string | undefined, TreeNode[]>();
  for (const node of p.nodes) {
    const list = children.get(node.parent);
    if (list) list.push(node);
    else children.set(node.parent, [node]);
  }
  const twistOf = (node: TreeNode): 'open' | 'closed' | 'none' =>
    node.count ? (node.expanded ? 'open' : 'closed') : children.has(node.key) || node.more ? (collapsed.has(node.key) ? 'closed' : 'open') : 'none';
  // Nodes come filtered, each under its nearest shown ancestor (./filter).
  if (flatTree) {
    for (const node of p.nodes) content.push(keptLine(node, host, 'none', box));
  } else {
    const render = (node: TreeNode, depth: number): HTMLLIElement => {
      const li = itemsKept.get(node.key) ?? el('li');
      keptNow.items.set(node.key, li);
      const twist = twistOf(node);
      const parts: Node[] = [keptLine(node, host, twist, box)];
      if (twist === 'open' && depth < 64) {
        const ul = (li.querySelector(':scope > ul') as HTMLUListElement | null) ?? el('ul');
        const items: Node[] = (children.get(node.key) ?? []).map((k) => render(k, depth + 1));
        if (node.more) items.push(moreLine(node.more, node.count ? 'in this group, not listed' : 'not listed'));
        reconcile(ul, items);
        parts.push(ul);
      }
      reconcile(li, parts);
      return li;
    };
    const ul = (box.querySelector(':scope > ul.tree') as HTMLUListElement | null) ?? el('ul', 'tree');
    ul.setAttribute('role', 'tree');
    reconcile(ul, (children.get(undefined) ?? []).map((root) => render(root, 0)));
    content.push(ul);
  }
  if (!p.nodes.length) content.push(el('p', 'muted', filter ? 'No process matches the filter.' : 'No process seen yet.'));
  if (p.more) content.push(el('p', 'muted', `${n(p.more)} more processes not listed.`));
  if (p.letGo) content.push(el('p', 'muted', `${n(p.letGo)} processes no longer listed one by one (still counted in their groups).`));
  return fill(box, content);
}

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function canvasFor(box: HTMLElement, height: number): CanvasRenderingContext2D {
  const canvas = el('canvas');
  const width = Math.max(300, Math.min(1200, (document.getElementById('summary')?.clientWidth ?? 600) - 32));
  const scale = window.devicePixelRatio || 1;
  canvas.width = width * scale;
  canvas.height = height * scale;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  box.append(canvas);
  const g = canvas.getContext('2d')!;
  g.scale(scale, scale);
  g.font = `11px ${getComputedStyle(document.body).fontFamily}`;
  return g;
}

function chart(p: ChartPanel): HTMLElement {
  const box = fill(panelBox(p), []);
  const H = 160;
  const g = canvasFor(box, H);
  const W = g.canvas.width / (window.devicePixelRatio || 1);
  const fg = themeColor('--vscode-descriptionForeground', '#888');
  const line = themeColor('--vscode-charts-blue', '#3794ff');
  const pts = p.points;
  const max = Math.max(1, ...pts.map(([, v]) => v));
  const t0 = pts.length ? pts[0][0] : 0;
  const t1 = pts.length ? pts[pts.length - 1][0] : 1;
  const L = 64;
  const B = 18;
  g.strokeStyle = fg;
  g.globalAlpha = 0.3;
  g.beginPath();
  g.moveTo(L, 4);
  g.lineTo(L, H - B);
  g.lineTo(W - 4, H - B);
  g.stroke();
  g.globalAlpha = 1;
  g.fillStyle = fg;
  g.fillText(`${Math.round(max).toLocaleString('en-US')} ${p.unit}`, 2, 12);
  g.fillText('0', L - 12, H - B);
  g.fillText(`${Math.round(t0)} s`, L, H - 4);
  g.fillText(`${Math.round(t1)} s`, W - 36, H - 4);
  if (pts.length) {
    g.strokeStyle = line;
    g.lineWidth = 1.5;
    g.beginPath();
    pts.forEach(([t, v], i) => {
      const x = L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - 8);
      const y = H - B - (v / max) * (H - B - 8);
      if (i) g.lineTo(x, y);
      else g.moveTo(x, y);
    });
    g.stroke();
  } else {
    g.fillText('Waiting for the first whole second…', L + 8, H / 2);
  }
  box.setAttribute('aria-label', `${p.title}: ${pts.length} points, peak ${Math.round(max)} ${p.unit}`);
  return box;
}

function histogram(p: HistogramPanel): HTMLElement {
  const box = fill(panelBox(p), []);
  const H = 140;
  const g = canvasFor(box, H);
  const W = g.canvas.width / (window.devicePixelRatio || 1);
  const fg = themeColor('--vscode-descriptionForeground', '#888');
  const bar = themeColor('--vscode-charts-purple', '#b180d7');
  const b = p.buckets;
  const max = Math.max(1, ...b.map(([, n]) => n));
  const B = 30;
  const w = b.length ? Math.min(60, (W - 8) / b.length) : 0;
  b.forEach(([upper, n], i) => {
    const h = (n / max) * (H - B - 14);
    g.fillStyle = bar;
    g.fillRect(4 + i * w, H - B - h, Math.max(1, w - 3), h);
    g.fillStyle = fg;
    g.fillText(`≤${formatNs(upper)}`, 4 + i * w, H - B + 12);
    g.fillText(n.toLocaleString('en-US'), 4 + i * w, H - B - h - 2);
  });
  if (!b.length) {
    g.fillStyle = fg;
    g.fillText('No calls yet.', 8, H / 2);
  }
  box.setAttribute('aria-label', `${p.title}: ${b.map(([u, n]) => `${n} up to ${formatNs(u)}`).join(', ')}`);
  return box;
}

/** Draw every panel into `root`, keeping the scroll position and whatever did not change. */
export function renderPanels(root: HTMLElement, panels: Panel[], filter: string, host: SummaryHost): void {
  const scroll = root.scrollTop;
  const boxes: HTMLElement[] = [];
  for (const p of panels) {
    if (p.type === 'table') boxes.push(table(p, filter, host));
    else if (p.type === 'tree') boxes.push(tree(p, filter, host));
    else if (p.type === 'chart') boxes.push(chart(p));
    else if (p.type === 'flame') {
      const box = panelBox(p);
      boxes.push(fill(box, flameContent(p, () => box.dispatchEvent(new CustomEvent('resort', { bubbles: true })))));
    } else boxes.push(histogram(p));
  }
  reconcile(root, boxes);
  for (const id of [...sections.keys()]) if (!panels.some((p) => p.id === id)) sections.delete(id);
  rowsKept = keptNow.rows;
  linesKept = keptNow.lines;
  itemsKept = keptNow.items;
  keptNow.rows = new Map();
  keptNow.lines = new Map();
  keptNow.items = new Map();
  root.scrollTop = scroll;
}
