/**
 * Each kind's live view as a user meets it, in a real VS Code in a browser:
 * a trace started from the command palette, a real workload in the
 * container, and the Summary tab checked by what it shows — the syscall the
 * workload made at the top of the table with its count, the child process
 * under its parent, the loopback connection with its ports, the missing file
 * first among opened paths, the probed function's calls and latency. A PID
 * link reveals the process in the Containers view; Export… offers its three
 * formats (the files are read back in the extension-host suite). A screenshot of every view goes to
 * test-artifacts/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, startCodeServer, type CodeServer } from '../support/code-server';
import { docker, installTarget, removeContainers, runContainer, skipReason } from '../support/integration';
import { REPO } from '../support/paths';

const skip = skipReason() ?? (fs.existsSync(CHROMIUM) ? undefined : 'chromium is not installed (apt-get install chromium)');
if (skip && process.env.CI) throw new Error(`e2e prerequisites missing under CI: ${skip}`);
const CONTAINER = `ct-e2e-views-${process.pid}`;

let server: CodeServer | undefined;
let browser: Browser | undefined;
let page: Page;

before(async () => {
  if (skip) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  runContainer(CONTAINER, 'while :; do sleep 1; done');
  installTarget(CONTAINER);
  docker('exec', CONTAINER, 'touch', '/tmp/ct-go');
  server = await startCodeServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(server.url({ extensionDevelopmentPath: REPO }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.activitybar [aria-label^="Container Trace"]').first().click();
  await page.locator('.monaco-list-row', { hasText: CONTAINER }).waitFor({ timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  removeContainers(CONTAINER);
});

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name) });

async function palette(command: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.keyboard.type(command, { delay: 5 });
  const entry = page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first();
  await entry.waitFor();
  await entry.click();
}

async function answer(title: RegExp, text: string): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ timeout: 30_000 });
  await page.keyboard.type(text, { delay: 10 });
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

/** "Trace Process in Container" → the test container → all processes → `kind`; the live view it opens. */
async function startTrace(kind: string, more: [RegExp, string][] = []): Promise<FrameLocator> {
  await palette('Container Trace: Trace Process in Container');
  await answer(/pick a container/, CONTAINER);
  await answer(/pick a process/, 'All processes');
  await answer(/what to watch/, kind);
  for (const [title, text] of more) await answer(title, text);
  // The newest webview: the trace's live view.
  const live = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
  await live.locator('#state', { hasText: 'running' }).waitFor({ timeout: 30_000 });
  await live.locator('#tab-summary[aria-selected=true]').waitFor();
  return live;
}

/** Stop the trace and close its view, so the next one is the only webview. */
async function finish(): Promise<void> {
  await palette('Container Trace: Stop All Traces');
  await page.waitForTimeout(500);
  await palette('View: Close All Editors');
  await page.waitForTimeout(500);
}

/** A view's test: whatever happens, its trace is stopped and its view closed for the next one. */
function viewTest(name: string, body: () => Promise<void>): void {
  test(name, { skip, timeout: 120_000 }, async () => {
    try {
      await body();
    } finally {
      await finish();
    }
  });
}

viewTest('syscalls: the top table puts the workload\'s syscall first with its count; a row shows its latency histogram; the rate is charted', async () => {
  const live = await startTrace('syscalls');
  docker('exec', CONTAINER, '/bin/ct-target', 'syscall', '300000');
  const first = live.locator('section[data-panel=top] tbody tr').first();
  await first.locator('td', { hasText: 'getppid' }).waitFor({ timeout: 15_000 });
  const cells = await first.locator('td').allInnerTexts();
  assert.equal(cells[1], 'ct-target');
  assert.ok(Number(cells[4].replace(/,/g, '')) >= 300_000, `calls ${cells[4]}`);
  await first.click();
  await live.locator('section[data-panel=top-hist] canvas').waitFor();
  await live.locator('section[data-panel=rate] canvas').waitFor();
  await shot('view-syscalls.png');
});

