/**
 * The product as a user meets it, in a real VS Code in a browser: open the
 * view, run "Trace Process in Container" from the palette, pick container,
 * process and kind, see exec events in the live view. Screenshots go to
 * test-artifacts/ (git-ignored).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, startCodeServer, type CodeServer } from '../support/code-server';
import { cli, docker, removeContainers, runContainer, skipReason, waitFor } from '../support/integration';
import { REPO } from '../support/paths';

const skip = skipReason() ?? (fs.existsSync(CHROMIUM) ? undefined : 'chromium is not installed (apt-get install chromium)');
if (skip && process.env.CI) throw new Error(`e2e prerequisites missing under CI: ${skip}`);
const CONTAINER = `ct-e2e-ui-${process.pid}`;

let server: CodeServer | undefined;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  runContainer(CONTAINER, 'while :; do sleep 1; done');
  // The process the user will trace: it starts a marker program on demand.
  docker('exec', '-d', CONTAINER, 'sh', '-c', 'while :; do if [ -e /tmp/go ]; then rm /tmp/go; /bin/echo ui-marker; fi; sleep 0.2; done');
  server = await startCodeServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  removeContainers(CONTAINER);
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, name) });
}

async function quickPick(page: Page, title: RegExp, text: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  try {
    await widget.locator('.quick-input-title', { hasText: title }).waitFor({ timeout: 30_000 });
  } catch (err) {
    await shot(page, 'failure.png');
    throw err;
  }
  await page.keyboard.type(text, { delay: 20 });
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

test('a user traces a process from the command palette and sees its execs live', { skip, timeout: 180_000 }, async () => {
  const watcher = await waitFor('the watcher process', () => {
    const list = JSON.parse(cli('ps', CONTAINER, '--json').stdout) as { pid: number; cmdline: string[] }[];
    return list.find((p) => p.cmdline.join(' ').includes('ui-marker'));
  });
  const page = await browser!.newPage({ viewport: { width: 1400, height: 850 } });
  await page.goto(server!.url({ extensionDevelopmentPath: REPO }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

  // The activity bar entry opens the Containers view with the container.
  await page.locator('.activitybar [aria-label^="Container Trace"]').first().click();
  const containerRow = page.locator('.monaco-list-row', { hasText: CONTAINER });
  await containerRow.waitFor({ timeout: 30_000 });
  await containerRow.click();
  await page.locator('.monaco-list-row', { hasText: `${watcher.pid} sh -c while` }).waitFor({ timeout: 15_000 });
  await shot(page, 'containers-tree.png');

  // Command palette → container → process (typed PID) → kind.
  await page.keyboard.press('F1');
  await page.keyboard.type('Container Trace: Trace Process in Container', { delay: 10 });
  const entry = page.locator('.quick-input-list .monaco-list-row', { hasText: /Container Trace: Trace Process in Container/ }).first();
  await entry.waitFor();
  await entry.click();
  await quickPick(page, /pick a container/, CONTAINER);
  await quickPick(page, /pick a process/, String(watcher.pid));
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.quick-input-title', { hasText: /what to watch/ }).waitFor();
  await page.keyboard.press('Enter'); // exec, this process and its descendants

  // The live view opens; a docker exec makes the traced process start the marker.
  const live = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await live.locator('#state', { hasText: 'running' }).waitFor({ timeout: 30_000 });
  docker('exec', CONTAINER, 'touch', '/tmp/go');
  // exec opens on its Summary (the process tree); the raw list is the Events tab.
  await live.locator('ul.tree .node .detail', { hasText: 'ui-marker' }).first().waitFor({ timeout: 15_000 });
  await live.locator('#tab-events').click();
  const row = live.locator('.row', { hasText: 'ui-marker' });
  await row.first().waitFor({ timeout: 15_000 });
  const text = await row.first().innerText();
  assert.match(text, /echo/);
  assert.ok(Number((await live.locator('#received').innerText()).replace(/,/g, '')) >= 1);
  await shot(page, 'live-view.png');

  // The Traces view shows the session; filter in the live view works.
  await live.locator('#filter').fill('ui-marker');
  await page.waitForTimeout(300);
  assert.equal(await live.locator('.rows .row').count(), await live.locator('.rows .row', { hasText: 'ui-marker' }).count());
  await page.locator('.monaco-list-row', { hasText: /exec · .* · PID/ }).first().waitFor();
  await shot(page, 'traces-and-filter.png');
});
