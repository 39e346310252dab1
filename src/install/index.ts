/**
 * The installed helper: a root-owned copy of everything that runs as root
 * (a Node runtime, the bundle, koffi's native part, the BPF objects), a
 * SHA-256 manifest, a launcher, and a polkit action pinned to the launcher.
 * Nothing user-writable runs as root once it is installed. Here: where it
 * is and whether it is intact (what clients and the helper read); the
 * installer, run as root, is ./installer.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const INSTALL_DIR = '/usr/local/lib/container-trace/helper';
export const LAUNCHER = path.join(INSTALL_DIR, 'container-trace-helper');
export const POLKIT_ACTION = 'io.containertrace.helper';
export const POLKIT_POLICY = `/usr/share/polkit-1/actions/${POLKIT_ACTION}.policy`;
/** The guard in front of node (src/install/guard.c, built into dist/). */
export const GUARD = 'guard';
export const MANIFEST = 'manifest.json';
export const CHECKSUMS = 'manifest.sha256';

export interface Manifest {
  version: string;
  files: Record<string, string>; // relative path → sha256 hex
}

export type InstallState =
  | { state: 'missing' }
  | { state: 'ok'; version: string }
  | { state: 'outdated'; version: string; wanted: string }
  | { state: 'tampered'; detail: string };

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Every file under `dir`, relative to it. */
export function walk(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p, base) : d.isFile() ? [path.relative(base, p)] : [];
  });
}

/** Check the installed copy: present, this version, every file as the manifest says, root-owned. */
export function verifyInstalled(wanted: string, dir = INSTALL_DIR, opts: { hashes?: boolean } = {}): InstallState {
  const hashes = opts.hashes ?? true;
  const manifestFile = path.join(dir, MANIFEST);
  if (!fs.existsSync(manifestFile)) return { state: 'missing' };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
  } catch {
    return { state: 'tampered', detail: `${manifestFile} is not readable JSON` };
  }
  const dirs = safeDirectories(dir, Object.keys(manifest.files));
  if (dirs) return { state: 'tampered', detail: dirs };
  for (const [rel, hash] of Object.entries(manifest.files)) {
    const file = path.join(dir, rel);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(file);
    } catch {
      return { state: 'tampered', detail: `${rel} is missing` };
    }
    if (!st.isFile() || st.uid !== 0 || (st.mode & 0o022) !== 0) return { state: 'tampered', detail: `${rel} is not a root-owned file writable only by root` };
    if (hashes && sha256(file) !== hash) return { state: 'tampered', detail: `${rel} does not match its SHA-256 in the manifest` };
  }
  const extra = walk(dir).filter((f) => f !== MANIFEST && f !== CHECKSUMS && !(f in manifest.files));
  if (extra.length) return { state: 'tampered', detail: `unexpected files: ${extra.slice(0, 3).join(', ')}` };
  if (manifest.version !== wanted) return { state: 'outdated', version: manifest.version, wanted };
  return { state: 'ok', version: manifest.version };
}

/**
 * Every directory from / down to each installed file: a real directory (no
 * symlink), owned by root, writable by root only. A message when one is not.
 */
function safeDirectories(dir: string, files: string[]): string | undefined {
  const seen = new Set<string>();
  for (const rel of [...files, '.']) {
    for (let d = path.dirname(path.join(dir, rel)); !seen.has(d); d = path.dirname(d)) {
      seen.add(d);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(d);
      } catch {
        return `${d} is missing`;
      }
      if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) return `${d} is not a root-owned directory writable only by root`;
      if (d === '/') break;
    }
  }
  return undefined;
}
