/**
 * Files a profile's frames name, shared with the client so that it
 * symbolizes them itself (root reads bytes, users parse them). A file is
 * listed only when a traced process maps it: opened beneath that process's
 * pinned root (./../uprobe/pinned: O_PATH first, a regular file only, never
 * a FIFO or a device), the same inode as its maps line, at most
 * MAX_PROFILE_FILE_BYTES, readable by the caller; its build ID read bounded
 * from its program headers. The client then asks for its bytes by the
 * handle given here, never by a path. Descriptors are held (at most
 * MAX_FILES, the oldest closed first) so that a file stays readable after
 * its process exits; all are closed with the engine.
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ContainerRoot, PinnedFileError, type PinnedFile } from '../uprobe/pinned';
import { callerMayRead } from '../uprobe/target';
import { readElfLayout } from '../kinds/profile/elf';
import type { MapRange } from '../proc/maps';
import * as path from 'node:path';
import { paddedBuildId } from '../kinds/shared/stack';
import { MAX_PROFILE_CHUNK_BYTES, MAX_PROFILE_FILE_BYTES, type ProfileDebugParams, type ProfileDebugResult, type ProfileFileParams, type ProfileFileResult } from '../protocol';

/** Files held open at once (per engine). */
const MAX_FILES = 256;

export interface SharedFile {
  /** Handle for profile/file; absent when the bytes cannot be handed over. */
  fileId?: string;
  buildId?: string;
  /** Why there is no handle. */
  why?: string;
}

interface Held {
  pinned: PinnedFile;
  size: number;
  /** A file that grows while it is held (a perf map): its size is taken at each read. */
  grows?: boolean;
  /** A file a process maps: where its separate debug info may be looked for (profile/debug). */
  origin?: { hostPid: number; path: string; buildId?: string; rootDev: number; rootIno: number };
}

export class FileRegistry {
  /** By the mapped file's device and inode: what was decided about it. */
  private readonly byInode = new Map<string, SharedFile>();
  private readonly held = new Map<string, Held>();
  /** --stack: files shared before, by build ID as the kernel gives it in frames (padded), with the path they were mapped at. */
  private readonly byBuildId = new Map<string, { module: string; buildId: string; fileId?: string }>();

  /** The handle (and build ID) for the file a range of host process `hostPid` maps. */
  share(hostPid: number, range: MapRange): SharedFile {
    const key = `${range.dev}:${range.ino}`;
    const known = this.byInode.get(key);
    if (known) return known;
    const shared = this.open(hostPid, range);
    // A process gone is asked again next time (another process may map it); the rest is decided for good.
    if (shared.why !== 'gone') {
      if (this.byInode.size >= 4 * MAX_FILES) this.byInode.clear();
      this.byInode.set(key, shared);
    }
    if (shared.buildId) {
      if (this.byBuildId.size >= 4 * MAX_FILES) this.byBuildId.clear();
      const module = range.path.endsWith(' (deleted)') ? range.path.slice(0, -' (deleted)'.length) : range.path;
      this.byBuildId.set(paddedBuildId(shared.buildId), { module, buildId: shared.buildId, ...(shared.fileId && this.held.has(shared.fileId) ? { fileId: shared.fileId } : {}) });
    }
    return shared;
  }

  /** A file shared before with this build ID (padded, as a frame carries it), while its handle is held. */
  withBuildId(padded: string): { module: string; buildId: string; fileId?: string } | undefined {
    const f = this.byBuildId.get(padded);
    if (f?.fileId && !this.held.has(f.fileId)) {
      const { fileId: _gone, ...rest } = f;
      return rest;
    }
    return f;
  }

  private open(hostPid: number, range: MapRange): SharedFile {
    let root: ContainerRoot;
    try {
      root = new ContainerRoot(hostPid);
    } catch {
      return { why: 'gone' };
    }
    let pinned: PinnedFile | undefined;
    try {
      pinned = root.openFile(range.path);
      // The path now names the very file the process maps (overlay may report another device: the inode decides).
      if (pinned.stat.ino !== range.ino) return close(pinned, { why: 'the path names another file now' });
      let buildId: string | undefined;
      try {
        const fd = pinned.fd;
        buildId = readElfLayout((position, length) => readAt(fd, position, length), pinned.stat.size).buildId;
      } catch {
        /* not ELF, or malformed: no build ID */
      }
      const refused = refusal(pinned);
      if (refused) return close(pinned, { buildId, why: refused });
      const fileId = randomBytes(16).toString('hex');
      const rs = root.stat();
      this.hold(fileId, { pinned, size: pinned.stat.size, origin: { hostPid, path: range.path, buildId, rootDev: rs.dev, rootIno: rs.ino } });
      return { fileId, buildId };
    } catch (err) {
      pinned?.close();
      return { why: err instanceof PinnedFileError ? err.message : 'cannot be opened' };
    } finally {
      root.close();
    }
  }

  private hold(fileId: string, h: Held): void {
    if (this.held.size >= MAX_FILES) {
      const [oldest, o] = this.held.entries().next().value as [string, Held];
      o.pinned.close();
      this.held.delete(oldest);
      for (const [k, s] of this.byInode) if (s.fileId === oldest) this.byInode.delete(k);
    }
    this.held.set(fileId, h);
  }

