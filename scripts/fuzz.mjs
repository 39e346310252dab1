#!/usr/bin/env node
// Fuzz the root helper's ELF reader (src/uprobe/elf.ts) with Jazzer.js
// (libFuzzer, coverage-guided): `npm run fuzz [-- seconds]` (default 60).
// Exits 0 when nothing was found, 3 when the fuzzer cannot run here.
// Seeds: real binaries of this machine, the crafted hostile files, and
// mutations of each (test/fuzz/elf-seeds.ts); new inputs go to
// build/fuzz/elf-corpus, crashes and timeouts to build/fuzz/.
// Bounded: -max_total_time, -timeout per input, -rss_limit_mb, -max_len.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.argv[2] ?? 60);
const build = join(root, 'build', 'fuzz');
const target = join(root, 'out', 'fuzz', 'elf.fuzz.js');
const seeds = join(build, 'elf-seeds');
const corpus = join(build, 'elf-corpus');
mkdirSync(corpus, { recursive: true });

await esbuild.build({
  entryPoints: [join(root, 'test', 'fuzz', 'elf.fuzz.ts')],
  outfile: target,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
});
// The test workload, a symbol-rich static binary, as one more seed.
const workload = join(root, 'build', 'ct-target');
if (!existsSync(workload)) spawnSync('gcc', ['-static', '-O1', '-g', '-pthread', '-o', workload, join(root, 'test', 'fixtures', 'ct-target.c')], { stdio: 'inherit' });
const require = createRequire(import.meta.url);
console.log(`seeds: ${require(target).writeSeeds(seeds, root).length} in ${seeds}`);

// Jazzer.js ships its native fuzzer prebuilt for glibc 2.38 and GCC 13's
// libstdc++. On an older system, a copy whose two newer version requirements
// are marked weak is loaded instead, with the three symbols it takes from
// them preloaded (scripts/fuzz/compat.cc).
const env = { ...process.env };
const probe = spawnSync(process.execPath, ['-e', "require('@jazzer.js/fuzzer')"], { cwd: root, encoding: 'utf8' });
if (probe.status !== 0) {
  if (!/version `(GLIBC_2\.38|GLIBCXX_3\.4\.32)' not found/.test(probe.stderr)) {
    console.error(`jazzer: its native fuzzer does not load here:\n${probe.stderr}`);
    process.exit(3);
  }
  const compat = join(build, 'compat');
  mkdirSync(compat, { recursive: true });
  const shim = join(compat, 'compat.so');
  // Each file made beside its place and renamed into it: a fuzzer running at the same time keeps the one it loaded.
  try {
    execFileSync('g++', ['-shared', '-fPIC', '-O2', '-o', `${shim}.${process.pid}`, join(root, 'scripts', 'fuzz', 'compat.cc')], { stdio: 'inherit' });
    renameSync(`${shim}.${process.pid}`, shim);
  } catch (err) {
    console.error(`jazzer: cannot build its compatibility shim (g++): ${err.message}`);
    process.exit(3);
  }
  const addon = require.resolve('@jazzer.js/fuzzer/prebuilds/fuzzer-linux-x64.node', { paths: [root] });
  const patched = join(compat, 'fuzzer-linux-x64.node');
  writeFileSync(`${patched}.${process.pid}`, weakVersions(readFileSync(addon), ['GLIBC_2.38', 'GLIBCXX_3.4.32']));
  renameSync(`${patched}.${process.pid}`, patched);
  env.LD_PRELOAD = shim;
  env.CT_JAZZER_ADDON = patched;
  env.NODE_OPTIONS = `--import ${pathToFileURL(join(root, 'scripts', 'fuzz', 'redirect.mjs')).href}`;
  const again = spawnSync(process.execPath, ['-e', "require('@jazzer.js/fuzzer')"], { cwd: root, encoding: 'utf8', env });
  if (again.status !== 0) {
    console.error(`jazzer: its native fuzzer does not load here, even through build/fuzz/compat:\n${again.stderr}`);
    process.exit(3);
  }
  console.log('jazzer: this system is older than its prebuilt fuzzer; loading it through build/fuzz/compat');
}

const jazzer = require.resolve('@jazzer.js/core/dist/cli.js', { paths: [root] });
const args = [
  jazzer, target, corpus, seeds, '--sync',
  '--', `-max_total_time=${seconds}`, '-timeout=10', '-rss_limit_mb=3072', `-max_len=${4 << 20}`, `-artifact_prefix=${build}/`, '-print_final_stats=1',
];
const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 1);

/** `elf` with the version requirements `names` (.gnu.version_r) marked VER_FLG_WEAK: a missing one no longer fails the load. */
function weakVersions(elf, names) {
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const sec = (i) => ({ type: elf.readUInt32LE(shoff + i * 64 + 4), offset: Number(elf.readBigUInt64LE(shoff + i * 64 + 24)), link: elf.readUInt32LE(shoff + i * 64 + 40), info: elf.readUInt32LE(shoff + i * 64 + 44) });
  const sections = Array.from({ length: elf.readUInt16LE(0x3c) }, (_, i) => sec(i));
  const verneed = sections.find((s) => s.type === 0x6ffffffe);
  const strings = sections[verneed.link];
  const str = (off) => elf.toString('latin1', strings.offset + off, elf.indexOf(0, strings.offset + off));
  for (let i = 0, at = verneed.offset; i < verneed.info; i++, at += elf.readUInt32LE(at + 12)) {
    for (let j = 0, aux = at + elf.readUInt32LE(at + 8); j < elf.readUInt16LE(at + 2); j++, aux += elf.readUInt32LE(aux + 12)) {
      if (names.includes(str(elf.readUInt32LE(aux + 8)))) elf.writeUInt16LE(elf.readUInt16LE(aux + 4) | 2, aux + 4);
    }
  }
  return elf;
}
