/**
 * The extension's tests inside code-server's real extension host, driven
 * headless: the workbench runs test/e2e/suite and calls codeAutomationExit.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, startCodeServer, type CodeServer } from '../support/code-server';
import { removeContainers, runContainer, skipReason } from '../support/integration';
import { REPO } from '../support/paths';

const skip = skipReason() ?? (fs.existsSync(CHROMIUM) ? undefined : 'chromium is not installed (apt-get install chromium)');
if (skip && process.env.CI) throw new Error(`e2e prerequisites missing under CI: ${skip}`);
const CONTAINER = `ct-e2e-ext-${process.pid}`;

let server: CodeServer | undefined;
let browser: Browser | undefined;
const results = path.join(os.tmpdir(), `ct-e2e-results-${process.pid}.txt`);

before(async () => {
  if (skip) return;
  runContainer(CONTAINER, 'while :; do sleep 0.5; done');
  server = await startCodeServer({ CT_E2E_CONTAINER: CONTAINER, CT_E2E_RESULTS: results });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  removeContainers(CONTAINER);
});

test('extension tests pass in the real VS Code extension host', { skip, timeout: 240_000 }, async () => {
  const page = await browser!.newPage();
  const exit = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
  await page.goto(server!.url({ extensionDevelopmentPath: REPO, extensionTestsPath: path.join(REPO, 'out', 'e2e', 'suite', 'index.js') }));
  const code = await Promise.race([
    exit,
    new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no result from the extension host:\n${server!.log().slice(-3000)}`)), 200_000).unref()),
  ]);
  const report = fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : '(no report)';
  console.log(report);
  assert.equal(code, 0, report);
  assert.match(report, /^ok - /m);
  assert.doesNotMatch(report, /^not ok/m);
});
