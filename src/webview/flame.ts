/// <reference lib="dom" />
/**
 * A profile's flame graph in the Summary tab: each frame as wide as its
 * share of the samples, callers above their callees (an icicle, first) or
 * below them (a flame graph, one click away), kernel frames in their own colour. Click a frame to zoom into it
 * (its callers stay, full width), Reset to come back. The filter box
 * searches it: matching frames are marked, the rest dimmed, and the share of
 * samples that pass through a match is said. Hover says a frame's function,
 * where it is, its total and self samples and shares.
 */
import { sourceKey } from './messages';
import { openSourceKey, sourceOf } from './sources';
import { formatNs, type FlameNode, type FlamePanel } from './panels';

const ROW_PX = 18;
/** Frames narrower than this share of the zoomed frame are not drawn. */
const MIN_DRAWN = 0.0005;

interface View {
  /** The zoomed frame, by its path of names (it survives updates; gone: no zoom). */
  zoom: string | null;
  icicle: boolean;
}
const views = new Map<string, View>();

const share = (v: number, of: number) => `${of ? ((100 * v) / of).toFixed(1) : '0.0'}%`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Each node's path of names from the root (a stable key across updates). */
function paths(nodes: FlameNode[]): string[] {
  const out: string[] = [];
  nodes.forEach((n, i) => (out[i] = n.parent < 0 ? n.name : `${out[n.parent]}\u0001${n.kernel ? 'k' : ''}${n.name}`));
  return out;
}

