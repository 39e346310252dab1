/**
 * Files inside a container, opened so that nothing can lead out of it and
 * nothing can block: the container's root pinned as a descriptor
 * (/proc/<pid>/root, O_PATH), each file opened beneath it with
 * openat2(O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) — absolute
 * symlinks and ".." resolve against the container's root, never the host's;
 * an O_PATH open neither blocks (a FIFO) nor opens a device — then its type
 * is checked, and only a regular file is reopened for reading through that
 * descriptor (/proc/self/fd/N, O_NONBLOCK) and checked to be the same inode.
 * A swap between a check and the use changes nothing, because the ELF is read
 * from, and the uprobe attached through, the same descriptor.
 */
import * as fs from 'node:fs';

const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;
const O_DIRECTORY = 0o200000;
/** Entries read from one directory of the container at most. */
const MAX_DIR_ENTRIES = 20_000;

export class PinnedFileError extends Error {}

export interface PinnedFile {
  /** Path inside the container, as asked. */
  path: string;
  /** Open for reading (a regular file, never a FIFO or a device). */
  fd: number;
  /** The file's own status, from the descriptor. */
  stat: fs.Stats;
  /** What libbpf opens: the descriptor's own magic link. */
  procPath: string;
  close(): void;
}

/** What a file that is not regular is, for the error. */
function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function why(errno: number): string {
  return errno === 2 ? 'no such file' : errno === 40 ? 'too many symbolic links' : errno === 18 ? 'it leads out of the container' : errno === 20 ? 'a part of the path is not a directory' : `errno ${errno}`;
}

/** The root of one process's container, pinned for one request: every lookup and open goes through it. */
export class ContainerRoot {
  private readonly fd: number;
  private open = true;

  constructor(readonly hostPid: number) {
    try {
      this.fd = fs.openSync(`/proc/${hostPid}/root`, O_PATH | O_DIRECTORY | O_CLOEXEC);
    } catch (err) {
      throw new PinnedFileError(`cannot open the root of process ${hostPid}: ${(err as Error).message}`);
    }
  }

  /** The root's own status (its device tells the container's root filesystem). */
  stat(): fs.Stats {
    return fs.fstatSync(this.fd);
  }

  /** An O_PATH descriptor of `file` beneath the root, or a negative errno. Never blocks, never opens a device. */
  private pathFd(file: string, flags = 0): number {
    // Native code is loaded here, on the root side, never by the extension's imports.
    const { openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } = require('../proc/openat2') as typeof import('../proc/openat2');
    return openat2(this.fd, file, O_PATH | O_CLOEXEC | flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  }

  /** Open `file` (absolute, inside the container) for reading: a regular file only. */
  openFile(file: string): PinnedFile {
    const p = this.pathFd(file);
    if (p < 0) throw new PinnedFileError(`no file ${file} in the container (${why(-p)})`);
    let fd = -1;
    try {
      const st = fs.fstatSync(p);
      if (!st.isFile()) throw new PinnedFileError(`${file} in the container is ${kindOf(st)}, not a regular file: refused`);
      // Reopened through the pinned descriptor: the same inode, whatever the path is now.
      fd = fs.openSync(`/proc/self/fd/${p}`, fs.constants.O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      const now = fs.fstatSync(fd);
      if (!now.isFile() || now.dev !== st.dev || now.ino !== st.ino) throw new PinnedFileError(`${file} in the container changed while it was opened: refused`);
      let open = true;
      const close = () => {
        if (open) fs.closeSync(fd); // once: the number may be reused afterwards
        open = false;
      };
      return { path: file, fd, stat: now, procPath: `/proc/self/fd/${fd}`, close };
    } catch (err) {
      if (fd >= 0) fs.closeSync(fd);
      if (err instanceof PinnedFileError) throw err;
      throw new PinnedFileError(`cannot open ${file} in the container: ${(err as Error).message}`);
    } finally {
      fs.closeSync(p);
    }
  }

  /** The status of `file` beneath the root (following links inside it), or undefined. Opens nothing for reading. */
  statFile(file: string): fs.Stats | undefined {
    const p = this.pathFd(file);
    if (p < 0) return undefined;
    try {
      return fs.fstatSync(p);
    } finally {
      fs.closeSync(p);
    }
  }

  /** The names in directory `dir` beneath the root (at most MAX_DIR_ENTRIES), or undefined when it is none. */
  readDir(dir: string): string[] | undefined {
    const p = this.pathFd(dir, O_DIRECTORY);
    if (p < 0) return undefined;
    try {
      const d = fs.opendirSync(`/proc/self/fd/${p}`);
      try {
        const names: string[] = [];
        for (let e = d.readSync(); e && names.length < MAX_DIR_ENTRIES; e = d.readSync()) names.push(e.name);
        return names;
      } finally {
        d.closeSync();
      }
    } catch {
      return undefined;
    } finally {
      fs.closeSync(p);
    }
  }

  close(): void {
    if (this.open) fs.closeSync(this.fd);
    this.open = false;
  }
}

/** Open `file` (absolute, inside the container of host process `hostPid`) read-only, confined to that container's root. */
export function openInContainer(hostPid: number, file: string): PinnedFile {
  const root = new ContainerRoot(hostPid);
  try {
    return root.openFile(file);
  } finally {
    root.close();
  }
}

/**
 * Whether the pinned file may be shared with the host: it is not on the
 * container's own root filesystem (a bind mount, a volume), or the host has
 * the very same file (device and inode) at the same path.
 */
export function isHostFile(pinned: PinnedFile, rootDev: number): boolean {
  try {
    if (pinned.stat.dev !== rootDev) return true;
    const host = fs.statSync(pinned.path);
    return pinned.stat.dev === host.dev && pinned.stat.ino === host.ino;
  } catch {
    return false;
  }
}
