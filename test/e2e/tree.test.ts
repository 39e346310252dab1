/// <reference lib="dom" />
/**
 * The Containers view and the first steps, in a real VS Code in headless
 * Chromium: an empty runtime says so; runtimes, namespaces and stopped
 * containers have menus (Refresh, Copy Name / ID), and the Container Tools
 * extension's Logs, Shell and Inspect when it is installed (a stand-in with its
 * id and command names, loaded beside this extension, records what it is
 * given); Podman pods are grouped as pods; a kind-like node's containers are
 * named by the kubelet's labels (namespace/pod/container, which the CLI finds);
 * a container's processes are read again when it is expanded again; the
 * system check shows what no kind needs as information; the walkthrough's
 * "Install the helper" step is done exactly when the helper is installed.
 * Screenshot: test-artifacts/tree-*.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, codeServerBinary, startCodeServer, type CodeServer } from '../support/code-server';
import { IMAGE, cli, docker, removeContainers, runContainer, skipReason, startNode } from '../support/integration';
import { REPO } from '../support/paths';

const skip = skipReason() ?? (fs.existsSync(CHROMIUM) ? undefined : 'chromium is not installed (apt-get install chromium)');
if (skip && process.env.CI) throw new Error(`e2e prerequisites missing under CI: ${skip}`);
const TAG = `ct-e2e-tree-${process.pid}`;
const RUNNING = TAG;
const STOPPED = `${TAG}-stopped`;
const POD = `${TAG}-pod`;
const NODE = `${TAG}-node`;
const podman = fs.existsSync('/run/podman/podman.sock') && spawnSync('podman', ['version'], { stdio: 'ignore' }).status === 0;
const nodeImage = spawnSync('docker', ['image', 'inspect', 'container-trace/node:latest'], { stdio: 'ignore' }).status === 0;

let server: CodeServer | undefined;
let browser: Browser | undefined;
let page: Page;
const toolsLog = path.join(os.tmpdir(), `ct-e2e-tools-${process.pid}.jsonl`);
const toolsDir = path.join(os.tmpdir(), `ct-e2e-tools-ext-${process.pid}`);

/** A stand-in for the Container Tools extension: its id and command names; it records the node it is given. */
function fakeContainerTools(): void {
  fs.mkdirSync(toolsDir, { recursive: true });
  const commands = ['viewLogs', 'attachShell', 'inspect'].map((a) => `vscode-containers.containers.${a}`);
  fs.writeFileSync(
    path.join(toolsDir, 'package.json'),
    JSON.stringify({ name: 'vscode-containers', displayName: 'Container Tools (test stand-in)', description: 'Records the commands it is given', publisher: 'ms-azuretools', version: '0.0.1', license: 'MIT', engines: { vscode: '^1.100.0' }, main: './extension.js', contributes: { commands: commands.map((command) => ({ command, title: command })) } }),
  );
  fs.writeFileSync(
    path.join(toolsDir, 'extension.js'),
    `const vscode = require('vscode'); const fs = require('fs');
exports.activate = (ctx) => { for (const c of ${JSON.stringify(commands)}) ctx.subscriptions.push(vscode.commands.registerCommand(c, (node) => fs.appendFileSync(${JSON.stringify(toolsLog)}, JSON.stringify({ command: c, node }) + '\\n'))); };`,
  );
  fs.writeFileSync(path.join(toolsDir, 'README.md'), 'A stand-in for the Container Tools extension in a test.\n');
}

/** What could not be set up, by part: the tests that need it fail with this, the others run. */
const unavailable: Record<string, string> = {};

function setUp(part: string, body: () => void): void {
  try {
    body();
  } catch (err) {
    unavailable[part] = `${(err as Error).message}`.slice(0, 2000);
  }
}

