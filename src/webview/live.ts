/// <reference lib="dom" />
/**
 * The live view's table: only the visible rows exist in the DOM, so tens of
 * thousands of rows scroll smoothly. Pause freezes the display (events keep
 * arriving and are counted), the filter matches any column.
 */
import type { Counters, FromView, Row, ToView } from './messages';
import type { Panel } from './panels';
import { renderPanels } from './summary';

declare function acquireVsCodeApi(): { postMessage(m: FromView): void };
const vscode = acquireVsCodeApi();

/** A row's height as the stylesheet makes it (--row: enough for the editor font), measured once. */
const ROW_HEIGHT = (() => {
  const probe = document.createElement('div');
  probe.style.cssText = 'position:absolute;visibility:hidden;height:var(--row)';
  document.body.append(probe);
  const h = probe.offsetHeight;
  probe.remove();
  return h > 0 ? h : 22;
})();
const OVERSCAN = 10;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let rows: Row[] = [];
let texts: string[] = [];
// rows[head..] are shown; the older ones are cut off in bulk now and then
// (no O(n) work per batch once at the cap).
let head = 0;
let visible: number[] | null = null; // indexes into rows when filtering
let vhead = 0; // visible[vhead..] are the ones at or after head
let maxRows = 50_000;
let paused = false;
let frozen: Row[] = []; // arrivals while paused
let filter = '';
let stick = true;
let scheduled = false;

// The Summary tab (kinds that have one): the latest panels, drawn while it is shown and not paused.
let panels: Panel[] = [];
let summaryShown = false;
const summaryRoot = $<HTMLDivElement>('summary');
const summaryHost = {
  reveal: (pid: number, hostPid: number) => vscode.postMessage({ type: 'reveal', pid, hostPid }),
  expand: (key: string, open: boolean) => vscode.postMessage({ type: 'expand', key, open }),
};
let summaryScheduled = false;

/** The Summary drawn now (only while shown; it updates what changed in place). */
function drawSummary(): void {
  summaryScheduled = false;
  if (summaryShown) renderPanels(summaryRoot, panels, filter, summaryHost);
}

/** The Summary drawn at the next frame, once however many updates came before it. */
function scheduleSummary(): void {
  if (!summaryShown || summaryScheduled) return;
  summaryScheduled = true;
  requestAnimationFrame(drawSummary);
}

function showTab(summary: boolean): void {
  const changed = summaryShown !== summary;
  summaryShown = summary;
  $('tab-summary').setAttribute('aria-selected', String(summary));
  $('tab-events').setAttribute('aria-selected', String(!summary));
  summaryRoot.hidden = !summary;
  $('events').hidden = summary;
  // The extension builds the Summary only while it is shown.
  if (changed) vscode.postMessage({ type: 'tab', summary });
  if (summary) drawSummary();
  else schedule();
}
summaryRoot.addEventListener('resort', scheduleSummary);
$('tab-summary').addEventListener('click', () => showTab(true));
$('tab-events').addEventListener('click', () => showTab(false));

const viewport = $<HTMLDivElement>('viewport');
const spacer = $<HTMLDivElement>('spacer');
const container = $<HTMLDivElement>('rows');

function text(r: Row): string {
  return `${r[0]} ${r[1]} ${r[2]} ${r[3]} ${r[4]} ${r[5]} ${r[6]}`.toLowerCase();
}

function add(batch: Row[]): void {
  for (const r of batch) {
    const t = text(r);
    if (visible && t.includes(filter)) visible.push(rows.length);
    rows.push(r);
    texts.push(t);
  }
  if (rows.length - head > maxRows) head = rows.length - maxRows;
  if (visible) while (vhead < visible.length && visible[vhead] < head) vhead++;
  // Compact once an eighth of the cap is dead: amortized O(1) per row.
  if (head > Math.max(1024, maxRows >> 3)) {
    rows.splice(0, head);
    texts.splice(0, head);
    if (visible) visible = visible.slice(vhead).map((i) => i - head);
    vhead = 0;
    head = 0;
  }
  schedule();
}

function refilter(): void {
  vhead = 0;
  if (!filter) {
    visible = null;
  } else {
    visible = [];
    for (let i = head; i < texts.length; i++) if (texts[i].includes(filter)) visible.push(i);
  }
  schedule();
}

/** Rows shown now (filtered or not). */
function shownCount(): number {
  return visible ? visible.length - vhead : rows.length - head;
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(render);
}

function cell(textContent: string, cls?: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.textContent = textContent;
  if (cls) s.className = cls;
  return s;
}

/** A PID that reveals its process in the Containers view (0: outside the container, plain). */
function pidCell(pid: number, hostPid: number): HTMLSpanElement {
  const s = cell('', 'num');
  if (!pid || !hostPid) {
    s.textContent = String(pid);
    return s;
  }
  const a = document.createElement('a');
  a.className = 'pid';
  a.href = '#';
  a.textContent = String(pid);
  a.dataset.pid = String(pid);
  a.dataset.host = String(hostPid);
  a.title = `Reveal in the Containers view (host ${hostPid})`;
  s.append(a);
  return s;
}

