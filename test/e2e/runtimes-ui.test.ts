/**
 * The Containers view with every runtime a dev host has, in a real VS Code:
 * Docker, rootful Podman, containerd (default namespace), Kubernetes pods
 * through CRI (namespace → pod → container), and a node container with its
 * own containerd beneath it. Then a pod is traced from the tree (a selector)
 * and its events arrive in the live view, each naming its container.
 * Screenshots: test-artifacts/runtimes-tree.png, runtimes-pods.png, pod-trace.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, startCodeServer, type CodeServer } from '../support/code-server';
import { docker, skipReason, startNode, waitFor } from '../support/integration';
import { CriClient } from '../support/cri';
import { REPO } from '../support/paths';
import { answer, DEADLINE, row as pickRow } from './workbench';

const skip =
  skipReason() ??
  (fs.existsSync(CHROMIUM) ? undefined : 'chromium is not installed (apt-get install chromium)') ??
  (fs.existsSync('/run/containerd/containerd.sock') && fs.existsSync('/run/podman/podman.sock') ? undefined : 'the other runtimes are not set up: run scripts/runtimes-setup.sh');
if (skip && process.env.CI) throw new Error(`e2e prerequisites missing under CI: ${skip}`);

const TAG = `ct-e2e-rt-${process.pid}`;
const IMAGE = 'container-trace/busybox:latest';
const NODE = `${TAG}-node`;
const NS = 'ct-e2e';

let server: CodeServer | undefined;
let browser: Browser | undefined;
const cri = skip ? undefined : new CriClient();

function sh(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

before(async () => {
  if (skip) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await cri!.removeTestPods();
  docker('run', '-d', '--network', 'none', '--label', 'container-trace.test=1', '--name', `${TAG}-web`, IMAGE, 'sh', '-c', 'while :; do sleep 1; done');
  sh('podman', 'run', '-d', '--network', 'none', '--name', `${TAG}-pm`, `localhost/${IMAGE}`, 'sh', '-c', 'while :; do sleep 1; done');
  sh('ctr', '-n', 'default', 'run', '-d', `docker.io/${IMAGE}`, `${TAG}-ctr`, 'sh', '-c', 'while :; do sleep 1; done');
  const pod = await cri!.runPod(`${TAG}-shop`, NS, { app: 'shop' });
  // The pod's app starts a marker program whenever /tmp/go appears.
  await cri!.runContainer(pod, 'app', 'while :; do if [ -e /tmp/go ]; then rm /tmp/go; /bin/echo pod-marker; fi; sleep 0.2; done');
  await cri!.runContainer(pod, 'sidecar', 'while :; do sleep 1; done');
  await startNode(NODE);
  docker('exec', NODE, 'ctr', 'run', '-d', '--snapshotter', 'native', `docker.io/${IMAGE}`, 'inner', 'sh', '-c', 'while :; do sleep 1; done');
  server = await startCodeServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  spawnSync('docker', ['rm', '-f', `${TAG}-web`, NODE], { stdio: 'ignore' });
  spawnSync('podman', ['rm', '-f', '-t', '0', `${TAG}-pm`], { stdio: 'ignore' });
  spawnSync('ctr', ['-n', 'default', 'task', 'kill', '-s', 'KILL', `${TAG}-ctr`], { stdio: 'ignore' });
  spawnSync('ctr', ['-n', 'default', 'task', 'rm', '-f', `${TAG}-ctr`], { stdio: 'ignore' });
  spawnSync('ctr', ['-n', 'default', 'container', 'rm', `${TAG}-ctr`], { stdio: 'ignore' });
  await cri?.removeTestPods();
  cri?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, name) });
const row = (page: Page, text: string | RegExp) => page.locator('.monaco-list-row', { hasText: text }).first();

test('the Containers view shows every runtime, pods under namespaces, a node with its own runtime; a pod is traced from the tree', { skip, timeout: 240_000 }, async () => {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1200 } });
  try {
    await page.goto(server!.url({ extensionDevelopmentPath: REPO }));
    await page.locator('.monaco-workbench').waitFor({ timeout: DEADLINE });
    await page.locator('.activitybar [aria-label^="Container Trace"]').first().click();
    // Room for the tree: fold the Traces view (rows off screen are not in the DOM).
    await page.locator('.pane-header', { hasText: /^\s*Traces/i }).first().click();
    // Runtimes, expanded: each shows its containers.
    for (const label of ['Docker', 'Podman']) await row(page, new RegExp(`^\\s*${label}`)).waitFor({ timeout: DEADLINE });
    await row(page, `${TAG}-web`).waitFor({ timeout: DEADLINE });
    await row(page, `${TAG}-pm`).waitFor({ timeout: DEADLINE });
    // The node: expanding it shows its own containerd and the container inside.
    await row(page, NODE).click();
    await row(page, 'inner').waitFor({ timeout: DEADLINE });
    await shot(page, 'runtimes-tree.png');

    // Fold Docker and Podman (a click toggles a runtime): containerd and CRI below.
    for (const label of [/^\s*Docker/, /^\s*Podman/]) await row(page, label).click();
    for (const label of [/^\s*containerd/, /^\s*Kubernetes \(CRI\)/]) await row(page, label).waitFor({ timeout: DEADLINE });
    await row(page, `${TAG}-ctr`).waitFor({ timeout: DEADLINE });
    // CRI: namespace → pod → its containers.
    await row(page, NS).waitFor({ timeout: DEADLINE });
    await row(page, `${TAG}-shop`).waitFor({ timeout: DEADLINE });
    await row(page, 'sidecar').waitFor({ timeout: DEADLINE });
    await shot(page, 'runtimes-pods.png');

    // Trace the pod from its node in the tree (inline action), kind exec.
    const podRow = row(page, `${TAG}-shop`);
    await podRow.hover();
    await podRow.locator('.action-label[aria-label^="Trace All Processes"]').click();
    await answer(page, /what to watch/, undefined, pickRow('exec', 'every container, those started later too'));
    const live = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await live.locator('#state', { hasText: 'running' }).waitFor({ timeout: DEADLINE });
    await live.locator('#tab-events').click(); // exec opens on its process tree; the events name their pod
    const appPid = await waitFor('the pod app in the list', () => {
      const list = JSON.parse(spawnSync(process.execPath, [path.join(REPO, 'bin', 'container-trace'), 'list', '--json'], { encoding: 'utf8' }).stdout) as { pod?: string; name: string; hostPid: number }[];
      return list.find((c) => c.pod === `${TAG}-shop` && c.name === 'app')?.hostPid;
    }, DEADLINE);
    fs.writeFileSync(`/proc/${appPid}/root/tmp/go`, '');
    const marker = live.locator('.row', { hasText: 'pod-marker' }).first();
    await marker.waitFor({ timeout: DEADLINE });
    assert.match(await marker.innerText(), new RegExp(`\\[${TAG}-shop/app\\]`), 'the event names its pod and container');
    // The sidecar's own execs (sleep 1) are there too, named as the sidecar's.
    const side = live.locator('.row', { hasText: 'sleep 1 ' }).first();
    await side.waitFor({ timeout: DEADLINE });
    assert.match(await side.innerText(), new RegExp(`\\[${TAG}-shop/sidecar\\]`));
    await shot(page, 'pod-trace.png');
  } catch (err) {
    await shot(page, 'runtimes-failure.png');
    throw err;
  } finally {
    await page.close();
  }
});