before(async () => {
  if (skip) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  runContainer(RUNNING, 'while :; do sleep 1; done');
  runContainer(STOPPED, 'true');
  docker('wait', STOPPED);
  if (podman) {
    setUp('podman', () => {
      spawnSync('podman', ['pod', 'rm', '-f', POD], { stdio: 'ignore' });
      execFileSync('podman', ['pod', 'create', '--infra=false', '--name', POD], { stdio: 'pipe' });
      execFileSync('podman', ['run', '-d', '--pod', POD, '--network', 'none', '--name', `${POD}-web`, `localhost/${IMAGE}`, 'sh', '-c', 'while :; do sleep 1; done'], { stdio: 'pipe' });
    });
  }
  if (nodeImage) {
    try {
      await startNode(NODE);
      // As the kubelet makes them: the pod's namespace, name and container name as labels.
      const labels = ['io.kubernetes.pod.namespace=nested', 'io.kubernetes.pod.name=inner-7b9', 'io.kubernetes.container.name=app'].flatMap((l) => ['--label', l]);
      docker('exec', NODE, 'ctr', 'run', '-d', '--snapshotter', 'native', ...labels, `docker.io/${IMAGE}`, 'inner-app', 'sh', '-c', 'while :; do sleep 1; done');
    } catch (err) {
      unavailable.node = (err as Error).message;
    }
  }
  server = await startCodeServer();
  // The stand-in, installed as an extension is (a VSIX), before the window opens its extension host.
  setUp('container tools', () => {
    fakeContainerTools();
    const vsix = path.join(toolsDir, 'tools.vsix');
    execFileSync(path.join(REPO, 'node_modules', '.bin', 'vsce'), ['package', '--allow-missing-repository', '--skip-license', '--out', vsix], { cwd: toolsDir, stdio: 'pipe' });
    execFileSync(codeServerBinary(), ['--extensions-dir', path.join(path.dirname(server!.workspace), 'extensions'), '--user-data-dir', path.join(path.dirname(server!.workspace), 'user-data'), '--install-extension', vsix], { stdio: 'pipe' });
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  // As a user's browser grants it to the workbench: the clipboard (Copy Name, Copy Container ID).
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, permissions: ['clipboard-read', 'clipboard-write'] });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(server.url({ extensionDevelopmentPath: REPO }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  try {
    await page.locator('.activitybar [aria-label^="Container Trace"]').first().click({ timeout: 120_000 });
    // Room for the tree: the Traces view folded.
    await page.locator('.pane-header', { hasText: /^\s*Traces/i }).first().click();
    await row(RUNNING).waitFor({ timeout: 60_000 });
  } catch (err) {
    await shot('tree-failure-start.png');
    throw new Error(`the Containers view did not show ${RUNNING}: ${(err as Error).message}\n${server.log().slice(-3000)}`);
  }
});

after(async () => {
  // For whoever reads a failure: what code-server said.
  if (server) fs.writeFileSync(path.join(ARTIFACTS, 'tree-code-server.log'), server.log());
  await browser?.close();
  await server?.stop();
  removeContainers(RUNNING, STOPPED, NODE);
  if (podman) spawnSync('podman', ['pod', 'rm', '-f', '-t', '0', POD], { stdio: 'ignore' });
  fs.rmSync(toolsDir, { recursive: true, force: true });
  fs.rmSync(toolsLog, { force: true });
});

const containersView = () => page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Containers/i }) }).first();
const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name) });
const row = (text: string | RegExp) => page.locator('.monaco-list-row', { hasText: text }).first();
/** A tree row by its label exactly (descriptions aside). */
const labelled = (label: string) => page.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();

