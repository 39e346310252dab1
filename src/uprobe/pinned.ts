/**
 * Files inside a container, opened so that nothing can lead out of it: the
 * container's root pinned as a descriptor (/proc/<pid>/root, O_PATH), each
 * file opened beneath it with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * — absolute symlinks and ".." resolve against the container's root, never
 * the host's, and a swap between a check and the use changes nothing,
 * because the ELF is read from, and the uprobe attached through, the same
 * descriptor (/proc/self/fd/N).
 */
import * as fs from 'node:fs';

const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;

export class PinnedFileError extends Error {}

export interface PinnedFile {
  /** Path inside the container, as asked. */
  path: string;
  fd: number;
  /** What libbpf opens: the descriptor's own magic link. */
  procPath: string;
  close(): void;
}

/** Open `file` (absolute, inside the container of host process `hostPid`) read-only, confined to that container's root. */
export function openInContainer(hostPid: number, file: string): PinnedFile {
  let root: number;
  try {
    root = fs.openSync(`/proc/${hostPid}/root`, O_PATH | fs.constants.O_DIRECTORY | O_CLOEXEC);
  } catch (err) {
    throw new PinnedFileError(`cannot open the root of process ${hostPid}: ${(err as Error).message}`);
  }
  try {
    // Native code is loaded here, on the root side, never by the extension's imports.
    const { openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } = require('../bpf/native') as typeof import('../bpf/native');
    const fd = openat2(root, file, fs.constants.O_RDONLY | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0) {
      const why = -fd === 2 ? 'no such file' : -fd === 40 ? 'too many symbolic links' : -fd === 18 ? 'it leads out of the container' : `errno ${-fd}`;
      throw new PinnedFileError(`no file ${file} in the container (${why})`);
    }
    if (!fs.fstatSync(fd).isFile()) {
      fs.closeSync(fd);
      throw new PinnedFileError(`${file} in the container is not a regular file`);
    }
    let open = true;
    const close = () => {
      if (open) fs.closeSync(fd); // once: the number may be reused afterwards
      open = false;
    };
    return { path: file, fd, procPath: `/proc/self/fd/${fd}`, close };
  } finally {
    fs.closeSync(root);
  }
}

/**
 * Whether the pinned file may be shared with the host: it is not on the
 * container's own root filesystem (a bind mount, a volume), or the host has
 * the very same file (device and inode) at the same path.
 */
export function isHostFile(pinned: PinnedFile, hostPid: number): boolean {
  try {
    const mine = fs.fstatSync(pinned.fd);
    if (mine.dev !== fs.statSync(`/proc/${hostPid}/root`).dev) return true;
    const host = fs.statSync(pinned.path);
    return mine.dev === host.dev && mine.ino === host.ino;
  } catch {
    return false;
  }
}
