/**
 * The installed helper: a root-owned copy of everything that runs as root
 * (a Node runtime, the bundle, koffi's native part, the BPF objects), a
 * SHA-256 manifest, a launcher, and a polkit action pinned to the launcher.
 * Nothing user-writable runs as root once it is installed.
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
const MANIFEST = 'manifest.json';
const CHECKSUMS = 'manifest.sha256';

export interface Manifest {
  version: string;
  files: Record<string, string>; // relative path → sha256 hex
}

export type InstallState =
  | { state: 'missing' }
  | { state: 'ok'; version: string }
  | { state: 'outdated'; version: string; wanted: string }
  | { state: 'tampered'; detail: string };

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function walk(dir: string, base = dir): string[] {
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

/**
 * The launcher sudoers and polkit allow: no arguments; every installed file
 * checked against the manifest before any runs (node and koffi's native part
 * included); node started with an empty environment and a fixed PATH (only
 * who called, from sudo or pkexec, passes), behind the guard (./guard.c):
 * no signal sudo relays from its user reaches node (SIGUSR1 would open its
 * inspector to every local user).
 */
export function launcherScript(dir: string, version: string): string {
  return `#!/bin/sh
# Container Trace helper (installed ${version}); started by pkexec or sudo. Takes no arguments.
[ "$#" -eq 0 ] || { echo "[helper error] container-trace-helper takes no arguments" >&2; exit 2; }
cd ${dir} || exit 3
/usr/bin/sha256sum --quiet --strict --check ${CHECKSUMS} >&2 || { echo "[helper error] the installed helper is tampered with; refusing to run. Reinstall it: container-trace install-helper" >&2; exit 3; }
exec /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CT_HASHES_CHECKED=1 \${SUDO_UID:+SUDO_UID=$SUDO_UID} \${PKEXEC_UID:+PKEXEC_UID=$PKEXEC_UID} ${dir}/${GUARD} ${dir}/node ${dir}/dist/cli.js helper
`;
}

export interface InstallSource {
  /** The package root: holds dist/cli.js, dist/bpf/, node_modules/koffi. */
  packageRoot: string;
  /** The Node runtime to copy. */
  node: string;
  version: string;
}

/** The package's guard; a package without one cannot be installed (it would start node bare under sudo). */
export function guardBinary(packageRoot: string): string {
  const file = path.join(packageRoot, 'dist', GUARD);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the package (npm run build) before installing the helper`);
  return file;
}

/** Install (as root): stage in a sibling directory, then swap it in. */
export function installHelper(src: InstallSource, dir = INSTALL_DIR): Manifest {
  if (process.getuid?.() !== 0) throw new Error('installing the helper needs root');
  const stage = `${dir}.new-${process.pid}`;
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true, mode: 0o755 });
  const copy = (from: string, to: string) => {
    fs.mkdirSync(path.dirname(path.join(stage, to)), { recursive: true, mode: 0o755 });
    fs.cpSync(from, path.join(stage, to), { recursive: true, dereference: true });
  };
  copy(src.node, 'node');
  copy(path.join(src.packageRoot, 'dist', 'cli.js'), 'dist/cli.js');
  copy(guardBinary(src.packageRoot), GUARD);
  copy(path.join(src.packageRoot, 'dist', 'bpf'), 'dist/bpf');
  for (const dep of ['koffi', '@koromix/koffi-linux-x64']) copy(path.join(src.packageRoot, 'node_modules', dep), path.join('node_modules', dep));
  fs.writeFileSync(path.join(stage, path.basename(LAUNCHER)), launcherScript(dir, src.version));
  const files: Record<string, string> = {};
  for (const rel of walk(stage)) {
    const p = path.join(stage, rel);
    fs.chownSync(p, 0, 0);
    fs.chmodSync(p, rel === 'node' || rel === GUARD || rel === path.basename(LAUNCHER) ? 0o755 : 0o644);
    files[rel] = sha256(p);
  }
  for (const d of [stage, ...walk(stage).map((f) => path.dirname(path.join(stage, f)))]) {
    fs.chownSync(d, 0, 0);
    fs.chmodSync(d, 0o755);
  }
  const manifest: Manifest = { version: src.version, files };
  fs.writeFileSync(path.join(stage, MANIFEST), JSON.stringify(manifest, null, 2), { mode: 0o644 });
  // The same hashes for sha256sum, which the launcher runs before any of these files.
  fs.writeFileSync(path.join(stage, CHECKSUMS), Object.entries(files).map(([rel, h]) => `${h}  ${rel}\n`).join(''), { mode: 0o644 });
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  const old = `${dir}.old-${process.pid}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(stage, dir);
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(path.dirname(POLKIT_POLICY))) fs.writeFileSync(POLKIT_POLICY, polkitPolicy(dir), { mode: 0o644 });
  return manifest;
}

export function uninstallHelper(dir = INSTALL_DIR): void {
  if (process.getuid?.() !== 0) throw new Error('removing the helper needs root');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(POLKIT_POLICY, { force: true });
}

/** A polkit action for the launcher only: admins authenticate once for a while (auth_admin_keep). */
export function polkitPolicy(dir = INSTALL_DIR): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1/policyconfig.dtd">
<policyconfig>
  <vendor>Container Trace</vendor>
  <action id="${POLKIT_ACTION}">
    <description>Trace processes in containers</description>
    <message>Container Trace needs to load eBPF programs into the kernel to trace processes in containers</message>
    <defaults>
      <allow_any>auth_admin_keep</allow_any>
      <allow_inactive>auth_admin_keep</allow_inactive>
      <allow_active>auth_admin_keep</allow_active>
    </defaults>
    <annotate key="org.freedesktop.policykit.exec.path">${path.join(dir, path.basename(LAUNCHER))}</annotate>
  </action>
</policyconfig>
`;
}
