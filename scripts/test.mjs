#!/usr/bin/env node
// Test runner: bundles test/<suite>/*.test.ts with esbuild and runs them with
// node's test runner. Suites: unit (no root), integration (root, dockerd,
// BPF), e2e (real VS Code); `lint` (eslint) and `typecheck` (tsc --noEmit)
// are steps of their own. `all` builds everything and runs every step.
// The BPF objects (clang, the kernel's BTF) are built only for the suites
// that load them: lint, typecheck and unit tests need neither (unit tests
// that read compiled objects skip, saying so, when they are missing).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2] ?? 'all';
// `node scripts/test.mjs integration helper bind`: only the files whose names contain one of these.
const only = process.argv.slice(3);
const STEPS = ['lint', 'typecheck'];
const suites = which === 'all' ? ['unit', 'integration', 'e2e'] : STEPS.includes(which) ? [] : [which];
const LOADS_BPF = ['integration', 'e2e'];

if (which === 'all' || suites.some((s) => LOADS_BPF.includes(s))) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
} else if (suites.length) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--no-bpf'], { stdio: 'inherit' });
}

let failed = false;
// Lint first (every run of `npm test`): TypeScript's recommended rules, eslint.config.mjs.
if (which === 'all' || which === 'lint') {
  console.log('\n== lint ==');
  const lint = spawnSync(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), 'src', 'test', 'scripts'], { stdio: 'inherit', cwd: root });
  if (lint.status !== 0) failed = true;
  else console.log('eslint: no problems');
}
// The types, checked (esbuild strips them without checking): tsconfig.json.
if (which === 'all' || which === 'typecheck') {
  console.log('\n== typecheck ==');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root, '--noEmit'], { stdio: 'inherit', cwd: root });
  if (tsc.status !== 0) failed = true;
  else console.log('tsc: no type errors');
}

// Tests run in Node (and the e2e suite in VS Code's extension host).
const bundle = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: 'inline', logLevel: 'warning' };

for (const suite of suites) {
  const dir = join(root, 'test', suite);
  if (!existsSync(dir)) continue;
  const entries = readdirSync(dir).filter((f) => f.endsWith('.test.ts') && (!only.length || only.some((o) => f.includes(o)))).map((f) => join(dir, f));
  if (!entries.length) continue;
  const out = join(root, 'out', suite);
  rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    ...bundle,
    entryPoints: entries,
    outdir: out,
    external: ['koffi', 'vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node', 'playwright-core'],
    define: { __CT_REPO_ROOT__: JSON.stringify(root) },
  });
  if (suite === 'integration') {
    // Run by the privilege tests as an unprivileged user.
    await esbuild.build({ ...bundle, entryPoints: [join(root, 'test', 'support', 'sudo-client.ts')], outfile: join(out, 'sudo-client.js'), external: ['koffi'] });
  }
  if (suite === 'e2e' && process.getuid?.() === 0) {
    // The extension starts the installed helper when there is one: it must be this build's, not an
    // earlier one (a run of some e2e files only would otherwise test this extension against it).
    const inst = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'install-helper'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (inst.status !== 0) throw new Error('e2e: installing this build\'s helper failed (node dist/cli.js install-helper)');
  }
  if (suite === 'e2e') {
    // Runs inside VS Code's extension host: vscode is provided there.
    for (const suiteDir of ['suite', 'user-suite']) await esbuild.build({
      ...bundle,
      entryPoints: [join(dir, suiteDir, 'index.ts')],
      outfile: join(out, suiteDir, 'index.js'),
      external: ['vscode', 'koffi'],
    });
  }
  const files = entries.map((e) => join(out, e.slice(dir.length + 1).replace(/\.ts$/, '.js')));
  console.log(`\n== ${suite} tests ==`);
  // TEST_NAME_PATTERN=<regexp>: only the tests whose names match (node's --test-name-pattern).
  const pattern = process.env.TEST_NAME_PATTERN ? [`--test-name-pattern=${process.env.TEST_NAME_PATTERN}`] : [];
  const args = ['--enable-source-maps', '--test', '--test-reporter=spec', '--test-concurrency=1', ...pattern, ...files];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env: process.env });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
