/**
 * Where each runtime's socket is found. The root side (the helper, a root
 * CLI) reads only these fixed paths; a client never names one to it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SOCKETS = {
  docker: '/var/run/docker.sock',
  podman: '/run/podman/podman.sock',
  containerd: '/run/containerd/containerd.sock',
  crio: '/run/crio/crio.sock',
} as const;

/** A user's rootless Podman API socket. */
export const rootlessPodmanSocket = (uid: number) => `/run/user/${uid}/podman/podman.sock`;

export function isSocket(p: string): boolean {
  try {
    return fs.statSync(p).isSocket();
  } catch (err) {
    // Exists but unreadable to us: still worth listing (the error says why).
    return (err as NodeJS.ErrnoException).code === 'EACCES';
  }
}

/** Whether `p` is a socket owned by `uid` with no symlink on its path (checked with lstat, each component). */
export function socketOwnedBy(p: string, uid: number): boolean {
  try {
    let at = '/';
    for (const part of p.split('/').filter(Boolean)) {
      at = path.join(at, part);
      if (fs.lstatSync(at).isSymbolicLink()) return false;
    }
    const st = fs.lstatSync(p);
    return st.isSocket() && st.uid === uid;
  } catch {
    return false;
  }
}

/** Users with a rootless Podman API socket under /run/user (root side). */
export function rootlessSocketUsers(): number[] {
  try {
    return fs
      .readdirSync('/run/user')
      .filter((d) => /^\d+$/.test(d) && Number(d) !== 0)
      .map(Number)
      .filter((uid) => socketOwnedBy(rootlessPodmanSocket(uid), uid));
  } catch {
    return [];
  }
}

/**
 * The user who started this elevated process (sudo, pkexec), whose own
 * rootless containers the helper may list; undefined when not elevated.
 */
export function callerUid(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const v of [env.PKEXEC_UID, env.SUDO_UID]) {
    if (v && /^\d{1,10}$/.test(v) && Number(v) !== 0) return Number(v);
  }
  return undefined;
}

/**
 * Whether root may trust the socket at `p`: it and every directory on its
 * real path are owned by root and not writable by group or others (a
 * socket's own mode may let a group connect, as Docker's does).
 */
export function rootOwnedSocket(p: string): { ok: true } | { ok: false; why: string } {
  let real: string;
  try {
    real = fs.realpathSync(p);
  } catch {
    return { ok: false, why: `no socket at ${p}` };
  }
  try {
    const st = fs.lstatSync(real);
    if (!st.isSocket() || st.uid !== 0) return { ok: false, why: `${real} is not a socket owned by root` };
    for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
      const d = fs.lstatSync(dir);
      if (!d.isDirectory() || d.uid !== 0 || (d.mode & 0o022) !== 0) return { ok: false, why: `${dir} is not a root-owned directory that only root can write` };
      if (dir === '/') break;
    }
    return { ok: true };
  } catch (err) {
    return { ok: false, why: `${real}: ${(err as Error).message}` };
  }
}
