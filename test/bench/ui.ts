/**
 * `npm run bench` part 4, UI cost: runs test/bench/ui-suite in code-server's
 * real extension host with the live view open in headless Chromium, and
 * samples the live view's frame rate (requestAnimationFrame callbacks per
 * second inside its webview) while the load runs. Prints JSON on stdout.
 * Usage: node out/bench/ui.js <container> <rates-json> <seconds>
 *        node out/bench/ui.js keep-up <container> <loads-json> <seconds>
 *          (each kind's view under a steady load: ui-suite/keep-up.ts, keep-up-sampler.ts)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, runExtensionTests, startCodeServer } from '../support/code-server';
import { REPO } from '../support/paths';
import { KeepUpSampler, type Sample } from './keep-up-sampler';

const keepUpMode = process.argv[2] === 'keep-up';
const [container, rates, seconds] = process.argv.slice(keepUpMode ? 3 : 2);
const results = path.join(os.tmpdir(), `ct-bench-ui-${process.pid}.json`);
const report = path.join(os.tmpdir(), `ct-bench-ui-report-${process.pid}.txt`);

/** [time, frames per second] of the live view, every half second. */
const fps: [number, number][] = [];
let sampling = true;

async function sample(page: Page): Promise<void> {
  while (sampling) {
    for (const frame of page.frames()) {
      try {
        const r = await frame.evaluate(() => {
          if (!document.getElementById('received')) return undefined;
          const w = window as unknown as { __ctFrames?: { n: number; at: number } };
          if (!w.__ctFrames) {
            const c = (w.__ctFrames = { n: 0, at: performance.now() });
            const tick = () => {
              c.n++;
              requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
            return undefined;
          }
          const c = w.__ctFrames;
          const now = performance.now();
          const rate = (c.n * 1000) / Math.max(1, now - c.at);
          c.n = 0;
          c.at = now;
          return rate;
        });
        if (r !== undefined) fps.push([Date.now(), r]);
      } catch {
        /* a frame that went away */
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const server = await startCodeServer({ CT_BENCH_CONTAINER: container, CT_BENCH_RESULTS: results, CT_BENCH_RATES: rates, CT_BENCH_SECONDS: seconds });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  let done: Promise<void> | undefined;
  try {
    const { code } = await runExtensionTests(server, browser, REPO, path.join(REPO, 'out', 'bench', 'ui-suite', 'index.js'), report, (page) => {
      done = sample(page);
    });
    sampling = false;
    await done;
    if (code !== 0) throw new Error(`the UI benchmark failed in the extension host:\n${fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : server.log().slice(-2000)}`);
    const rows = JSON.parse(fs.readFileSync(results, 'utf8')) as { startedAt: number; endedAt: number }[];
    for (const r of rows as (Record<string, unknown> & { startedAt: number; endedAt: number })[]) {
      const inside = fps.filter(([t]) => t > r.startedAt + 500 && t <= r.endedAt).map(([, f]) => f);
      r.liveViewFpsMin = inside.length ? Math.round(Math.min(...inside)) : null;
      r.liveViewFpsMedian = inside.length ? Math.round([...inside].sort((a, b) => a - b)[Math.floor(inside.length / 2)]) : null;
    }
    process.stdout.write(JSON.stringify(rows) + '\n');
  } finally {
    sampling = false;
    await browser.close();
    await server.stop();
    fs.rmSync(results, { force: true });
    fs.rmSync(report, { force: true });
  }
}

const TICK = 100; // USER_HZ on Linux
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] : null);

interface KeepUpRow {
  kind: string;
  genStart: number;
  genEnd: number;
  timeline: [number, number, number][];
  interactions: { tabs: number[]; filter: number[] };
  [k: string]: unknown;
}

/** How far behind a surface that showed `count` at `t` was: t minus the kernel time of the event that made the window's count reach it. */
function lagOf(timeline: [number, number, number][], count: number, t: number): number | null {
  let lo = 0;
  let hi = timeline.length - 1;
  if (hi < 0 || !Number.isFinite(count)) return null;
  if (count > timeline[hi][1]) return null;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (timeline[mid][1] >= count) hi = mid;
    else lo = mid + 1;
  }
  return t - timeline[lo][2];
}

function keepUpFigures(r: KeepUpRow, samples: Sample[], next: number): Record<string, unknown> {
  const during = samples.filter((s) => s.t >= r.genStart + 1000 && s.t <= r.genEnd);
  const all = samples.filter((s) => s.t >= r.genStart && s.t <= next);
  const view = during.flatMap((s) => (s.view ? [lagOf(r.timeline, s.view.received, s.view.t)] : [])).filter((x): x is number => x !== null);
  const traces = during.flatMap((s) => {
    const m = /([\d,]+) events/.exec(s.traces ?? '');
    return m ? [lagOf(r.timeline, Number(m[1].replace(/,/g, '')), s.t)] : [];
  }).filter((x): x is number => x !== null);
  const output = during.map((s) => s.outputLagMs).filter((x): x is number => x !== undefined);
  const transport = r.timeline.filter(([t]) => t >= r.genStart + 1000 && t <= r.genEnd).map(([t, , k]) => t - k);
  const a = during[0];
  const b = during[during.length - 1];
  const cpu = a && b && b.t > a.t ? (((b.rendererTicks ?? 0) - (a.rendererTicks ?? 0)) / TICK / ((b.t - a.t) / 1000)) * 100 : null;
  const { timeline: _t, ...rest } = r;
  void _t;
  return {
    ...rest,
    helperSent: undefined,
    transportLagMs: { p50: pct(transport, 0.5), p95: pct(transport, 0.95), max: pct(transport, 1) },
    viewLagMs: { p50: pct(view, 0.5), p95: pct(view, 0.95), max: pct(view, 1), samples: view.length },
    tracesLagMs: { p50: pct(traces, 0.5), p95: pct(traces, 0.95), max: pct(traces, 1), samples: traces.length },
    outputLagMs: { p50: pct(output, 0.5), p95: pct(output, 0.95), max: pct(output, 1), samples: output.length },
    tabSwitchMs: { median: pct(r.interactions?.tabs ?? [], 0.5), max: pct(r.interactions?.tabs ?? [], 1) },
    filterMs: { median: pct(r.interactions?.filter ?? [], 0.5), max: pct(r.interactions?.filter ?? [], 1) },
    rendererRssMb: Math.round(Math.max(0, ...all.map((s) => s.rendererRssMb ?? 0))),
    rendererRssAtStartMb: Math.round(samples.filter((s) => s.t <= r.genStart).pop()?.rendererRssMb ?? 0),
    // Halfway and at the end of the load: a trace twice as long should need no more.
    rendererRssHalfwayMb: Math.round(samples.filter((s) => s.t <= (r.genStart + r.genEnd) / 2).pop()?.rendererRssMb ?? 0),
    rendererRssAtEndMb: Math.round(samples.filter((s) => s.t <= r.genEnd).pop()?.rendererRssMb ?? 0),
    viewHeapAtStartMb: Math.round(samples.filter((s) => s.t <= r.genStart && s.view?.heapMb).pop()?.view?.heapMb ?? 0),
    viewHeapMb: Math.round(Math.max(0, ...all.map((s) => s.view?.heapMb ?? 0))),
    rendererCpuPct: cpu === null ? null : Math.round(cpu),
  };
}

async function keepUpMain(): Promise<void> {
  const control = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-bench-keep-up-'));
  const server = await startCodeServer({
    CT_BENCH_MODE: 'keep-up',
    CT_BENCH_CONTAINER: container,
    CT_BENCH_RESULTS: results,
    CT_BENCH_LOADS: rates,
    CT_BENCH_SECONDS: seconds,
    CT_BENCH_CONTROL: control,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  let sampler: KeepUpSampler | undefined;
  let done: Promise<void> | undefined;
  try {
    const loads = JSON.parse(rates) as unknown[];
    const timeout = loads.length * (Number(seconds) * 1000 + 420_000) + 120_000;
    const { code } = await runExtensionTests(server, browser, REPO, path.join(REPO, 'out', 'bench', 'ui-suite', 'index.js'), report, (page) => {
      sampler = new KeepUpSampler(page, control);
      done = sampler.run();
    }, timeout);
    sampler?.stop();
    await done;
    if (code !== 0) throw new Error(`the keep-up benchmark failed in the extension host:\n${fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : server.log().slice(-2000)}`);
    const rows = JSON.parse(fs.readFileSync(results, 'utf8')) as KeepUpRow[];
    const samples = sampler?.samples ?? [];
    const out = rows.map((r, i) => keepUpFigures(r, samples, rows[i + 1]?.genStart ?? Infinity));
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    sampler?.stop();
    await browser.close();
    await server.stop();
    fs.rmSync(results, { force: true });
    fs.rmSync(report, { force: true });
    fs.rmSync(control, { recursive: true, force: true });
  }
}

(keepUpMode ? keepUpMain() : main()).catch((err) => {
  console.error(String(err?.stack ?? err));
  process.exit(1);
});
