/**
 * Unit tests that read the compiled BPF objects (their BTF) or package them.
 * The unit suite does not build them (that needs clang and the kernel's
 * BTF): these tests skip with the reason when the objects are missing or
 * older than their sources, and fail under CI, where `npm test` builds them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BPF_DIR, REPO } from './paths';

const SOURCES = path.join(REPO, 'bpf');

function underCi(reason: string | undefined): string | undefined {
  if (reason && process.env.CI) throw new Error(`unit test prerequisites missing under CI: ${reason}`);
  return reason;
}

/** Why `objects` (file names under dist/bpf/; every object when none are named) cannot be read as built from today's sources, or undefined. */
export function bpfObjectsSkip(...objects: string[]): string | undefined {
  const names = objects.length ? objects : fs.readdirSync(SOURCES).filter((f) => f.endsWith('.bpf.c')).map((f) => f.replace(/\.c$/, '.o'));
  const headers = fs.readdirSync(SOURCES).filter((f) => f.endsWith('.h')).map((f) => path.join(SOURCES, f));
  const build = 'build them: npm run build:bpf (needs clang, bpftool and the kernel\'s BTF)';
  const missing = names.filter((o) => !fs.existsSync(path.join(BPF_DIR, o)));
  if (missing.length) return underCi(`the BPF objects are not built (dist/bpf/${missing.join(', ')} missing): ${build}`);
  const stale = names.filter((o) => {
    const built = fs.statSync(path.join(BPF_DIR, o)).mtimeMs;
    return [path.join(SOURCES, o.replace(/\.o$/, '.c')), ...headers].some((s) => fs.existsSync(s) && fs.statSync(s).mtimeMs > built);
  });
  if (stale.length) return underCi(`the BPF objects are older than their sources (dist/bpf/${stale.join(', ')}): ${build}`);
  return undefined;
}

/** Why the BPF objects cannot be built here (what packaging builds), or undefined. */
export function bpfToolchainSkip(): string | undefined {
  const missing = ['clang', 'bpftool', 'llvm-strip'].filter((cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length) return underCi(`building the BPF objects needs ${missing.join(', ')} (apt-get install clang llvm bpftool)`);
  if (!fs.existsSync(path.join(REPO, 'build', 'vmlinux.h')) && !fs.existsSync('/sys/kernel/btf/vmlinux')) return underCi('building the BPF objects needs the kernel\'s BTF (/sys/kernel/btf/vmlinux)');
  return undefined;
}
