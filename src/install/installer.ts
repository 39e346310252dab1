/**
 * The installer, run as root (`container-trace install`): the helper's
 * files copied root-owned into INSTALL_DIR with their manifest, the
 * launcher sudo and pkexec start, and the polkit action pinned to it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECKSUMS, GUARD, INSTALL_DIR, LAUNCHER, MANIFEST, POLKIT_ACTION, POLKIT_POLICY, sha256, walk, type Manifest } from './index';

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
