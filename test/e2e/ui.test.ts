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
import { answer, DEADLINE, row, runCommand, until } from './workbench';

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

test('a user traces a process from the command palette and sees its execs live', { skip, timeout: 180_000 }, async () => {
  const watcher = await waitFor('the watcher process', () => {
    const list = JSON.parse(cli('ps', CONTAINER, '--json').stdout) as { pid: number; cmdline: string[] }[];
    return list.find((p) => p.cmdline.join(' ').includes('ui-marker'));
  });
  const page = await browser!.newPage({ viewport: { width: 1400, height: 850 } });
  try {
    await page.goto(server!.url({ extensionDevelopmentPath: REPO }));
    await page.locator('.monaco-workbench').waitFor({ timeout: DEADLINE });

    // The activity bar entry opens the Containers view with the container.
    await page.locator('.activitybar [aria-label^="Container Trace"]').first().click();
    const containerRow = page.locator('.monaco-list-row', { hasText: CONTAINER });
    await containerRow.waitFor({ timeout: DEADLINE });
    await containerRow.click();
    await page.locator('.monaco-list-row', { hasText: `${watcher.pid} sh -c while` }).waitFor({ timeout: DEADLINE });
    await shot(page, 'containers-tree.png');

    // Command palette → container → process (typed PID) → kind.
    await runCommand(page, 'Container Trace: Trace Process in Container');
    await answer(page, /pick a container/, CONTAINER, row(CONTAINER));
    // The typed PID makes its process the row Enter takes.
    await answer(page, /pick a process/, String(watcher.pid), (r) => !!r?.label.startsWith(`${watcher.pid} `));
    await answer(page, /what to watch/, undefined, row('exec', 'this process and its descendants'));

    // The live view opens; a docker exec makes the traced process start the marker.
    const live = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await live.locator('#state', { hasText: 'running' }).waitFor({ timeout: DEADLINE });
    docker('exec', CONTAINER, 'touch', '/tmp/go');
    // exec opens on its Summary (the process tree); the raw list is the Events tab.
    await live.locator('ul.tree .node .detail', { hasText: 'ui-marker' }).first().waitFor({ timeout: DEADLINE });
    await live.locator('#tab-events').click();
    const marker = live.locator('.row', { hasText: 'ui-marker' });
    await marker.first().waitFor({ timeout: DEADLINE });
    const text = await marker.first().innerText();
    assert.match(text, /echo/);
    await until('the received counter to count the event', () => live.locator('#received').innerText(), (t) => Number(t.replace(/,/g, '')) >= 1);
    await shot(page, 'live-view.png');

    // The Traces view shows the session; filter in the live view works.
    await live.locator('#filter').fill('ui-marker');
    const rows = live.locator('.rows .row');
    await until(
      'the filter to leave only ui-marker rows',
      async () => ({ all: await rows.count(), marker: await rows.filter({ hasText: 'ui-marker' }).count() }),
      (n) => n.marker >= 1 && n.all === n.marker,
    );
    await page.locator('.monaco-list-row', { hasText: new RegExp(`${CONTAINER} · exec.*PID ${watcher.pid}\\+`) }).first().waitFor({ timeout: DEADLINE });
    await shot(page, 'traces-and-filter.png');
  } catch (err) {
    await shot(page, 'failure.png').catch(() => undefined);
    throw err;
  } finally {
    await page.close();
  }
});
