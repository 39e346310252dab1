/**
 * The browser side of the keep-up benchmark (ui-suite/keep-up.ts): every
 * 200 ms it reads what the user sees — the live view's counters, the Traces
 * view's row, the status bar, the output channel's newest line, the
 * renderer processes' memory and CPU — each stamped by the clock of the page
 * that showed it; and it does what the extension-host side asks through
 * files (tab switches and filter keystrokes timed from the input to the next
 * painted frame; Stop; waiting until every surface shows the final count).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';

export interface Sample {
  t: number;
  view?: { t: number; received: number; rate: number; state: string; heapMb: number | null };
  traces?: string;
  status?: string;
  /** ms between the output's newest event line and the page's clock. */
  outputLagMs?: number;
  rendererRssMb?: number;
  rendererTicks?: number;
}

interface Request {
  seq: number;
  do: string;
  received?: number;
  since?: number;
  maxRate?: number;
}
type Check = 'events' | 'summary' | 'typed' | 'cleared';
const num = (s: string | null | undefined) => Number((s ?? '').replace(/[^\d]/g, '') || NaN);

function parentOf(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  } catch {
    return 0;
  }
}

/** This benchmark's Chromium renderers (descendants of this process: other browsers on the machine are not counted). */
function renderers(): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (!cmd.includes('chromium') || !cmd.includes('--type=renderer')) continue;
      let p = Number(d);
      for (let i = 0; i < 8 && p > 1 && p !== process.pid; i++) p = parentOf(p);
      if (p === process.pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

function ticks(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

export class KeepUpSampler {
  readonly samples: Sample[] = [];
  private running = true;
  private viewFrame: Frame | undefined;
  private busy: Promise<void> | undefined;
  private handled = 0;

  constructor(
    private readonly page: Page,
    private readonly control: string,
  ) {}

  /** The live view's frame (the one with its counters). */
  private async frame(): Promise<Frame | undefined> {
    if (this.viewFrame && !this.viewFrame.isDetached()) return this.viewFrame;
    this.viewFrame = undefined;
    for (const f of this.page.frames()) {
      const has = await f.evaluate(() => !!document.getElementById('received')).catch(() => false);
      if (has) return (this.viewFrame = f);
    }
    return undefined;
  }

  async run(): Promise<void> {
    while (this.running) {
      const t = Date.now();
      await this.sample(t);
      this.poll();
      await new Promise((r) => setTimeout(r, Math.max(0, 200 - (Date.now() - t))));
    }
    await this.busy;
  }

  stop(): void {
    this.running = false;
  }

  private async sample(t: number): Promise<void> {
    const s: Sample = { t };
    const frame = await this.frame();
    if (frame) {
      s.view = await frame
        .evaluate(() => {
          const text = (id: string) => document.getElementById(id)?.textContent ?? '';
          const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
          return { t: Date.now(), received: text('received'), rate: text('rate'), state: text('state'), heapMb: mem ? mem.usedJSHeapSize / 2 ** 20 : null };
        })
        .then((v) => ({ ...v, received: num(v.received), rate: num(v.rate) }))
        .catch(() => undefined);
    }
    const wb = await this.page
      .evaluate(() => {
        const pane = Array.from(document.querySelectorAll('.pane')).find((p) => /^Traces/i.test(p.querySelector('.pane-header .title')?.textContent ?? ''));
        const row = pane?.querySelector('.monaco-list-row');
        const traces = row ? `${row.querySelector('.label-name')?.textContent ?? ''} | ${row.querySelector('.label-description')?.textContent ?? ''}` : undefined;
        const status = Array.from(document.querySelectorAll('.statusbar-item'))
          .map((e) => e.textContent ?? '')
          .find((x) => /\btraces? · /.test(x));
        // The output channel's newest event line (lines begin HH:MM:SS.mmm).
        let newest: string | undefined;
        let top = -1;
        for (const l of Array.from(document.querySelectorAll('.part.panel .view-line'))) {
          const m = /^(\d\d):(\d\d):(\d\d)\.(\d{3})/.exec((l.textContent ?? '').replace(/\u00a0/g, ' '));
          const y = parseFloat((l as HTMLElement).style.top || '0');
          if (m && y >= top) {
            top = y;
            newest = m[0];
          }
        }
        let outputLagMs: number | undefined;
        if (newest) {
          const [h, mi, se, ms] = newest.split(/[:.]/).map(Number);
          const d = new Date();
          d.setHours(h, mi, se, ms);
          outputLagMs = Date.now() - d.getTime();
        }
        return { traces, status, outputLagMs };
      })
      .catch(() => ({ traces: undefined, status: undefined, outputLagMs: undefined }));
    Object.assign(s, wb);
    const pids = renderers();
    s.rendererRssMb = Math.max(0, ...pids.map(rssMb));
    s.rendererTicks = pids.reduce((sum, p) => sum + ticks(p), 0);
    this.samples.push(s);
  }

  /** The next request from the extension-host side, started (one at a time). */
  private poll(): void {
    if (this.busy) return;
    const file = path.join(this.control, `request-${this.handled + 1}.json`);
    if (!fs.existsSync(file)) return;
    const req = JSON.parse(fs.readFileSync(file, 'utf8')) as Request;
    this.handled = req.seq;
    this.busy = this.handle(req)
      .catch((err: Error) => ({ error: String(err.stack ?? err) }))
      .then((reply) => fs.writeFileSync(path.join(this.control, `reply-${req.seq}.json`), JSON.stringify(reply ?? {})))
      .finally(() => (this.busy = undefined));
  }

  private async handle(req: Request): Promise<unknown> {
    if (req.do === 'ready') {
      this.viewFrame = undefined;
      const until = Date.now() + 60_000;
      for (;;) {
        const f = await this.frame();
        const state = f && (await f.evaluate(() => document.getElementById('state')?.textContent ?? '').catch(() => ''));
        if (state && /running/.test(state)) return { held: await this.retainedHeap() };
        if (Date.now() > until) throw new Error('the live view did not show a running trace');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (req.do === 'interact') {
      if (process.env.CT_BENCH_PROFILE) await this.profile(process.env.CT_BENCH_PROFILE);
      return this.interact();
    }
    if (req.do === 'caught-up') return this.caughtUp(req.received!, req.since!, req.maxRate ?? 0);
    if (req.do === 'stop') return this.clickStop();
    return {};
  }

  /** Diagnosis (CT_BENCH_PROFILE=dir): 4 s of CPU profile of the workbench page and of the live view's frame. */
  private async profile(dir: string): Promise<void> {
    const frame = await this.frame();
    const targets: [string, import('playwright-core').CDPSession][] = [['page', await this.page.context().newCDPSession(this.page)]];
    if (frame) targets.push(['view', await this.page.context().newCDPSession(frame).catch(() => targets[0][1])]);
    for (const [, c] of targets) {
      await c.send('Profiler.enable');
      await c.send('Profiler.start');
    }
    const browser = this.page.context().browser()!;
    fs.mkdirSync(dir, { recursive: true });
    await browser.startTracing(this.page, { path: path.join(dir, `trace-${Date.now()}.json`), categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'v8'] });
    await new Promise((r) => setTimeout(r, 4000));
    await browser.stopTracing();
    for (const [name, c] of targets) {
      const { profile } = await c.send('Profiler.stop').catch(() => ({ profile: null }));
      if (profile) fs.writeFileSync(path.join(dir, `${name}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    }
  }

  /** ms from a real input event to the frame painted after it (the view's own clock), once `check` holds there. */
  private async timed(frame: Frame, act: () => Promise<void>, check: Check): Promise<number> {
    const t0 = Date.now();
    await act();
    const t1 = await frame.evaluate(
      (check) =>
        new Promise<number>((resolve) => {
          const ok = () => {
            const filter = (document.getElementById('filter') as HTMLInputElement).value;
            if (check === 'events') return document.getElementById('tab-events')?.getAttribute('aria-selected') === 'true';
            if (check === 'summary') return document.getElementById('tab-summary')?.getAttribute('aria-selected') === 'true';
            if (check === 'typed') return filter.endsWith('t');
            return filter === '';
          };
          const wait = () => requestAnimationFrame(() => setTimeout(() => (ok() ? resolve(Date.now()) : wait()), 0));
          wait();
        }),
      check,
    );
    return t1 - t0;
  }

  private async interact(): Promise<unknown> {
    const frame = await this.frame();
    if (!frame) throw new Error('no live view');
    const box = async (sel: string) => {
      const b = await frame.locator(sel).boundingBox();
      if (!b) throw new Error(`${sel} is not shown`);
      return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    };
    const hasTabs = await frame.evaluate(() => !document.getElementById('tabs')?.hidden);
    const tabs: number[] = [];
    if (hasTabs) {
      const events = await box('#tab-events');
      const summary = await box('#tab-summary');
      for (let i = 0; i < 3; i++) {
        tabs.push(await this.timed(frame, () => this.page.mouse.click(events.x, events.y), 'events'));
        tabs.push(await this.timed(frame, () => this.page.mouse.click(summary.x, summary.y), 'summary'));
      }
    }
    const filterBox = await box('#filter');
    await this.page.mouse.click(filterBox.x, filterBox.y);
    const filter: number[] = [];
    for (let i = 0; i < 3; i++) {
      filter.push(await this.timed(frame, () => this.page.keyboard.press('t'), 'typed'));
      filter.push(await this.timed(frame, () => this.page.keyboard.press('Backspace'), 'cleared'));
    }
    // The Summary tab stays shown (where it is heaviest) for the rest of the load.
    return { tabs, filter };
  }

  /** When each surface first showed the final count (and no more than `maxRate`), from `since`. */
  private async caughtUp(received: number, since: number, maxRate: number): Promise<unknown> {
    const until = Date.now() + 180_000;
    // view, traces, status: the final count shown and the rate down (a rate over the last second
    // needs that second to fall); viewCount, tracesCount: the final count shown.
    const at: Record<string, number | null> = { view: null, traces: null, status: null, viewCount: null, tracesCount: null };
    while (Date.now() < until) {
      for (const s of this.samples) {
        if (s.t < since) continue;
        const tracesCount = num(/([\d,]+) events/.exec(s.traces ?? '')?.[1]);
        const rateIn = (text: string | undefined) => num(/([\d,]+)\/s/.exec(text ?? '')?.[1]);
        if (at.view === null && s.view && s.view.received >= received && s.view.rate <= maxRate) at.view = s.view.t - since;
        if (at.traces === null && tracesCount >= received && rateIn(s.traces) <= maxRate) at.traces = s.t - since;
        if (at.status === null && rateIn(s.status) <= maxRate) at.status = s.t - since;
        if (at.viewCount === null && s.view && s.view.received >= received) at.viewCount = s.view.t - since;
        if (at.tracesCount === null && tracesCount >= received) at.tracesCount = s.t - since;
      }
      if (Object.values(at).every((v) => v !== null)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const held = await this.retainedHeap();
    return { ...at, heldHeapMb: held?.mb ?? null, heldHeapOf: held?.of ?? null };
  }

  /**
   * The JavaScript heap after a full garbage collection (what is held, not what is yet to be
   * collected), MB: the live view's own isolate when its webview runs out of process, else the
   * renderer's (the workbench and its webviews share one here), said by `of`.
   */
  async retainedHeap(): Promise<{ mb: number; of: 'view' | 'renderer' } | null> {
    const frame = await this.frame();
    const own = frame && (await this.page.context().newCDPSession(frame).catch(() => null));
    const c = own || (await this.page.context().newCDPSession(this.page).catch(() => null));
    if (!c) return null;
    try {
      await c.send('HeapProfiler.collectGarbage');
      const { usedSize } = (await c.send('Runtime.getHeapUsage')) as { usedSize: number };
      return { mb: Math.round(usedSize / 2 ** 20), of: own ? 'view' : 'renderer' };
    } catch {
      return null;
    } finally {
      await c.detach().catch(() => {});
    }
  }

  private async clickStop(): Promise<unknown> {
    const frame = await this.frame();
    if (!frame) throw new Error('no live view');
    const b = await frame.locator('#stop').boundingBox();
    if (!b) throw new Error('no Stop button');
    await frame.evaluate(() => {
      const w = window as unknown as { __ctStop?: { stopping: number | null; ended: number | null } };
      const r: { stopping: number | null; ended: number | null } = (w.__ctStop = { stopping: null, ended: null });
      const check = () => {
        const s = document.getElementById('state')?.textContent ?? '';
        if (r.stopping === null && /stopping/.test(s)) r.stopping = Date.now();
        if (r.ended === null && /^ended/.test(s)) r.ended = Date.now();
      };
      new MutationObserver(check).observe(document.getElementById('state')!, { childList: true, characterData: true, subtree: true });
    });
    const t0 = Date.now();
    await this.page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
    const r = await frame.evaluate(
      () =>
        new Promise<{ stopping: number | null; ended: number }>((resolve) => {
          const w = window as unknown as { __ctStop: { stopping: number | null; ended: number | null } };
          const poll = () => (w.__ctStop.ended !== null ? resolve({ stopping: w.__ctStop.stopping, ended: w.__ctStop.ended }) : setTimeout(poll, 20));
          poll();
        }),
    );
    return { stoppingMs: r.stopping === null ? null : r.stopping - t0, endedMs: r.ended - t0 };
  }
}
