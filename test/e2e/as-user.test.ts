/**
 * The extension in a VS Code that runs as an unprivileged user (ct-nopw:
 * sudoers allows the installed launcher without a password): it elevates
 * its helper and traces, and the helper runs as root.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, runExtensionTests, startCodeServer, type CodeServer } from '../support/code-server';
import { cli, removeContainers, runContainer, skipReason } from '../support/integration';
import { REPO } from '../support/paths';
import { answer, DEADLINE, row, runCommand } from './workbench';

const skip = skipReason() ?? (fs.existsSync(CHROMIUM) ? undefined : 'chromium is not installed');
if (skip && process.env.CI) throw new Error(`e2e prerequisites missing under CI: ${skip}`);
const USER = 'ct-nopw';
const CONTAINER = `ct-e2e-user-${process.pid}`;
const results = `/tmp/ct-e2e-user-results-${process.pid}.txt`;
let server: CodeServer | undefined;
let browser: Browser | undefined;
let ext = '';

before(async () => {
  if (skip) return;
  assert.equal(cli('install-helper').code, 0);
  execFileSync('bash', [path.join(REPO, 'scripts', 'privilege-fixtures.sh')], { stdio: 'inherit' });
  runContainer(CONTAINER, 'while :; do /bin/echo user-marker; sleep 0.3; done');
  // The extension and its tests, where the user can read them.
  ext = fs.mkdtempSync('/tmp/ct-ext-');
  for (const p of ['package.json', 'dist/extension.js', 'dist/cli.js', 'media', 'out/e2e/user-suite/index.js']) {
    fs.cpSync(path.join(REPO, p), path.join(ext, p), { recursive: true });
  }
  execFileSync('chmod', ['-R', 'a+rX', ext]);
  fs.writeFileSync(results, '');
  execFileSync('chown', [`${USER}:`, results]);
  server = await startCodeServer({ CT_E2E_CONTAINER: CONTAINER, CT_E2E_RESULTS: results }, USER);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  removeContainers(CONTAINER);
  if (ext) fs.rmSync(ext, { recursive: true, force: true });
});

test('as an unprivileged user, the extension elevates its helper and traces', { skip, timeout: 240_000 }, async () => {
  const { code, report } = await runExtensionTests(server!, browser!, ext, path.join(ext, 'out', 'e2e', 'user-suite', 'index.js'), results);
  assert.equal(code, 0, report);
  assert.match(report, /^ok - as uid \d+, the extension started the helper \(uid 0\)/m);
});

test('as a user whose sudo needs a password, the password box starts the helper and events arrive', { skip, timeout: 240_000 }, async () => {
  const pwServer = await startCodeServer({}, 'ct-pw');
  const page = await browser!.newPage({ viewport: { width: 1400, height: 850 } });
  try {
    await page.goto(pwServer.url({ extensionDevelopmentPath: ext }));
    await page.locator('.monaco-workbench').waitFor({ timeout: DEADLINE });
    // The palette lists only commands registered when it opens: wait until
    // the extension's contributions are in (its activity-bar entry shows).
    await page.locator('.activitybar [aria-label^="Container Trace"]').first().waitFor({ timeout: DEADLINE });
    await runCommand(page, 'Container Trace: Trace All Processes in Container');
    await answer(page, /pick a container/, CONTAINER, row(CONTAINER));
    await answer(page, /what to watch/, undefined, row('exec', 'all processes'));
    await page.locator('.quick-input-widget .quick-input-title', { hasText: /sudo password/ }).waitFor({ timeout: DEADLINE });
    assert.equal(await page.locator('.quick-input-widget input[type="password"]').count(), 1, 'a password box, not plain text');
    await answer(page, /sudo password/, 'ct-pw-secret', (r) => !r);
    const live = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await live.locator('#tab-events').click({ timeout: DEADLINE }); // exec opens on its process tree
    await live.locator('.row', { hasText: 'user-marker' }).first().waitFor({ timeout: DEADLINE });
    await page.screenshot({ path: path.join(REPO, 'test-artifacts', 'as-user-password.png') });
  } catch (err) {
    await page.screenshot({ path: path.join(REPO, 'test-artifacts', 'as-user-failure.png') }).catch(() => undefined);
    throw err;
  } finally {
    await page.close();
    await pwServer.stop();
  }
});
