#!/usr/bin/env node
// `npm run package`: builds, stages exactly the files the extension runs
// (bundles, BPF objects, media, koffi and its linux-x64 native part), packs
// them with @vscode/vsce into dist/container-trace-<version>.vsix, prints its size.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });

const stage = join(root, 'build', 'package');
rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'dist', 'bpf'), { recursive: true });
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const koffi = JSON.parse(readFileSync(join(root, 'node_modules/koffi/package.json'), 'utf8'));
// Everything but koffi is bundled; no scripts or dev tooling ship.
const manifest = { ...pkg, dependencies: { koffi: koffi.version }, devDependencies: undefined, scripts: undefined };
writeFileSync(join(stage, 'package.json'), JSON.stringify(manifest, null, 2));
for (const f of ['README.md', 'LICENSE', '.vscodeignore']) cpSync(join(root, f), join(stage, f));
for (const f of ['extension.js', 'cli.js', 'guard']) cpSync(join(root, 'dist', f), join(stage, 'dist', f));
for (const f of readdirSync(join(root, 'dist', 'bpf'))) cpSync(join(root, 'dist', 'bpf', f), join(stage, 'dist', 'bpf', f));
cpSync(join(root, 'bin'), join(stage, 'bin'), { recursive: true });
cpSync(join(root, 'media'), join(stage, 'media'), { recursive: true, filter: (s) => !s.endsWith('.map') });
for (const dep of ['koffi', '@koromix/koffi-linux-x64']) {
  cpSync(join(root, 'node_modules', dep), join(stage, 'node_modules', dep), { recursive: true });
}

const out = join(root, 'dist', `container-trace-${pkg.version}.vsix`);
execFileSync(
  join(root, 'node_modules', '.bin', 'vsce'),
  ['package', '--allow-missing-repository', '--no-rewrite-relative-links', '--skip-license', '--out', out],
  { cwd: stage, stdio: 'inherit' },
);
const size = statSync(out).size;
console.log(`package: ${out} (${(size / 1024 / 1024).toFixed(2)} MiB)`);
