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
import { GUARD, LAUNCHER, verifyInstalled, type InstallState } from '../install';

export type ElevationMode = 'auto' | 'pkexec' | 'sudo' | 'none';
export const ELEVATION_MODES: readonly ElevationMode[] = ['auto', 'pkexec', 'sudo', 'none'];

export interface HelperPlan extends ElevatedPlan {
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

export interface ElevatedPlan {
  argv: string[];
  /** In words: which way and why the others were skipped. */
  how: string;
  /** sudo -S: the caller must supply the password, after sudoPrompt. */
  needsPassword: boolean;
  sudoPrompt?: string;
}

/**
 * The one elevation decision, for the helper and the installer alike:
 * already root → directly; `none` → directly as this user; pkexec where a
 * polkit agent can answer (or asked for); sudo -n where sudoers needs no
 * password; else sudo -S with a password the caller asks for.
 */
export function planElevated(argv: string[], mode: ElevationMode): ElevatedPlan {
  if (process.getuid?.() === 0) return { argv, how: 'directly: already root', needsPassword: false };
  if (mode === 'none') return { argv, how: `directly as uid ${process.getuid?.()} (elevation none): it needs the rights to load BPF programs`, needsPassword: false };
  const skipped: string[] = [];
  const why = () => (skipped.length ? ` (${skipped.join('; ')})` : '');
  if (mode === 'auto' || mode === 'pkexec') {
    const pkexec = onPath('pkexec');
    if (!pkexec) skipped.push('pkexec is not installed');
    else if (mode === 'auto' && !polkitAgentLikely()) skipped.push('pkexec: no desktop session, so no polkit agent to ask');
    else return { argv: [pkexec, ...argv], how: `with pkexec${why()}`, needsPassword: false };
  }
  if (mode === 'auto' || mode === 'sudo') {
    const sudo = onPath('sudo');
    if (!sudo) skipped.push('sudo is not installed');
    else if (spawnSync(sudo, ['-n', '-l', ...argv], { stdio: 'ignore', timeout: 5000 }).status === 0) {
      return { argv: [sudo, '-n', '--', ...argv], how: `with sudo -n (no password needed)${why()}`, needsPassword: false };
    } else {
      const prompt = sudoPrompt();
      return { argv: [sudo, '-S', '-p', prompt, '--', ...argv], how: `with sudo -S (the password is asked for)${why()}`, needsPassword: true, sudoPrompt: prompt };
    }
  }
  throw new ElevationError(`cannot run as root: ${skipped.join('; ')}. Install polkit (pkexec) or sudo, or run as root`);
}

/** An elevated plan for a terminal: sudo asks there itself (not on our stdin). */
export function onTerminal(plan: ElevatedPlan): ElevatedPlan {
  if (!plan.needsPassword) return plan;
  return { ...plan, argv: [onPath('sudo')!, '--', ...plan.argv.slice(plan.argv.indexOf('--') + 1)], needsPassword: false, sudoPrompt: undefined };
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
  const bare = [nodeBinary(), o.cliPath, 'helper'];
  // Elevated, node runs behind the guard (no relayed signal reaches it); the
  // installed launcher does that itself.
  const guard = path.join(path.dirname(o.cliPath), GUARD);
  const guarded = (() => {
    try {
      fs.accessSync(guard, fs.constants.X_OK);
      return [guard, ...bare];
    } catch {
      return undefined;
    }
  })();
  const program = installed ? [LAUNCHER] : guarded ?? bare;
  // No arguments: sudoers can allow exactly the launcher ("" = no arguments).
  const what = installed
    ? 'the installed helper'
    : `the helper from ${path.dirname(o.cliPath)} (not installed: run "container-trace install-helper" so that only root-owned files run as root` +
      (guarded ? ')' : `; ${guard} is missing, so signals sent to sudo reach node)`);
  const e = planElevated(program, o.mode);
  // Already root, or as this user: nothing to guard against.
  const direct = e.argv[0] === program[0];
  return { ...e, argv: direct && !installed ? [...bare] : e.argv, how: `${e.how}; ${what}`, installed, install };
}
