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
import { CHROMIUM, CHROMIUM_ARGS, runExtensionTests, startCodeServer, type CodeServer } from '../support/code-server';
import { docker, fixtureBinary, removeContainers, runContainer, skipReason } from '../support/integration';
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
  // The profile's workload (its functions' share known; frame pointers kept for the kernel's walk).
  docker('cp', fixtureBinary('ct-profile', ['-O0', '-fno-omit-frame-pointer']), `${CONTAINER}:/bin/ct-profile`);
  server = await startCodeServer({ CT_E2E_CONTAINER: CONTAINER, CT_E2E_RESULTS: results });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  removeContainers(CONTAINER);
});

test('extension tests pass in the real VS Code extension host', { skip, timeout: 240_000 }, async () => {
  const { code, report } = await runExtensionTests(server!, browser!, REPO, path.join(REPO, 'out', 'e2e', 'suite', 'index.js'), results);
  assert.equal(code, 0, report);
  assert.match(report, /^ok - /m);
  assert.doesNotMatch(report, /^not ok/m);
});
