/**
 * How to start the helper as root, in order: already root → directly;
 * pkexec where a polkit agent can answer; sudo -n where no password is
 * needed; sudo -S with a password the caller asks for. Each skipped way is
 * said, and each failure has a fix.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LAUNCHER, verifyInstalled, type InstallState } from './install';

export type ElevationMode = 'auto' | 'pkexec' | 'sudo' | 'none';
export const ELEVATION_MODES: readonly ElevationMode[] = ['auto', 'pkexec', 'sudo', 'none'];

export interface HelperPlan {
  argv: string[];
  /** In words, for the log: which way and why the others were skipped. */
  how: string;
  /** sudo -S: the caller must supply the password. */
  needsPassword: boolean;
  /** sudo -S: the prompt sudo prints on stderr when (and only when) it reads the password. */
  sudoPrompt?: string;
  /** The installed, verified helper is used (else the user's own files run as root). */
  installed: boolean;
  install: InstallState;
}

export class ElevationError extends Error {}

export function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH || '/usr/local/bin:/usr/bin:/bin').split(':').concat(['/usr/bin', '/usr/sbin', '/bin'])) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** A Node binary for an uninstalled helper: ours when plain Node, else one on PATH. */
export function nodeBinary(): string {
  if (!process.versions.electron) return process.execPath;
  const node = onPath('node');
  if (!node) throw new ElevationError('no Node.js runtime found for the helper: install node, or install the helper (container-trace install-helper)');
  return node;
}

/** Whether a polkit authentication agent could answer (a desktop session). */
function polkitAgentLikely(): boolean {
  return !!(process.env.DISPLAY || process.env.WAYLAND_DISPLAY || process.env.XDG_SESSION_TYPE === 'x11' || process.env.XDG_SESSION_TYPE === 'wayland');
}

export interface PlanOptions {
  mode: ElevationMode;
  /** dist/cli.js of this package (used when the helper is not installed). */
  cliPath: string;
  version: string;
  /** Not the installed helper even when present (development). */
  ignoreInstalled?: boolean;
}

/** Any command as root (the installer): root directly, pkexec, sudo -n, else sudo -S. */
export function planElevated(argv: string[], mode: ElevationMode): { argv: string[]; needsPassword: boolean; how: string; sudoPrompt?: string } {
  if (process.getuid?.() === 0) return { argv, needsPassword: false, how: 'directly (already root)' };
  const pkexec = onPath('pkexec');
  const sudo = onPath('sudo');
  if (pkexec && (mode === 'pkexec' || (mode === 'auto' && polkitAgentLikely()))) return { argv: [pkexec, ...argv], needsPassword: false, how: 'with pkexec' };
  if (sudo && mode !== 'pkexec' && mode !== 'none') {
    if (spawnSync(sudo, ['-n', '-l', ...argv], { stdio: 'ignore', timeout: 5000 }).status === 0) return { argv: [sudo, '-n', '--', ...argv], needsPassword: false, how: 'with sudo -n' };
    const prompt = sudoPrompt();
    return { argv: [sudo, '-S', '-p', prompt, '--', ...argv], needsPassword: true, how: 'with sudo -S', sudoPrompt: prompt };
  }
  throw new ElevationError('this needs root, and neither pkexec (with a polkit agent) nor sudo can provide it here: run it as root');
}

/** A prompt no other output contains (no % escapes: sudo would expand them). */
function sudoPrompt(): string {
  return `[container-trace ${randomBytes(8).toString('hex')}] password:`;
}

export function planHelper(o: PlanOptions): HelperPlan {
  const install = o.ignoreInstalled ? ({ state: 'missing' } as InstallState) : verifyInstalled(o.version);
  if (install.state === 'tampered') {
    throw new ElevationError(`the installed helper is tampered with (${install.detail}); it will not run: reinstall it (container-trace install-helper)`);
  }
  const installed = install.state === 'ok';
  const program = installed ? [LAUNCHER] : [nodeBinary(), o.cliPath, 'helper'];
  // No arguments: sudoers can allow exactly the launcher ("" = no arguments).
  const argv = [...program];
  const plan = (a: string[], how: string, needsPassword = false): HelperPlan => ({ argv: a, how, needsPassword, installed, install });
  const what = installed ? 'the installed helper' : `the helper from ${path.dirname(o.cliPath)} (not installed: run "container-trace install-helper" so that only root-owned files run as root)`;

  if (process.getuid?.() === 0) return plan(argv, `directly: already root; ${what}`);
  if (o.mode === 'none') return plan(argv, `directly as uid ${process.getuid?.()} (elevation none): it needs the rights to load BPF programs`);
  const skipped: string[] = [];
  if (o.mode === 'auto' || o.mode === 'pkexec') {
    const pkexec = onPath('pkexec');
    if (!pkexec) skipped.push('pkexec is not installed');
    else if (o.mode === 'auto' && !polkitAgentLikely()) skipped.push('pkexec: no desktop session, so no polkit agent to ask');
    else return plan([pkexec, ...argv], `with pkexec${skipped.length ? ` (${skipped.join('; ')})` : ''}; ${what}`);
  }
  if (o.mode === 'auto' || o.mode === 'sudo') {
    const sudo = onPath('sudo');
    if (!sudo) {
      skipped.push('sudo is not installed');
    } else if (spawnSync(sudo, ['-n', '-l', ...argv], { stdio: 'ignore', timeout: 5000 }).status === 0) {
      return plan([sudo, '-n', '--', ...argv], `with sudo -n (no password needed)${skipped.length ? ` (${skipped.join('; ')})` : ''}; ${what}`);
    } else {
      const prompt = sudoPrompt();
      return {
        ...plan([sudo, '-S', '-p', prompt, '--', ...argv], `with sudo -S (the password is asked for)${skipped.length ? ` (${skipped.join('; ')})` : ''}; ${what}`, true),
        sudoPrompt: prompt,
      };
    }
  }
  throw new ElevationError(`cannot start the helper as root: ${skipped.join('; ')}. Install polkit (pkexec) or sudo, or run as root`);
}
