/**
 * Facts a user reads in the live view, checked against what the workload did,
 * in a real VS Code in headless Chromium: a fatal SIGUSR1 reads as SIGUSR1
 * (fatal), not as the SIGKILL the kernel turns a group's fatal signal into;
 * "Trace from Start" waits for a container that does not exist yet and shows
 * its entrypoint's first exec (PID 1) and the child it starts, although the
 * container exits at once. Screenshots: test-artifacts/facts-*.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, startCodeServer, type CodeServer } from '../support/code-server';
import { IMAGE, docker, removeContainers, runContainer, skipReason } from '../support/integration';
import { answer, closeQuickInput, DEADLINE, quickInputState, row, runCommand, typedValue, until } from './workbench';
import { REPO } from '../support/paths';

const skip = skipReason() ?? (fs.existsSync(CHROMIUM) ? undefined : 'chromium is not installed (apt-get install chromium)');
if (skip && process.env.CI) throw new Error(`e2e prerequisites missing under CI: ${skip}`);
const CONTAINER = `ct-e2e-facts-${process.pid}`;
const LATER = `${CONTAINER}-later`;

let server: CodeServer | undefined;
let browser: Browser | undefined;
let page: Page;

before(async () => {
  if (skip) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  removeContainers(LATER);
  runContainer(CONTAINER, 'while :; do sleep 1; done');
  server = await startCodeServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(30_000);
  await page.goto(server.url({ extensionDevelopmentPath: REPO }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.activitybar [aria-label^="Container Trace"]').first().click();
  await page.locator('.monaco-list-row', { hasText: CONTAINER }).waitFor({ timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  removeContainers(CONTAINER, LATER);
});

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name) });

/** The live view titled `title` (webviews found by what they show). */
function liveView(title: string): Promise<FrameLocator> {
  return until(`the live view "${title}"`, async () => {
    const n = await page.locator('iframe.webview.ready').count();
    for (let i = n - 1; i >= 0; i--) {
      const frame = page.frameLocator(`iframe.webview.ready >> nth=${i}`).frameLocator('#active-frame');
      if ((await frame.locator('#title').textContent({ timeout: 1000 }).catch(() => '')) === title) return frame;
    }
    return undefined;
  }, (f) => !!f) as Promise<FrameLocator>;
}

/** The Events tab's rows, cells joined by " | " (time | PID | TID | host PID | comm | event | details); kinds without a Summary show them at once. */
async function eventRows(live: FrameLocator): Promise<string[]> {
  if (await live.locator('#tab-events').isVisible()) await live.locator('#tab-events').click();
  return live.locator('.rows .row').evaluateAll((rows) => rows.map((r) => Array.from(r.children, (c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim()).join(' | ')));
}

/** Stop every trace and close the views, whatever the test left. */
async function finish(): Promise<void> {
  await closeQuickInput(page);
  if (await page.locator('.statusbar-item', { hasText: /\d+ traces?\b/ }).count()) {
    await runCommand(page, 'Container Trace: Stop All Traces');
    await until('no trace running', () => page.locator('.statusbar-item', { hasText: /\d+ traces?\b/ }).count(), (n) => n === 0);
  }
  await runCommand(page, 'View: Close All Editors');
}

function factTest(name: string, body: () => Promise<void>): void {
  test(name, { skip, timeout: 180_000 }, async () => {
    try {
      await body();
    } catch (err) {
      await shot(`facts-failure-${name.slice(0, 30).replace(/\W+/g, '-')}.png`).catch(() => undefined);
      throw err;
    } finally {
      await finish();
    }
  });
}

factTest('a fatal SIGUSR1 reads as SIGUSR1, fatal (not SIGKILL), sent and delivered', async () => {
  await runCommand(page, 'Container Trace: Trace Process in Container');
  await answer(page, /pick a container/, CONTAINER, row(CONTAINER));
  await answer(page, /pick a process/, 'All processes', row('All processes in the container'));
  await answer(page, /what to watch/, 'signal', row('signal', 'all processes'));
  const live = await liveView(`${CONTAINER} · signal`);
  await live.locator('#state', { hasText: 'running' }).waitFor({ timeout: DEADLINE });
  // sleep has no handler for SIGUSR1: the default action ends it.
  docker('exec', CONTAINER, 'sh', '-c', 'sleep 1003 & p=$!; sleep 0.3; kill -USR1 $p; wait $p; echo "status $?"');
  const rows = await until('the SIGUSR1 sent and its fatal delivery', () => eventRows(live), (r) => r.some((t) => /SIGUSR1 → /.test(t)) && r.some((t) => /SIGUSR1 delivered .*fatal/.test(t)));
  const sent = rows.find((t) => /SIGUSR1 → \d+ \(SI_USER\)/.test(t));
  assert.ok(sent, rows.join('\n'));
  const target = /SIGUSR1 → (\d+)/.exec(sent)![1];
  // What the sleep itself received: SIGUSR1, fatal — never the SIGKILL the kernel turns it into.
  const received = rows.filter((t) => t.split(' | ')[1] === target && / delivered /.test(t));
  assert.ok(received.length >= 1 && received.every((t) => /SIGUSR1 delivered .*fatal, the process ends/.test(t)), `the target's deliveries:\n${received.join('\n')}`);
  // Nothing here is ended by SIGKILL: the runtime's threads the kernel ends at its exec say so, not "fatal".
  assert.ok(!rows.some((t) => /SIGKILL delivered .*fatal/.test(t)), `no SIGKILL reads as fatal:\n${rows.join('\n')}`);
  await shot('facts-signal-fatal.png');
});

factTest('Trace from Start: a container not created yet is waited for; its entrypoint\'s first exec (PID 1) and its child are shown, though it exits at once', async () => {
  await runCommand(page, 'Container Trace: Trace from Start (wait for the container)');
  await answer(page, /Trace from Start/, LATER, typedValue(LATER));
  await answer(page, /what to watch/, 'exec', (r) => !!r && r.label === 'exec');
  const live = await liveView(`${LATER} · exec`);
  await live.locator('#state', { hasText: /waiting|running/ }).waitFor({ timeout: DEADLINE });
  // Created and started after the trace: its entrypoint runs one child and exits.
  const run = spawnSync('docker', ['run', '--network', 'none', '--label', 'container-trace.test=1', '--name', LATER, IMAGE, 'sh', '-c', '/bin/echo from-the-first-instruction; exit 3'], { encoding: 'utf8' });
  assert.equal(run.status, 3, run.stderr);
  const rows = await until('the entrypoint and its child', () => eventRows(live), (r) => r.some((t) => /sh -c "?\/bin\/echo from-the-first-instruction/.test(t)) && r.some((t) => /echo from-the-first-instruction/.test(t) && !/sh -c/.test(t)));
  const entry = rows.find((t) => /sh -c "?\/bin\/echo from-the-first-instruction/.test(t))!;
  assert.equal(entry.split(' | ')[1], '1', `the entrypoint is PID 1 in its container: ${entry}`);
  await shot('facts-from-start.png');
  assert.equal((await quickInputState(page)).open, false);
});
