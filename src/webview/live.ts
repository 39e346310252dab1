/// <reference lib="dom" />
/**
 * The live view's table: only the visible rows exist in the DOM, so tens of
 * thousands of rows scroll smoothly. Pause freezes the display (events keep
 * arriving and are counted), the filter (./filter: text and field:value
 * terms) keeps the rows it passes, and the container runtime's own events
 * are hidden unless the one toggle shows them.
 */
import type { Counters, FromView, Row, ToView } from './messages';
import type { Panel } from './panels';
import { renderPanels } from './summary';
import { eventTest, filterPanels, hiddenText, parseFilter, rowText, termLabel, withoutTerm, type Filter } from './filter';
import { addSources, setSourceOpener, withSourceLink } from './sources';

declare function acquireVsCodeApi(): { postMessage(m: FromView): void };
const vscode = acquireVsCodeApi();
setSourceOpener((key, line) => vscode.postMessage({ type: 'openSource', key, ...(line ? { line } : {}) }));

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
let filterText = '';
let parsed: Filter = parseFilter('');
/** The container runtime's own rows shown too (hidden by default). */
let showRuntime = false;
/** The test rows pass to be shown; undefined: all are. */
let test: ((r: Row, text: string) => boolean) | undefined = eventTest(parsed, showRuntime);
/** Runtime rows among rows[head..]. */
let runtimeHeld = 0;
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
  clearTimeout(summaryTimer);
  summaryTimer = undefined;
  if (!summaryShown) return;
  const { panels: shown, hidden } = filterPanels(panels, parsed, showRuntime);
  summaryHidden = hiddenText(hidden);
  renderPanels(summaryRoot, shown, parsed.active ? filterText : '', summaryHost);
  runtimeBox();
}

// A filter keystroke redraws the Summary once typing pauses (the Events table at the next frame).
let summaryTimer: ReturnType<typeof setTimeout> | undefined;
let summaryHidden = '';
function drawSummarySoon(): void {
  if (!summaryShown) return;
  clearTimeout(summaryTimer);
  summaryTimer = setTimeout(drawSummary, 150);
}

/** The runtime toggle with its count: events in the Events tab, what the Summary hides in the Summary. */
function runtimeBox(): void {
  const count = summaryShown ? summaryHidden : runtimeHeld ? `${runtimeHeld.toLocaleString('en-US')} event${runtimeHeld === 1 ? '' : 's'}` : '';
  const forced = parsed.wantsRuntime;
  $('runtime-count').textContent = count || 'no events';
  $('runtime-word').textContent = showRuntime || forced ? 'shown' : 'hidden';
  const button = $<HTMLButtonElement>('runtime-toggle');
  button.textContent = showRuntime ? 'Hide' : 'Show';
  button.setAttribute('aria-pressed', String(showRuntime));
  button.disabled = forced;
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
  runtimeBox();
}
summaryRoot.addEventListener('resort', scheduleSummary);
$('tab-summary').addEventListener('click', () => showTab(true));
$('tab-events').addEventListener('click', () => showTab(false));

const viewport = $<HTMLDivElement>('viewport');
const spacer = $<HTMLDivElement>('spacer');
const container = $<HTMLDivElement>('rows');

/** Rows before `to` leave the view (their runtime ones leave the count). */
function advanceHead(to: number): void {
  for (; head < to; head++) runtimeHeld -= rows[head][8];
}

function add(batch: Row[]): void {
  for (const r of batch) {
    const t = rowText(r);
    if (visible && test!(r, t)) visible.push(rows.length);
    rows.push(r);
    texts.push(t);
    runtimeHeld += r[8];
  }
  if (rows.length - head > maxRows) advanceHead(rows.length - maxRows);
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
  test = eventTest(parsed, showRuntime);
  if (!test) {
    visible = null;
  } else {
    visible = [];
    for (let i = head; i < texts.length; i++) if (test(rows[i], texts[i])) visible.push(i);
  }
  schedule();
  runtimeBox();
}

/** The filter box's text changed: parse once, show its terms as chips, filter at the next frame. */
let refilterPending = false;
function setFilter(value: string): void {
  filterText = value.trim();
  parsed = parseFilter(filterText);
  chips();
  if (!refilterPending) {
    refilterPending = true;
    requestAnimationFrame(() => {
      refilterPending = false;
      refilter();
    });
  }
  drawSummarySoon();
}