viewTest('exec: the process tree has the children under their parent with their command lines; the flat list is one click away; a PID link reveals the process', async () => {
  const live = await startTrace('exec');
  // `; true` keeps sh from exec'ing the last command itself: both are its children.
  docker('exec', CONTAINER, 'sh', '-c', '/bin/sleep 0.2; /bin/echo tree-marker; true');
  const parent = live.locator('ul.tree > li', { has: live.locator('.node .detail', { hasText: 'sh -c /bin/sleep 0.2' }) });
  await parent.locator('ul li .node .detail', { hasText: 'echo tree-marker' }).waitFor({ timeout: 15_000 });
  await parent.locator('ul li .node .detail', { hasText: 'sleep 0.2' }).waitFor();
  await shot('view-exec-tree.png');
  await live.locator('button.link', { hasText: 'flat list' }).click();
  await live.locator('section[data-panel=tree] > .node', { has: live.locator('.comm', { hasText: /^echo$/ }) }).waitFor();
  await live.locator('button.link', { hasText: 'as a tree' }).click();

  // A PID link reveals the process in the Containers view (the container's init, still running).
  const init = live.locator('ul.tree .node', { has: live.locator('.detail', { hasText: 'started before the trace' }) }).first();
  const pid = await init.locator('a.pid').innerText();
  await init.locator('a.pid').click();
  await page.locator('.monaco-list-row.selected', { hasText: new RegExp(`^${pid} `) }).waitFor({ timeout: 15_000 });
  await shot('view-pid-revealed.png');
});

viewTest('tcp: the loopback connection appears with its ports, updated through its states', async () => {
  const live = await startTrace('tcp');
  // Loopback inside the container's own network namespace (it has no other network).
  docker('exec', '-d', CONTAINER, 'sh', '-c', 'echo hello | busybox nc -w 2 -l -p 18080 >/dev/null');
  await new Promise((r) => setTimeout(r, 500));
  docker('exec', '-d', CONTAINER, 'sh', '-c', 'echo hi | busybox nc -w 1 127.0.0.1 18080 >/dev/null');
  const row = live.locator('section[data-panel=connections] tbody tr', { hasText: '127.0.0.1:18080' }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.locator('td', { hasText: /ESTABLISHED|CLOSE/ }).first().waitFor({ timeout: 15_000 });
  await shot('view-tcp.png');
});

viewTest('open: paths grouped, the failing one first with its errno; the filter applies; Export… offers JSON Lines, Perfetto and CSV', async () => {
  const live = await startTrace('open');
  docker('exec', CONTAINER, 'sh', '-c', 'cat /no-such-file-here 2>/dev/null; cat /etc/hostname >/dev/null; cat /no-such-file-here 2>/dev/null; true');
  const first = live.locator('section[data-panel=paths] tbody tr').first();
  await first.locator('td', { hasText: '/no-such-file-here' }).waitFor({ timeout: 15_000 });
  assert.match((await first.locator('td').allInnerTexts()).join(' | '), /\/no-such-file-here \| 2 \| 2 \| ENOENT ×2/);
  await shot('view-open.png');
  await live.locator('#filter').fill('hostname');
  await live.locator('section[data-panel=paths] tbody tr', { hasText: '/etc/hostname' }).waitFor();
  assert.equal(await live.locator('section[data-panel=paths] tbody tr').count(), 1, 'the filter applies to the summary');
  await live.locator('#filter').fill('');
  await live.locator('#tab-events').click();
  await live.locator('.rows .row', { hasText: 'no-such-file-here' }).first().waitFor();
  await shot('view-open-events.png');

  // Export… offers the three formats (the files themselves are checked in the extension-host suite).
  await live.locator('#export').click();
  await page.locator('.quick-input-widget .quick-input-title', { hasText: /Export trace/ }).waitFor();
  const formats = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
  assert.ok(['JSON Lines', 'Perfetto trace', 'Summary table as CSV'].every((f) => formats.some((t) => t.includes(f))), formats.join(' | '));
  await shot('view-export-formats.png');
  await page.keyboard.press('Escape');
});

viewTest('uprobe: calls per second and the latency histogram of the probed function', async () => {
  const live = await startTrace('uprobe', [
    [/uprobe: a path inside the container/, '/bin/ct-target'],
    [/uprobe: the function's symbol/, 'ct_work'],
  ]);
  docker('exec', '-d', CONTAINER, '/bin/ct-target', 'work', '3000');
  await live.locator('section[data-panel=latency] h3', { hasText: /p99 ≤/ }).waitFor({ timeout: 15_000 });
  await live.locator('section[data-panel=rate] h3', { hasText: /ct_work in \/bin\/ct-target · 3,?000 calls/ }).waitFor({ timeout: 15_000 });
  await page.waitForTimeout(1500); // a whole second on the chart
  await shot('view-uprobe.png');
});
