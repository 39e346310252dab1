/// <reference lib="dom" />
/**
 * The live view's Summary tab: the panels a kind's summary builds (tables
 * sortable by any column, a row's latency histogram, a collapsible process
 * tree with a flat list one click away, charts on a canvas), drawn with the
 * theme's colours. PIDs are links: the extension reveals the process.
 */
import { formatNs, type ChartPanel, type HistogramPanel, type Panel, type TablePanel, type TableRow, type TreeNode, type TreePanel } from './panels';

export interface SummaryHost {
  reveal(pid: number, hostPid: number): void;
}

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

/** A panel's section with its heading (and the id tests and the DOM find it by). */
function panelBox(p: Panel): HTMLElement {
  const box = el('section', 'panel');
  box.dataset.panel = p.id;
  box.append(el('h3', undefined, p.title));
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
  const t = el('table', 'summary-table');
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
  t.append(el('thead'));
  t.tHead!.append(head);
  const body = el('tbody');
  const sel = selected.get(p.id);
  let selectedRow: TableRow | undefined;
  for (const r of rows) {
    const tr = el('tr', [r.failed ? 'failed' : '', r.runtime ? 'runtime' : '', r.key === sel ? 'selected' : ''].filter(Boolean).join(' '));
    tr.dataset.key = r.key;
    r.cells.forEach((v, i) => {
      const col = p.columns[i];
      const td = el('td', col.num ? 'num' : col.wide ? 'wide' : undefined);
      if (col.pid && typeof v === 'number' && v > 0) td.append(pidLink(host, v, r.hostPids?.[i] ?? r.hostPid));
      else td.textContent = cellText(v, col.num);
      if (typeof v === 'string') td.title = v;
      tr.append(td);
    });
    if (r.hist) {
      tr.classList.add('selectable');
      tr.addEventListener('click', (ev) => {
        if ((ev.target as HTMLElement).tagName === 'A') return;
        selected.set(p.id, r.key === sel ? '' : r.key);
        box.dispatchEvent(new CustomEvent('resort', { bubbles: true }));
      });
    }
    if (r.key === sel) selectedRow = r;
    body.append(tr);
  }
  t.append(body);
  const scroll = el('div', 'table-scroll');
  scroll.append(t);
  box.append(scroll);
  if (!rows.length) box.append(el('p', 'muted', filter ? 'No row matches the filter.' : 'Nothing yet.'));
  if (p.more) box.append(el('p', 'muted', `${p.more.toLocaleString('en-US')} more not listed (the table keeps the first ones by its order).`));
  if (selectedRow?.hist) box.append(histogram({ type: 'histogram', id: `${p.id}-hist`, title: `Latency of ${selectedRow.cells.filter((c) => typeof c === 'string').join(' ')}`, buckets: selectedRow.hist }));
  return box;
}

function tree(p: TreePanel, filter: string, host: SummaryHost): HTMLElement {
  const box = panelBox(p);
  const toggle = el('button', 'link', flatTree ? 'Show as a tree' : 'Show as a flat list');
  toggle.addEventListener('click', () => {
    flatTree = !flatTree;
    box.dispatchEvent(new CustomEvent('resort', { bubbles: true }));
  });
  box.querySelector('h3')!.append(' ', toggle);
  // Nodes come filtered, each under its nearest shown ancestor (./filter).
  const shown = p.nodes;
  const line = (n: TreeNode) => {
    const div = el('div', ['node', n.ended ? 'ended' : '', n.failed ? 'failed' : '', n.runtime ? 'runtime' : ''].filter(Boolean).join(' '));
    div.append(pidLink(host, n.pid, n.hostPid), ' ', el('span', 'comm', n.label), ' ', el('span', 'detail', n.detail), ' ', el('span', 'muted', `host ${n.hostPid}`));
    return div;
  };
  if (flatTree) {
    for (const n of shown) box.append(line(n));
  } else {
    const children = new Map<string | undefined, TreeNode[]>();
    for (const n of p.nodes) {
      const list = children.get(n.parent) ?? [];
      list.push(n);
      children.set(n.parent, list);
    }
    const render = (n: TreeNode, depth: number): HTMLElement => {
      const li = el('li');
      const kids = children.get(n.key) ?? [];
      const row = line(n);
      if (kids.length) {
        const twist = el('button', 'twist', collapsed.has(n.key) ? '▸' : '▾');
        twist.setAttribute('aria-expanded', String(!collapsed.has(n.key)));
        twist.title = collapsed.has(n.key) ? 'Expand' : 'Collapse';
        twist.addEventListener('click', () => {
          if (collapsed.has(n.key)) collapsed.delete(n.key);
          else collapsed.add(n.key);
          box.dispatchEvent(new CustomEvent('resort', { bubbles: true }));
        });
        row.prepend(twist);
      } else {
        row.prepend(el('span', 'twist-space'));
      }
      li.append(row);
      if (kids.length && !collapsed.has(n.key) && depth < 64) {
        const ul = el('ul');
        for (const k of kids) ul.append(render(k, depth + 1));
        li.append(ul);
      }
      return li;
    };
    const ul = el('ul', 'tree');
    ul.setAttribute('role', 'tree');
    for (const root of children.get(undefined) ?? []) ul.append(render(root, 0));
    box.append(ul);
  }
  if (!p.nodes.length) box.append(el('p', 'muted', filter ? 'No process matches the filter.' : 'No process seen yet.'));
  if (p.more) box.append(el('p', 'muted', `${p.more} exited processes no longer listed.`));
  return box;
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
  const box = panelBox(p);
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
  const box = panelBox(p);
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

/** Draw every panel into `root`, keeping the scroll position. */
export function renderPanels(root: HTMLElement, panels: Panel[], filter: string, host: SummaryHost): void {
  const scroll = root.scrollTop;
  const frag = document.createDocumentFragment();
  for (const p of panels) {
    if (p.type === 'table') frag.append(table(p, filter, host));
    else if (p.type === 'tree') frag.append(tree(p, filter, host));
    else if (p.type === 'chart') frag.append(chart(p));
    else frag.append(histogram(p));
  }
  root.replaceChildren(frag);
  root.scrollTop = scroll;
}
