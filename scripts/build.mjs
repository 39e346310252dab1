#!/usr/bin/env node
// Builds everything: vmlinux.h from the running kernel's BTF, the BPF objects
// (clang, CO-RE) and their typed description (src/bpf/objects.ts), and the
// esbuild bundles (extension; helper/CLI).
// Flags: --bpf-only, --no-bpf, --watch is not offered (builds take seconds).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { objectsModule } from './bpf-objects.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const BTF = '/sys/kernel/btf/vmlinux';

function need(cmd, pkg) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
  } catch {
    console.error(`build: ${cmd} is missing; install it: apt-get install ${pkg}`);
    process.exit(1);
  }
}

function newer(target, sources) {
  if (!existsSync(target)) return true;
  const t = statSync(target).mtimeMs;
  return sources.some((s) => statSync(s).mtimeMs > t);
}

function buildBpf() {
  need('clang', 'clang');
  need('bpftool', 'bpftool');
  const build = join(root, 'build');
  const out = join(root, 'dist', 'bpf');
  mkdirSync(build, { recursive: true });
  mkdirSync(out, { recursive: true });
  const vmlinux = join(build, 'vmlinux.h');
  if (!existsSync(vmlinux)) {
    if (!existsSync(BTF)) {
      console.error(`build: ${BTF} is missing: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF=y is needed)`);
      process.exit(1);
    }
    const header = execFileSync('bpftool', ['btf', 'dump', 'file', BTF, 'format', 'c'], { maxBuffer: 1 << 30 });
    writeFileSync(vmlinux, header);
  }
  const bpfDir = join(root, 'bpf');
  const headers = readdirSync(bpfDir).filter((f) => f.endsWith('.h')).map((f) => join(bpfDir, f));
  for (const file of readdirSync(bpfDir).filter((f) => f.endsWith('.bpf.c'))) {
    const src = join(bpfDir, file);
    const obj = join(out, file.replace(/\.c$/, '.o'));
    if (!newer(obj, [src, vmlinux, ...headers])) continue;
    execFileSync(
      'clang',
      ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-Wall', '-Werror', `-I${build}`, `-I${bpfDir}`, '-c', src, '-o', obj],
      { stdio: 'inherit' },
    );
    // Strip DWARF, keep BTF/BTF.ext (CO-RE needs them): smaller objects to ship.
    execFileSync('llvm-strip', ['-g', obj]);
    console.log(`bpf: ${file} -> dist/bpf/${file.replace(/\.c$/, '.o')}`);
  }
  // Their typed description (programs, maps, knobs), as libbpf's skeletons give: rewritten when it changes.
  const described = join(root, 'src', 'bpf', 'objects.ts');
  const text = objectsModule(out);
  if (!existsSync(described) || readFileSync(described, 'utf8') !== text) {
    writeFileSync(described, text);
    console.log('bpf: dist/bpf/*.bpf.o -> src/bpf/objects.ts');
  }
}

// Parts of dockerode that Container Trace never uses (BuildKit sessions over
// gRPC, tar build contexts, ssh:// hosts) but that dockerode loads eagerly:
// about 150 ms of every start. They stay in the bundle and load on first use.
const LAZY = [/dockerode[\\/]lib[\\/]session\.js$/, /dockerode[\\/]lib[\\/]util\.js$/, /docker-modem[\\/]lib[\\/]ssh\.js$/];
const lazyModules = {
  name: 'lazy-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\/(session|util|ssh)$/ }, async (args) => {
      if (args.pluginData === 'lazy-real') return undefined;
      const real = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'lazy-real' });
      if (real.errors.length || !LAZY.some((re) => re.test(real.path))) return undefined;
      return { path: real.path, namespace: 'lazy', pluginData: args.resolveDir };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      resolveDir: args.pluginData,
      loader: 'js',
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy(function () {}, {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
  apply: (_, self, argv) => load().apply(self, argv),
  construct: (_, argv) => new (load())(...argv),
});`,
    }));
  },
};

async function buildBundles() {
  const common = {
    plugins: [lazyModules],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    define: { __CT_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version) },
    logLevel: 'warning',
    // koffi's native part is loaded from node_modules; ssh2's optional native
    // crypto helper (via dockerode) is never needed for a local socket.
    external: ['koffi', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
  };
  await esbuild.build({ ...common, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cli.js') });
  if (existsSync(join(root, 'src/extension.ts'))) {
    await esbuild.build({
      ...common,
      entryPoints: [join(root, 'src/extension.ts')],
      outfile: join(root, 'dist/extension.js'),
      external: [...common.external, 'vscode'],
    });
  }
  // The live view's script runs in the webview (a browser).
  await esbuild.build({
    entryPoints: [join(root, 'src/webview/live.ts')],
    outfile: join(root, 'media/dist/live.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  console.log('bundles: dist/cli.js, dist/extension.js, media/dist/live.js');
}

// The guard sudo and pkexec run in front of the root helper (src/install/guard.c):
// static, so the installed copy depends on no library outside the install.
function buildGuard() {
  need('cc', 'gcc');
  const src = join(root, 'src', 'install', 'guard.c');
  const out = join(root, 'dist', 'guard');
  mkdirSync(dirname(out), { recursive: true });
  if (!newer(out, [src])) return;
  execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-static', '-s', '-o', out, src], { stdio: 'inherit' });
  console.log('guard: src/install/guard.c -> dist/guard');
}

if (!args.has('--no-bpf')) buildBpf();
if (!args.has('--bpf-only')) buildGuard();
if (!args.has('--bpf-only')) await buildBundles();
