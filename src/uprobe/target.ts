/**
 * Where a uprobe goes: a path inside the container or a library name,
 * found through /proc/<host-pid>/root and the process's own maps (so `libc`
 * finds the container's libc, not the host's), then opened confined to the
 * container's root (./pinned) and read and attached through that descriptor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeMatches, readElfFunctions } from './elf';
import { isHostFile, openInContainer, type PinnedFile } from './pinned';
import { mappedFiles } from '../proc/maps';

export class UprobeTargetError extends Error {}

export interface UprobeTarget {
  /** Path as seen inside the container. */
  path: string;
  /** The same file as the helper reaches it: its pinned descriptor, /proc/self/fd/N (open until attached). */
  hostPath: string;
  function: string;
  /** File offset of the function. */
  offset: number;
  /** The open file; close it once attached. */
  pinned: PinnedFile;
  /** The container's file is the host's own (same inode): without a PID the probe would fire host-wide. */
  hostFile: boolean;
}

const MAX_LINKS = 40;

/** Resolve `p` (absolute, inside the container) to a real path inside it. */
export function resolveInContainer(root: string, p: string): string {
  if (!p.startsWith('/')) throw new UprobeTargetError(`${p}: give an absolute path inside the container, or a library name such as libc`);
  let parts = p.split('/').filter(Boolean);
  const done: string[] = [];
  for (let hops = 0; parts.length; ) {
    const part = parts.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop(); // never above the container's root
      continue;
    }
    const here = path.join(root, ...done, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(here);
    } catch {
      throw new UprobeTargetError(`no file ${p} in the container`);
    }
    if (st.isSymbolicLink()) {
      if (++hops > MAX_LINKS) throw new UprobeTargetError(`${p}: too many symbolic links`);
      const link = fs.readlinkSync(here);
      if (link.startsWith('/')) done.length = 0;
      parts = [...link.split('/').filter(Boolean), ...parts];
      continue;
    }
    done.push(part);
  }
  return '/' + done.join('/');
}

const LIB_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/local/lib'];
const BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function matchesLibrary(file: string, name: string): boolean {
  const base = path.basename(file);
  const lib = name.startsWith('lib') ? name : `lib${name}`;
  return base === name || base.startsWith(`${name}.so`) || base.startsWith(`${lib}.so`) || base.startsWith(`${lib}-`);
}

/** The file a target names, as a path inside the container. */
function findFile(root: string, hostPid: number, target: string): string {
  // A path: opened as it is, confined to the container's root (./pinned).
  if (target.includes('/')) {
    if (!target.startsWith('/')) throw new UprobeTargetError(`${target}: give an absolute path inside the container, or a library name such as libc`);
    return target;
  }
  const mapped = mappedFiles(hostPid);
  const inMaps = mapped.find((f) => matchesLibrary(f, target));
  if (inMaps) return inMaps;
  for (const dir of [...LIB_DIRS, ...BIN_DIRS]) {
    let entries: string[];
    try {
      entries = fs.readdirSync(path.join(root, resolveInContainer(root, dir)));
    } catch {
      continue;
    }
    const hit = entries.find((e) => (BIN_DIRS.includes(dir) ? e === target : matchesLibrary(e, target)));
    if (hit) return resolveInContainer(root, path.join(dir, hit));
  }
  const libs = mapped.filter((f) => /\.so/.test(f)).map((f) => path.basename(f));
  throw new UprobeTargetError(
    `no library or program "${target}" in the container` + (libs.length ? `; the process maps ${libs.slice(0, 8).join(', ')}` : '') + '; or give a path inside the container',
  );
}

export function resolveUprobeTarget(hostPid: number, target: string, fn: string): UprobeTarget {
  const root = `/proc/${hostPid}/root`;
  const inContainer = findFile(root, hostPid, target);
  // Found by name; opened confined to the container's root, then read and
  // attached through that one descriptor.
  let pinned: PinnedFile;
  try {
    pinned = openInContainer(hostPid, inContainer);
  } catch (err) {
    throw new UprobeTargetError((err as Error).message);
  }
  try {
    return { ...symbolIn(pinned, inContainer, fn), pinned, hostFile: isHostFile(pinned, hostPid) };
  } catch (err) {
    pinned.close();
    throw err;
  }
}

function symbolIn(pinned: PinnedFile, inContainer: string, fn: string): { path: string; hostPath: string; function: string; offset: number } {
  const hostPath = pinned.procPath;
  const elf = readElfFunctions(hostPath, inContainer);
  const sym = elf.functions.get(fn);
  if (!sym) {
    if (!elf.hasSymtab && !elf.hasDynsym) {
      throw new UprobeTargetError(`${inContainer} is stripped (no symbol table): uprobes need symbols; use a build with symbols`);
    }
    const close = closeMatches(fn, elf.functions.keys());
    throw new UprobeTargetError(
      `no function "${fn}" in ${inContainer}` +
        (close.length ? `; close matches: ${close.join(', ')}` : '') +
        (!elf.hasSymtab ? ' (only its dynamic symbols are there: the binary is stripped of local symbols)' : ''),
    );
  }
  const offset = elf.fileOffset(sym.address);
  if (offset === undefined) throw new UprobeTargetError(`${fn} in ${inContainer} is not in a loaded segment`);
  return { path: inContainer, hostPath, function: fn, offset: Number(offset) };
}

/** The uprobe's file and function; refused host-wide on a file that is also the host's. */
export function uprobeTarget(hostPid: number, target: string, fn: string, onePid: boolean): UprobeTarget {
  const t = resolveUprobeTarget(hostPid, target, fn);
  if (t.hostFile && !onePid) {
    t.pinned.close();
    throw new UprobeTargetError(
      `${t.path} in the container is not the container's own file (mounted from the host, or the host's very file): a probe on it without a process would fire in every host process using it; trace one process (--pid)`,
    );
  }
  return t;
}