/** Each term of the filter as a chip (what it understood; × removes it). */
function chips(): void {
  const box = $('chips');
  box.replaceChildren(
    ...parsed.terms.map((t, i) => {
      const chip = document.createElement('span');
      chip.className = `chip${t.not ? ' not' : ''}${t.error ? ' error' : ''}`;
      chip.title = t.error ?? `Typed as ${t.source}`;
      chip.append(termLabel(t));
      const x = document.createElement('button');
      x.type = 'button';
      x.textContent = '×';
      x.setAttribute('aria-label', `Remove ${termLabel(t)}`);
      x.addEventListener('click', () => {
        const input = $<HTMLInputElement>('filter');
        input.value = withoutTerm(parsed, i);
        setFilter(input.value);
      });
      chip.append(x);
      return chip;
    }),
  );
  box.hidden = !parsed.terms.length;
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
    el.className = r[7] ? (r[8] ? 'row failed runtime' : 'row failed') : r[8] ? 'row runtime' : 'row';
    el.setAttribute('role', 'row');
    el.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
    const details = cell(r[12] ? '' : r[6], 'details');
    // A path the event names: a link to its workspace file when it maps to one.
    if (r[12]) details.append(...withSourceLink(r[6], r[12][0], r[12][1]));
    el.append(cell(r[0]), pidCell(r[1], r[3]), cell(String(r[2]), 'num'), pidCell(r[3], r[3]), cell(r[4]), cell(r[5]), details);
    el.title = r[8] ? `${r[6]}\n(the container runtime's own task: its init before it exec'd the container's program)` : r[6];
    if (r[10] !== undefined) {
      el.classList.add('has-stack');
      el.title += '\n(click: its stack)';
      if (r === selectedRow) el.classList.add('selected');
      rowOf.set(el, r);
    }
    frag.append(el);
  }
  container.replaceChildren(frag);
  if (!summaryShown) runtimeBox();
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
      runtimeHeld = 0;
      refilter();
      add(m.rows);
      counters(m.counters);
      $('tabs').hidden = !m.summary;
      showTab(m.summary);
      break;
    case 'sources':
      addSources(m.entries);
      schedule();
      if (selectedRow) showFrames(selectedRow);
      scheduleSummary();
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
      showFrames(undefined);
      rows = [];
      texts = [];
      head = 0;
      runtimeHeld = 0;
      frozen = [];
      refilter();
      break;
  }
});

/** --stack: the row whose frames are shown under the table (by the row itself: indexes move as rows go). */
let selectedRow: Row | undefined;
const rowOf = new WeakMap<Element, Row>();

function showFrames(r: Row | undefined): void {
  selectedRow = r;
  $('frames').hidden = !r;
  if (r) {
    $('frames-title').textContent = `Stack of ${r[4]} (PID ${r[1]}, host ${r[3]}) at ${r[0]}, innermost first`;
    // Each frame's file:line a link to its workspace file, at the line, when it maps to one.
    const lines = (r[10] ?? '').split('\n');
    const nodes: Node[] = [];
    lines.forEach((text, i) => {
      const src = r[11]?.[i];
      if (i) nodes.push(document.createTextNode('\n'));
      if (!src) return void nodes.push(document.createTextNode(text));
      const [key, line] = src;
      const file = key.slice(key.lastIndexOf('\u0001') + 1).slice(2);
      const part = line && text.includes(`${file}:${line}`) ? `${file}:${line}` : file;
      nodes.push(...withSourceLink(text, part, key, line || undefined));
    });
    $('frames-text').replaceChildren(...nodes);
  }
  schedule();
}

$('frames-close').addEventListener('click', () => showFrames(undefined));

container.addEventListener('click', (ev) => {
  const a = (ev.target as HTMLElement).closest('a.pid') as HTMLAnchorElement | null;
  if (!a) {
    const r = rowOf.get((ev.target as HTMLElement).closest('.row') as Element);
    if (r) showFrames(r === selectedRow ? undefined : r);
    return;
  }
  ev.preventDefault();
  summaryHost.reveal(Number(a.dataset.pid), Number(a.dataset.host));
});

viewport.addEventListener('scroll', () => {
  stick = viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - ROW_HEIGHT;
  schedule();
});
window.addEventListener('resize', schedule);
$('filter').addEventListener('input', (e) => setFilter((e.target as HTMLInputElement).value));
$('runtime-toggle').addEventListener('click', () => {
  showRuntime = !showRuntime;
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
    setFilter('');
    viewport.focus();
  } else if (!inInput && (e.key === 'End' || e.key === 'Home')) {
    viewport.scrollTop = e.key === 'End' ? viewport.scrollHeight : 0;
  }
});
vscode.postMessage({ type: 'ready' });