function render(): void {
  scheduled = false;
  const count = shownCount();
  $('shown').textContent = count.toLocaleString('en-US');
  // Hidden behind the Summary: drawn when its tab is shown (showTab schedules it).
  if ($('events').hidden) return;
  spacer.style.height = `${count * ROW_HEIGHT}px`;
  // The header keeps its columns over the rows' (they have a scrollbar, it does not).
  $('events').style.setProperty('--scrollbar', `${viewport.offsetWidth - viewport.clientWidth}px`);
  if (stick) viewport.scrollTop = viewport.scrollHeight;
  const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(count, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  const frag = document.createDocumentFragment();
  for (let i = first; i < last; i++) {
    const r = rows[visible ? visible[vhead + i] : head + i];
    const el = document.createElement('div');
    el.className = r[7] ? 'row failed' : 'row';
    el.setAttribute('role', 'row');
    el.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
    el.append(cell(r[0]), pidCell(r[1], r[3]), cell(String(r[2]), 'num'), pidCell(r[3], r[3]), cell(r[4]), cell(r[5]), cell(r[6], 'details'));
    el.title = r[6];
    frag.append(el);
  }
  container.replaceChildren(frag);
  $('empty').hidden = count > 0 || rows.length - head > 0;
}

function counters(c: Counters): void {
  $('received').textContent = c.received.toLocaleString('en-US');
  $('received').title = c.sent === undefined ? '' : `The helper sent ${c.sent.toLocaleString('en-US')} (it says so once a second)`;
  $('received').dataset.sent = c.sent === undefined ? '' : String(c.sent);
  $('dropped').textContent = c.dropped.toLocaleString('en-US');
  $('dropped').classList.toggle('bad', c.dropped > 0);
  $('rate').textContent = c.rate.toLocaleString('en-US');
  $('unshown').textContent = c.unshown.toLocaleString('en-US');
  $('unshown-box').hidden = c.unshown === 0;
  // Stop was clicked: "stopping…" until it ended (counters sent before the extension heard of it say running).
  const state = stopAsked && c.state === 'running' ? 'stopping' : c.state;
  $('state').textContent = state === 'ended' ? `ended — ${c.ended ?? ''}` : state === 'stopping' ? 'stopping…' : state;
  $('state').className = `state ${state}`;
  const ended = state === 'ended';
  ($('stop') as HTMLButtonElement).disabled = ended || state === 'stopping';
  // Nothing more arrives once stopped: a paused view shows what it held back.
  if (ended && paused) setPaused(false);
  ($('pause') as HTMLButtonElement).disabled = ended;
}

function setPaused(p: boolean): void {
  paused = p;
  const button = $<HTMLButtonElement>('pause');
  button.textContent = p ? 'Resume' : 'Pause';
  button.setAttribute('aria-pressed', String(p));
  $('paused').hidden = !p;
  if (!p && frozen.length) {
    add(frozen);
    frozen = [];
  }
  if (!p) scheduleSummary();
  $('waiting').textContent = '0';
}

window.addEventListener('message', (ev: MessageEvent<ToView>) => {
  const m = ev.data;
  switch (m.type) {
    case 'init':
      $('title').textContent = m.title;
      $('scope').textContent = m.scope;
      maxRows = m.maxRows;
      rows = [];
      texts = [];
      head = 0;
      refilter();
      add(m.rows);
      counters(m.counters);
      $('tabs').hidden = !m.summary;
      showTab(m.summary);
      break;
    case 'panels':
      panels = m.panels;
      if (!paused) scheduleSummary();
      vscode.postMessage({ type: 'ack' });
      break;
    case 'rows':
      counters(m.counters);
      if (paused) {
        for (const r of m.rows) frozen.push(r);
        if (frozen.length > maxRows) frozen.splice(0, frozen.length - maxRows);
        $('waiting').textContent = frozen.length.toLocaleString('en-US');
      } else {
        add(m.rows);
      }
      vscode.postMessage({ type: 'ack' });
      break;
    case 'counters':
      counters(m.counters);
      vscode.postMessage({ type: 'ack' });
      break;
    case 'cleared':
      rows = [];
      texts = [];
      head = 0;
      frozen = [];
      refilter();
      break;
  }
});

container.addEventListener('click', (ev) => {
  const a = (ev.target as HTMLElement).closest('a.pid') as HTMLAnchorElement | null;
  if (!a) return;
  ev.preventDefault();
  summaryHost.reveal(Number(a.dataset.pid), Number(a.dataset.host));
});

viewport.addEventListener('scroll', () => {
  stick = viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - ROW_HEIGHT;
  schedule();
});
window.addEventListener('resize', schedule);
$('filter').addEventListener('input', (e) => {
  filter = (e.target as HTMLInputElement).value.trim().toLowerCase();
  refilter();
  scheduleSummary();
});
$('pause').addEventListener('click', () => setPaused(!paused));
$('clear').addEventListener('click', () => vscode.postMessage({ type: 'clear' }));
$('export').addEventListener('click', () => vscode.postMessage({ type: 'export' }));
let stopAsked = false;
$('stop').addEventListener('click', () => {
  // Said at once; the extension confirms (stopping…, then ended).
  stopAsked = true;
  $('state').textContent = 'stopping…';
  $('state').className = 'state stopping';
  $<HTMLButtonElement>('stop').disabled = true;
  vscode.postMessage({ type: 'stop' });
});
$('copy-cli').addEventListener('click', () => vscode.postMessage({ type: 'copyCli' }));
document.addEventListener('keydown', (e) => {
  const inInput = (e.target as HTMLElement).tagName === 'INPUT';
  if ((e.ctrlKey || e.metaKey) && e.key === 'f') {
    e.preventDefault();
    $('filter').focus();
  } else if (e.key === ' ' && !inInput && (e.target as HTMLElement).tagName !== 'BUTTON') {
    e.preventDefault();
    if (!$<HTMLButtonElement>('pause').disabled) setPaused(!paused);
  } else if (e.key === 'Escape' && inInput) {
    ($('filter') as HTMLInputElement).value = '';
    filter = '';
    refilter();
    scheduleSummary();
    viewport.focus();
  } else if (!inInput && (e.key === 'End' || e.key === 'Home')) {
    viewport.scrollTop = e.key === 'End' ? viewport.scrollHeight : 0;
  }
});
vscode.postMessage({ type: 'ready' });
