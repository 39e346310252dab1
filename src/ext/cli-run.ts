/**
 * The bundled CLI as a user can run it from a shell, wherever the extension
 * is installed: its own node and dist/cli.js by absolute paths (no
 * `container-trace` on PATH is assumed), a container by the shortest name
 * that names only it, `sudo` in front of traces when the user is not root.
 */
import { onPath } from '../client/elevation';
import { matchContainers, parseContainerRef } from '../runtime/match';
import type { ContainerInfo } from '../protocol/containers';
import { cliCommand, shellWord } from '../cli/command-line';
import type { TraceStartParams } from '../protocol';

/** The words that run the CLI at `cliPath` (dist/cli.js). */
export function cliProgram(cliPath: string): string[] {
  if (!process.versions.electron) return [process.execPath, cliPath];
  // Desktop VS Code: its executable is Electron, Node only with ELECTRON_RUN_AS_NODE.
  const node = onPath('node');
  return node ? [node, cliPath] : ['env', 'ELECTRON_RUN_AS_NODE=1', process.execPath, cliPath];
}

/** `node …/dist/cli.js ps web`: a CLI command line, runnable as is. */
export function cliLine(cliPath: string, args: string[]): string {
  return [...cliProgram(cliPath), ...args].map(shellWord).join(' ');
}

/** The `trace` command line of a trace: the CLI by its path, sudo when needed, the container by name. */
export function traceLine(cliPath: string, params: TraceStartParams, root = process.getuid?.() === 0): string {
  return cliCommand(params, { program: cliProgram(cliPath), sudo: !root });
}

export interface NamedContainer {
  id: string;
  name: string;
  runtime?: string;
  namespace?: string;
  pod?: string;
}

/**
 * The shortest reference the CLI resolves to exactly this container among
 * `all` (the containers listed now): its name, then with its runtime or pod
 * path, then its runtime and short id. The name alone when it is not listed.
 */
export function containerName(c: NamedContainer, all: ContainerInfo[]): string {
  const runtime = c.runtime ?? 'docker';
  const podPath = [c.namespace, c.pod, c.name].filter(Boolean).join('/');
  const candidates = [c.name, `${runtime}:${c.name}`, podPath, `${runtime}:${podPath}`, `${runtime}:${c.id.slice(0, 12)}`, `${runtime}:${c.id}`];
  if (!all.some((x) => x.id === c.id)) return c.name;
  for (const ref of candidates) {
    const found = matchContainers(all, parseContainerRef(ref));
    if (found.length === 1 && found[0].id === c.id) return ref;
  }
  return `${runtime}:${c.id}`;
}