  /** profile/file: bytes of a file handed out before, bounded. */
  read(p: ProfileFileParams): ProfileFileResult {
    const h = this.held.get(p.fileId);
    if (!h) throw new FileRegistryError(`no file ${p.fileId}: only files a profile named, while the helper holds them`);
    const size = h.grows ? Math.min(fs.fstatSync(h.pinned.fd).size, MAX_PROFILE_FILE_BYTES) : h.size;
    const length = Math.min(p.length, MAX_PROFILE_CHUNK_BYTES, Math.max(0, size - p.offset));
    return { data: readAt(h.pinned.fd, p.offset, length).toString('base64'), size };
  }

  /** Perf maps by host PID, with the path they were found at (a process's map is looked for again when it had none). */
  private readonly perfMaps = new Map<number, { fileId: string; path: string }>();

  /**
   * A process's perf map (JITs write /tmp/perf-<pid>.map: Node's
   * --perf-basic-prof, Python's -X perf, Java agents), named by its PID in its
   * container (`pid`, as the process itself sees it), beneath its root: a
   * handle for profile/file (read to its size at each read: it grows), or
   * undefined.
   */
  perfMap(hostPid: number, pid: number): string | undefined {
    const known = this.perfMaps.get(hostPid);
    if (known && this.held.has(known.fileId)) return known.fileId;
    let root: ContainerRoot;
    try {
      root = new ContainerRoot(hostPid);
    } catch {
      return undefined;
    }
    const file = `/tmp/perf-${pid}.map`;
    try {
      const pinned = root.openFile(file);
      if (refusal(pinned)) {
        pinned.close();
        return undefined;
      }
      const fileId = randomBytes(16).toString('hex');
      this.hold(fileId, { pinned, size: pinned.stat.size, grows: true });
      if (this.perfMaps.size >= MAX_FILES) this.perfMaps.clear();
      this.perfMaps.set(hostPid, { fileId, path: file });
      return fileId;
    } catch {
      return undefined; // none (or not a regular file: refused unopened)
    } finally {
      root.close();
    }
  }

  /**
   * profile/debug: the separate debug info of a file handed out before, from
   * beneath the same container's root (the process must still run there: its
   * root the same as when the file was shared), as a new handle. Each place is
   * opened as the file was (pinned, a regular file only, readable by the
   * caller, bounded); nothing is parsed here.
   */
  debug(p: ProfileDebugParams): ProfileDebugResult {
    const h = this.held.get(p.fileId);
    if (!h) throw new FileRegistryError(`no file ${p.fileId}: only files a profile named, while the helper holds them`);
    const o = h.origin;
    if (!o) return { why: 'not a file a process maps' };
    let root: ContainerRoot;
    try {
      root = new ContainerRoot(o.hostPid);
    } catch {
      return { why: 'the process that mapped it is gone' };
    }
    try {
      const rs = root.stat();
      if (rs.dev !== o.rootDev || rs.ino !== o.rootIno) return { why: 'the process that mapped it is gone' };
      const dir = path.posix.dirname(o.path);
      const places = [
        ...(o.buildId && o.buildId.length > 2 ? [`/usr/lib/debug/.build-id/${o.buildId.slice(0, 2)}/${o.buildId.slice(2)}.debug`] : []),
        ...(p.debuglink ? [path.posix.join(dir, p.debuglink), path.posix.join(dir, '.debug', p.debuglink), path.posix.join('/usr/lib/debug', dir, p.debuglink)] : []),
      ];
      const refused: string[] = [];
      for (const place of places) {
        let pinned: PinnedFile;
        try {
          pinned = root.openFile(place);
        } catch (err) {
          if (!/^no file /.test((err as Error).message)) refused.push((err as Error).message);
          continue;
        }
        if (pinned.stat.ino === h.pinned.stat.ino && pinned.stat.dev === h.pinned.stat.dev) {
          pinned.close(); // the file itself (a debuglink naming its own file)
          continue;
        }
        const why = refusal(pinned);
        if (why) {
          pinned.close();
          refused.push(`${place}: ${why}`);
          continue;
        }
        const fileId = randomBytes(16).toString('hex');
        this.hold(fileId, { pinned, size: pinned.stat.size });
        return { fileId, size: pinned.stat.size, path: place };
      }
      return { why: refused.length ? refused.join('; ') : `no separate debug info in the container (looked in ${places.join(', ') || 'no place: no build ID, no debuglink'})` };
    } finally {
      root.close();
    }
  }

  close(): void {
    this.perfMaps.clear();
    for (const h of this.held.values()) h.pinned.close();
    this.held.clear();
    this.byInode.clear();
    this.byBuildId.clear();
  }
}

export class FileRegistryError extends Error {}

/** Why a pinned file is not handed over (not readable by the caller, too large), or undefined. */
function refusal(pinned: PinnedFile): string | undefined {
  if (!callerMayRead(pinned.stat)) return 'not readable by you';
  if (pinned.stat.size > MAX_PROFILE_FILE_BYTES) return `larger than ${MAX_PROFILE_FILE_BYTES >> 20} MiB`;
  return undefined;
}

function close(pinned: PinnedFile, shared: SharedFile): SharedFile {
  pinned.close();
  return shared;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n <= 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}