async function until<T>(what: string, probe: () => Promise<T> | T, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let seen: T | undefined;
  for (;;) {
    try {
      seen = await probe();
      if (ok(seen)) return seen;
    } catch {
      /* re-rendered under the probe */
    }
    if (Date.now() > deadline) {
      await shot(`tree-failure-${what.replace(/\W+/g, '-')}.png`);
      throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(seen)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The context menu of a tree row: its entries' labels. */
async function menuOf(target: ReturnType<typeof row>): Promise<string[]> {
  await closeMenu();
  await target.click({ button: 'right' });
  const menu = page.locator('.context-view .monaco-menu');
  await menu.waitFor();
  const labels = await menu.locator('.action-label').allInnerTexts();
  return labels.map((l) => l.trim()).filter(Boolean);
}

/**
 * Close every context menu, and make sure none comes back: the workbench may
 * show a second one for the same right-click once it has the menu's actions
 * (it then swallows the next clicks and keys), so the menu must stay gone.
 */
async function closeMenu(): Promise<void> {
  const menu = page.locator('.context-view .monaco-menu, .context-view .context-view-block');
  for (let quiet = 0; quiet < 3; ) {
    if (await menu.count()) {
      quiet = 0;
      await page.keyboard.press('Escape');
      await menu.first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
    } else quiet++;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * Take the context menu's entry `label`. The workbench may replace the menu
 * shown for a right-click by a second one for the same click (once it has the
 * actions): a click on the first then does nothing, and the menu stays. So
 * the entry is clicked again until the menu has gone.
 */
async function pick(label: string): Promise<void> {
  const menu = page.locator('.context-view .monaco-menu');
  for (let i = 0; ; i++) {
    await page.locator('.context-view .action-label', { hasText: label }).first().click();
    if (await menu.first().waitFor({ state: 'detached', timeout: 2_000 }).then(() => true, () => false)) return;
    if (i === 4) throw new Error(`the menu stayed open after ${label} was clicked five times`);
  }
}

async function expand(target: ReturnType<typeof row>): Promise<void> {
  await closeMenu();
  if ((await target.getAttribute('aria-expanded')) === 'false') await target.click();
  await until('the row expanded', () => target.getAttribute('aria-expanded'), (v) => v === 'true');
}

async function collapse(target: ReturnType<typeof row>): Promise<void> {
  await closeMenu();
  if ((await target.getAttribute('aria-expanded')) === 'true') await target.click();
  await until('the row collapsed', () => target.getAttribute('aria-expanded'), (v) => v === 'false');
}

test('an empty runtime says so; runtimes, namespaces and stopped containers have menus, with Container Tools\' Logs, Shell and Inspect', { skip, timeout: 300_000 }, async () => {
  // Every reachable runtime listing no container shows a row that says so.
  const runtimes = await containersView().locator('.monaco-list-row[aria-level="1"]').evaluateAll((rows) => rows.map((r) => ({ label: r.querySelector('.label-name')?.textContent ?? '', description: r.querySelector('.label-description')?.textContent ?? '', index: Number(r.getAttribute('data-index')) })));
  const empty = runtimes.filter((r) => / · 0 · /.test(r.description));
  for (const r of empty) {
    const next = containersView().locator(`.monaco-list-row[data-index="${r.index + 1}"]`);
    assert.match(await next.innerText(), /No containers/, `${r.label} lists nothing and says so`);
  }

  const runtimeMenu = await menuOf(labelled('Docker'));
  await closeMenu();
  for (const entry of ['Refresh', 'Copy Name']) assert.ok(runtimeMenu.includes(entry), `runtime menu: ${runtimeMenu.join(', ')}`);

  const stopped = labelled(STOPPED);
  await stopped.waitFor();
  assert.match(await stopped.innerText(), /exited/);
  const stoppedMenu = await menuOf(stopped);
  for (const entry of ['Refresh', 'Copy Name', 'Copy Container ID']) assert.ok(stoppedMenu.includes(entry), `stopped container menu: ${stoppedMenu.join(', ')}`);
  if (!unavailable['container tools']) {
    for (const entry of ['Show Logs (Container Tools)', 'Inspect (Container Tools)']) assert.ok(stoppedMenu.includes(entry), `stopped container menu: ${stoppedMenu.join(', ')}`);
    assert.ok(!stoppedMenu.includes('Attach Shell (Container Tools)'), 'no shell in a stopped container');
  }
  await pick('Copy Name');
  await page.locator('.statusbar-item', { hasText: `Copied name ${STOPPED}` }).waitFor().catch(async (err: Error) => {
    await shot('tree-failure-copy-name.png');
    throw err;
  });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), STOPPED, 'the name is on the clipboard');
  await closeMenu();

  // Container Tools' commands get the container as its own tree items describe one.
  assert.equal(unavailable['container tools'], undefined, `the Container Tools stand-in could not be installed: ${unavailable['container tools']}`);
  const running = labelled(RUNNING);
  const runningMenu = await menuOf(running);
  assert.ok(runningMenu.includes('Attach Shell (Container Tools)'), runningMenu.join(', '));
  await pick('Show Logs (Container Tools)');
  const logged = await until('the Container Tools command', () => (fs.existsSync(toolsLog) ? fs.readFileSync(toolsLog, 'utf8') : ''), (t) => t.includes('viewLogs'));
  const call = JSON.parse(logged.trim().split('\n').pop()!) as { command: string; node: { containerId: string; containerName: string } };
  assert.equal(call.command, 'vscode-containers.containers.viewLogs');
  assert.equal(call.node.containerName, RUNNING);
  assert.equal(call.node.containerId, docker('inspect', '-f', '{{.Id}}', RUNNING));
  await shot('tree-menus.png');
  await closeMenu();
});

test('Podman pods are grouped as pods; a node\'s kubelet-labelled containers are named namespace/pod/container, and the CLI finds them so', { skip, timeout: 300_000 }, async (t) => {
  assert.equal(unavailable.podman, undefined, `a Podman pod could not be made: ${unavailable.podman}`);
  assert.equal(unavailable.node, undefined, `the node could not be started: ${unavailable.node}`);
  if (podman) {
    const pod = labelled(POD);
    await pod.waitFor({ timeout: 60_000 });
    assert.match(await pod.innerText(), /pod · 1\/1 running/);
    await expand(pod);
    await labelled(`${POD}-web`).waitFor();
  } else t.diagnostic('no rootful Podman API socket: the pod part is skipped');
  if (nodeImage) {
    await expand(labelled(NODE));
    const ns = labelled('nested');
    await ns.waitFor({ timeout: 60_000 });
    const nsMenu = await menuOf(ns);
    await closeMenu();
    for (const entry of ['Refresh', 'Copy Name']) assert.ok(nsMenu.includes(entry), `namespace menu: ${nsMenu.join(', ')}`);
    await labelled('inner-7b9').waitFor();
    await labelled('app').waitFor();
    await shot('tree-pods.png');
    const ps = cli('ps', 'nested/inner-7b9/app', '--json');
    assert.equal(ps.code, 0, ps.stderr);
    assert.ok((JSON.parse(ps.stdout) as { cmdline: string[] }[]).some((p) => p.cmdline.join(' ').includes('while :; do sleep 1; done')));
    await collapse(labelled(NODE));
  } else t.diagnostic('no node image (scripts/runtimes-setup.sh): the kind part is skipped');
});

test('a container expanded again shows its processes as they are now', { skip, timeout: 120_000 }, async () => {
  const c = labelled(RUNNING);
  await expand(c);
  await row(/^\s*1 sh -c while/).waitFor();
  docker('exec', '-d', RUNNING, 'sleep', '1002');
  await collapse(c);
  await expand(c);
  await row(/sleep 1002/).waitFor({ timeout: 30_000 });
});

test('the system check shows what no kind needs as information; the walkthrough\'s install step is done exactly when the helper is installed', { skip, timeout: 180_000 }, async () => {
  await closeMenu();
  await page.keyboard.press('F1');
  await page.keyboard.type('Container Trace: Check System', { delay: 5 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: /^Container Trace: Check System/ }).first().click();
  const check = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
  await check.locator('table tr').first().waitFor({ timeout: 60_000 });
  const rows = await check.locator('tr').evaluateAll((trs) => trs.map((tr) => ({ cls: tr.className, text: tr.textContent ?? '' })));
  const warnedNeedless = rows.filter((r) => r.cls === 'warn' && /no trace kind needs|not needed to trace/.test(r.text));
  assert.deepEqual(warnedNeedless, [], 'nothing no kind needs is a warning');
  const items = JSON.parse(cli('check', '--json').stdout) as { name: string; status: string; detail: string; fix?: string }[];
  for (const i of items.filter((x) => x.status === 'warn' && /no trace kind needs|not needed to trace/.test(`${x.detail} ${x.fix ?? ''}`))) {
    assert.ok(rows.some((r) => r.cls === 'info' && r.text.includes(i.name)), `${i.name} is information`);
  }
  assert.ok(rows.every((r) => !/(^|[\s(])container-trace (install-helper|check|ps|list)/.test(r.text)), 'fixes name the CLI by its path');
  await shot('tree-check.png');

  // The walkthrough: its "Install the helper" step is checked when (and only when) the check says it is installed.
  const installed = items.find((i) => i.name === 'helper')?.status === 'ok';
  await page.keyboard.press('F1');
  await page.keyboard.type('Welcome: Open Walkthrough', { delay: 5 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: /Welcome: Open Walkthrough/ }).first().click();
  await page.keyboard.type('Trace a process in a container', { delay: 5 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Trace a process in a container' }).first().click();
  const step = page.locator('.getting-started-step', { hasText: 'Install the helper' }).first();
  await step.waitFor({ timeout: 60_000 });
  await until('the install step checked as the helper is', () => step.locator('.codicon').first().getAttribute('class'), (c) => !!c && /\bcomplete\b/.test(c) === installed);
  await shot('tree-walkthrough.png');
});
