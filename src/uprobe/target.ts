/**
 * Where a uprobe goes: a path inside the container, or a library or program
 * name found in the process's own maps (so `libc` finds the container's
 * libc, not the host's), then in the usual directories — every directory
 * listed and every file opened through the container's one pinned root
 * (./pinned), never by a path resolved first and used afterwards — its
 * function looked up within bounds (./elf), read and attached through that
 * one descriptor. With one process (--pid, --tid), only a file that process
 * maps; close matches only from a file the caller could read.
 */
import type * as fs from 'node:fs';
import * as path from 'node:path';
import { ElfError, fdSource, findElfFunction } from './elf';
import { ContainerRoot, isHostFile, PinnedFileError, type PinnedFile } from './pinned';
import { mappedFileIds, mappedFiles } from '../proc/maps';
import { callerUid } from '../runtime/sockets';

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

const LIB_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/local/lib'];
const BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function matchesLibrary(file: string, name: string): boolean {
  const base = path.basename(file);
  const lib = name.startsWith('lib') ? name : `lib${name}`;
  return base === name || base.startsWith(`${name}.so`) || base.startsWith(`${lib}.so`) || base.startsWith(`${lib}-`);
}

/** The file `target` names, opened beneath `root` (the container of host process `hostPid`). */
export function findFile(root: ContainerRoot, hostPid: number, target: string): PinnedFile {
  // A path: opened as it is, confined to the container's root.
  if (target.includes('/')) {
    if (!target.startsWith('/')) throw new UprobeTargetError(`${target}: give an absolute path inside the container, or a library name such as libc`);
    return root.openFile(target);
  }
  const mapped = mappedFiles(hostPid);
  const inMaps = mapped.find((f) => matchesLibrary(f, target));
  if (inMaps) return root.openFile(inMaps);
  for (const dir of [...LIB_DIRS, ...BIN_DIRS]) {
    const hit = root.readDir(dir)?.find((e) => (BIN_DIRS.includes(dir) ? e === target : matchesLibrary(e, target)));
    if (hit) return root.openFile(path.posix.join(dir, hit));
  }
  const libs = mapped.filter((f) => /\.so/.test(f)).map((f) => path.basename(f));
  throw new UprobeTargetError(
    `no library or program "${target}" in the container` + (libs.length ? `; the process maps ${libs.slice(0, 8).join(', ')}` : '') + '; or give a path inside the container',
  );
}

/**
 * Whether the user who started the helper (sudo, pkexec) could read the
 * file: readable by others, or theirs and readable by its owner. Root itself,
 * or a helper that is not elevated, reads what it opened.
 */
export function callerMayRead(st: fs.Stats, uid = callerUid()): boolean {
  if (uid === undefined) return true;
  return (st.mode & 0o004) !== 0 || (st.uid === uid && (st.mode & 0o400) !== 0);
}

/** The file is one that host process `hostPid` maps (same device and inode), or an error that says what it maps. */
function mustBeMapped(root: ContainerRoot, hostPid: number, pinned: PinnedFile): void {
  const maps = mappedFileIds(hostPid);
  const { dev, ino } = pinned.stat;
  if (maps.some((m) => m.dev === dev && m.ino === ino)) return;
  // Kernels whose maps give an overlay file's real device: the mapped path, resolved beneath the same root, is this very file.
  const same = (st: fs.Stats | undefined) => st !== undefined && st.dev === dev && st.ino === ino;
  if (maps.some((m) => m.ino === ino && same(root.statFile(m.path)))) return;
  const files = [...new Set(maps.map((m) => m.path))];
  throw new UprobeTargetError(
    `${pinned.path} is not mapped by the traced process (host PID ${hostPid}): with one process (--pid, --tid), a uprobe goes only on a file it maps` +
      (files.length ? `; it maps ${files.slice(0, 8).join(', ')}${files.length > 8 ? ', …' : ''}` : ''),
  );
}

function symbolIn(pinned: PinnedFile, fn: string): { offset: number } {
  const readable = callerMayRead(pinned.stat);
  const elf = findElfFunction(fdSource(pinned.fd), fn, { shownAs: pinned.path, close: readable });
  if (!elf.symbol) {
    if (!elf.hasSymtab && !elf.hasDynsym) {
      throw new UprobeTargetError(`${pinned.path} is stripped (no symbol table): uprobes need symbols; use a build with symbols`);
    }
    throw new UprobeTargetError(
      `no function "${fn}" in ${pinned.path}` +
        (!readable ? ' (its symbols are not listed: you cannot read that file)' : elf.close.length ? `; close matches: ${elf.close.join(', ')}` : '') +
        (!elf.hasSymtab ? ' (only its dynamic symbols are there: the binary is stripped of local symbols)' : ''),
    );
  }
  if (elf.offset === undefined) throw new UprobeTargetError(`${fn} in ${pinned.path} is not in a loaded segment`);
  return { offset: Number(elf.offset) };
}

/**
 * The uprobe's file and function, through the traced process's own root and
 * maps (`hostPid`); refused host-wide on a file that is also the host's, and
 * with one process (`onePid`) on a file that process does not map.
 */
export function uprobeTarget(hostPid: number, target: string, fn: string, onePid: boolean): UprobeTarget {
  let root: ContainerRoot | undefined;
  let pinned: PinnedFile | undefined;
  try {
    root = new ContainerRoot(hostPid);
    pinned = findFile(root, hostPid, target);
    if (onePid) mustBeMapped(root, hostPid, pinned);
    const hostFile = isHostFile(pinned, root.stat().dev);
    if (hostFile && !onePid) {
      throw new UprobeTargetError(
        `${pinned.path} in the container is not the container's own file (mounted from the host, or the host's very file): a probe on it without a process would fire in every host process using it; trace one process (--pid)`,
      );
    }
    const { offset } = symbolIn(pinned, fn);
    return { path: pinned.path, hostPath: pinned.procPath, function: fn, offset, pinned, hostFile };
  } catch (err) {
    pinned?.close();
    if (err instanceof PinnedFileError) throw new UprobeTargetError(err.message);
    if (err instanceof UprobeTargetError || err instanceof ElfError) throw err;
    throw new UprobeTargetError(`${target}: ${(err as Error).message}`);
  } finally {
    root?.close();
  }
}