/** The graph's content for its section: controls, what the search matched, the frames, what was left out. `redraw` draws it again (a zoom, a toggle). */
export function flameContent(p: FlamePanel, redraw: () => void): Node[] {
  // Icicle first (callers on top, as most profilers open): the root and the busiest frames are in view whatever the depth.
  const view = views.get(p.id) ?? { zoom: null, icicle: true };
  views.set(p.id, view);
  const nodes = p.nodes;
  if (!nodes.length || !nodes[0].total) return [el('p', 'muted', 'No samples yet: the first report comes after the first interval.')];
  const path = paths(nodes);
  const kids: number[][] = nodes.map(() => []);
  const depth: number[] = [0];
  for (let i = 1; i < nodes.length; i++) {
    kids[nodes[i].parent].push(i);
    depth[i] = depth[nodes[i].parent] + 1;
  }
  let z = view.zoom ? path.indexOf(view.zoom) : 0;
  if (z < 0) {
    z = 0;
    view.zoom = null;
  }
  const matched = p.matched ? new Set(p.matched) : undefined;
  const total = nodes[0].total;
  // What widths are shares of: samples, or (off-CPU) the time off the CPU.
  const off = p.unit === 'ns';
  const amount = (v: number) => (off ? formatNs(v) : `${v.toLocaleString('en-US')} samples`);
  const whole = off ? 'the time off the CPU' : 'the samples';

  // Positions: the zoomed frame and its callers span the width; below it, each frame's callees from its left edge.
  const x = new Float64Array(nodes.length).fill(-1);
  const w = new Float64Array(nodes.length);
  for (let a = z; a >= 0; a = nodes[a].parent) {
    x[a] = 0;
    w[a] = 1;
    if (nodes[a].parent < 0) break;
  }
  const order: number[] = [z];
  for (let i = 0; i < order.length; i++) {
    const n = order[i];
    let left = x[n];
    for (const c of kids[n]) {
      x[c] = left;
      w[c] = nodes[c].total / nodes[z].total;
      left += w[c];
      if (w[c] >= MIN_DRAWN) order.push(c);
    }
  }
  const drawn = [...Array(nodes.length).keys()].filter((i) => x[i] >= 0 && w[i] >= MIN_DRAWN);
  const maxDepth = Math.max(...drawn.map((i) => depth[i]));

  // What the search matched: samples through a matching frame (counted once where matches nest).
  let matchText = '';
  if (matched) {
    let through = 0;
    let frames = 0;
    for (const i of matched) {
      if (i === 0) continue;
      frames++;
      let a = nodes[i].parent;
      while (a > 0 && !matched.has(a)) a = nodes[a].parent;
      if (a <= 0) through += nodes[i].total;
    }
    matchText = frames ? `${frames.toLocaleString('en-US')} frame${frames === 1 ? '' : 's'} match: ${share(through, total)} of ${whole} ${off ? 'passes' : 'pass'} through them` : 'No frame matches the filter.';
  }

  const controls = el('div', 'flame-controls');
  const flip = el('button', 'link', view.icicle ? 'Show as a flame graph' : 'Show as an icicle');
  flip.addEventListener('click', () => {
    view.icicle = !view.icicle;
    redraw();
  });
  const reset = el('button', 'link', 'Reset zoom');
  reset.disabled = z === 0;
  reset.addEventListener('click', () => {
    view.zoom = null;
    redraw();
  });
  const zoomed = el('span', 'muted', z ? `zoomed into ${nodes[z].name} (${share(nodes[z].total, total)} of ${whole})` : 'click a frame to zoom into it');
  controls.append(flip, ' · ', reset, ' · ', zoomed);
  if (matchText) controls.append(' · ', el('span', 'flame-match-text', matchText));

  const graph = el('div', `flame${view.icicle ? ' icicle' : ''}`);
  graph.setAttribute('role', 'img');
  graph.setAttribute('aria-label', `${view.icicle ? 'Icicle' : 'Flame'} graph: ${drawn.length} frames, ${amount(total)}${z ? `, zoomed into ${nodes[z].name}` : ''}`);
  graph.style.height = `${(maxDepth + 1) * ROW_PX}px`;
  const frag = document.createDocumentFragment();
  for (const i of drawn) {
    const n = nodes[i];
    const kind = i === 0 ? 'root' : n.process ? 'process' : n.kernel ? 'kernel' : n.unsymbolized ? 'unsym' : 'user';
    const f = el('div', `frame ${kind}${matched ? (matched.has(i) ? ' match' : ' dim') : ''}${i === z && z ? ' zoomed' : ''}`, i === 0 ? `all (${amount(total)})` : n.name);
    f.style.left = `${x[i] * 100}%`;
    f.style.width = `${w[i] * 100}%`;
    f.style.top = `${(view.icicle ? depth[i] : maxDepth - depth[i]) * ROW_PX}px`;
    f.dataset.name = n.name;
    const key = n.file ? sourceKey('f', n.file) : undefined;
    const src = key ? sourceOf(key) : undefined;
    const open = src?.ok ? `Ctrl+click: open ${src.rel ?? n.file}${n.line ? `:${n.line}` : ''} (${src.tip})` : src ? `Not in the workspace: ${src.tip}` : '';
    f.title = [i === 0 ? (off ? 'all the time off the CPU' : 'all samples') : n.name, n.where, `${amount(n.total)} (${share(n.total, total)})${n.self ? `, ${off ? formatNs(n.self) : n.self.toLocaleString('en-US')} in it (${share(n.self, total)})` : ''}`, n.kernel ? 'kernel' : '', open].filter(Boolean).join('\n');
    if (src?.ok) f.classList.add('has-source');
    f.addEventListener('click', (ev) => {
      // Ctrl+click (Cmd+click): the frame's line in the workspace, as in the editor; a click zooms.
      if (key && src?.ok && (ev.ctrlKey || ev.metaKey)) return openSourceKey(key, n.line);
      view.zoom = i === 0 || i === z ? null : path[i];
      redraw();
    });
    frag.append(f);
  }
  graph.append(frag);
  const out: Node[] = [controls, graph];
  const left = [p.hidden ? `${p.hidden.toLocaleString('en-US')} frames under 0.05 % of ${whole} not drawn` : '', p.folded ? `${p.folded.toLocaleString('en-US')} frames past the bound folded into [more]` : ''].filter(Boolean);
  if (left.length) out.push(el('p', 'muted', left.join('; ') + '.'));
  return out;
}
