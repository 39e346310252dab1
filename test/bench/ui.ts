/**
 * `npm run bench` part 4, UI cost: runs test/bench/ui-suite in code-server's
 * real extension host with the live view open in headless Chromium, and
 * samples the live view's frame rate (requestAnimationFrame callbacks per
 * second inside its webview) while the load runs. Prints JSON on stdout.
 * Usage: node out/bench/ui.js <container> <rates-json> <seconds>
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, runExtensionTests, startCodeServer } from '../support/code-server';
import { REPO } from '../support/paths';

const [container, rates, seconds] = process.argv.slice(2);
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

main().catch((err) => {
  console.error(String(err?.stack ?? err));
  process.exit(1);
});
