/**
 * Whether Podman's OCI runtime can start a container on this host. crun
 * refuses a "hybrid" cgroup layout — cgroup v1 controllers beside a cgroup
 * v2 hierarchy (/sys/fs/cgroup/unified) that has controllers of its own —
 * with "cgroups in hybrid mode not supported"; apt installs crun or runc
 * for Podman depending on what came first. Said here, with what to change,
 * instead of a container that never starts.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import type { CheckItem } from '../protocol';

export interface CgroupLayout {
  /** 'v2': one unified hierarchy; 'hybrid': v1 controllers and a v2 mount beside them; 'v1': v1 only. */
  mode: 'v1' | 'v2' | 'hybrid';
  /** Controllers enabled on the v2 hierarchy (hybrid or v2). */
  v2Controllers: string[];
}

const read = (p: string) => {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
};

export function cgroupLayout(root = '/sys/fs/cgroup'): CgroupLayout {
  const unified = read(`${root}/cgroup.controllers`);
  if (unified !== undefined) return { mode: 'v2', v2Controllers: unified.split(/\s+/).filter(Boolean) };
  const hybrid = read(`${root}/unified/cgroup.controllers`);
  if (hybrid !== undefined) return { mode: 'hybrid', v2Controllers: hybrid.split(/\s+/).filter(Boolean) };
  return { mode: 'v1', v2Controllers: [] };
}

/** The check line for Podman's runtime: `runtime` as `podman info` names it, or why it could not be asked. */
export function podmanRuntimeItem(runtime: { name: string; path?: string } | { error: string }, cgroups: CgroupLayout, user: string): CheckItem {
  const name = `podman OCI runtime (${user})`;
  if ('error' in runtime) return { name, status: 'unknown', detail: `podman info failed: ${runtime.error}`, fix: 'run `podman info` to see why' };
  const where = runtime.path ? ` (${runtime.path})` : '';
  if (runtime.name === 'crun' && cgroups.mode === 'hybrid' && cgroups.v2Controllers.length) {
    return {
      name,
      status: 'fail',
      detail:
        `crun${where} cannot start containers on this host: cgroup v1 controllers beside a cgroup v2 hierarchy with controllers of its own ` +
        `(${cgroups.v2Controllers.join(', ')}); crun refuses this "hybrid mode", so every Podman container fails to start`,
      fix:
        'use runc: apt-get install runc, then set `runtime = "runc"` under `[engine]` in /etc/containers/containers.conf ' +
        '(or ~/.config/containers/containers.conf for rootless Podman); or boot with one cgroup hierarchy (systemd.unified_cgroup_hierarchy=1)',
    };
  }
  return { name, status: 'ok', detail: `${runtime.name}${where} on cgroup ${cgroups.mode}` };
}

/** Ask Podman (as this user) which OCI runtime it uses; bounded. */
export function podmanRuntime(podman: string, timeoutMs = 10_000): Promise<{ name: string; path?: string } | { error: string }> {
  return new Promise((resolve) => {
    execFile(podman, ['info', '--format', '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const [rtName, rtPath] = stdout.trim().split(/\s+/);
      if (err || !rtName) resolve({ error: (stderr.trim().split('\n').pop() || (err?.killed ? `no answer within ${timeoutMs / 1000} s` : err?.message)) ?? 'no output' });
      else resolve({ name: rtName, path: rtPath });
    });
  });
}

export async function podmanItems(podman = '/usr/bin/podman'): Promise<CheckItem[]> {
  if (!fs.existsSync(podman)) return [];
  const user = process.getuid?.() === 0 ? 'rootful' : 'rootless';
  return [podmanRuntimeItem(await podmanRuntime(podman), cgroupLayout(), user)];
}
