/**
 * `npm run package` makes the .vsix that `npm start` installs (and users
 * install): it must build with the README's relative links and carry the
 * bundles, the BPF objects and koffi's native part.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../support/paths';
import { bpfToolchainSkip } from '../support/bpf-objects';

// Packaging builds everything, the BPF objects included.
test('the extension packages into a .vsix with what it needs', { timeout: 120_000, skip: bpfToolchainSkip() }, () => {
  const out = execFileSync(process.execPath, [path.join(REPO, 'scripts', 'package.mjs')], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const vsix = /package: (\S+\.vsix)/.exec(out)?.[1];
  assert.ok(vsix && fs.existsSync(vsix), out);
  const listing = execFileSync('unzip', ['-l', vsix], { encoding: 'utf8' });
  for (const f of ['extension/dist/extension.js', 'extension/dist/cli.js', 'extension/dist/guard', 'extension/dist/bpf/exec.bpf.o', 'extension/dist/bpf/bind.bpf.o', 'extension/package.json']) {
    assert.match(listing, new RegExp(f.replace(/[.]/g, '\\.')), `${f} in the .vsix`);
  }
  assert.match(listing, /koffi/, "koffi's native part ships");
});
