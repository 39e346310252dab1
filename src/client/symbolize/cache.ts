/**
 * The container files a profile needs, kept by build ID under the user's
 * cache directory ($CONTAINER_TRACE_CACHE_DIR, else $XDG_CACHE_HOME or
 * ~/.cache, then container-trace/files; root's own home when root), so a
 * file is fetched from the helper once. A file's bytes are checked against
 * the build ID they were asked by before they are kept under it; files
 * without one live in a directory of this run only, removed at close.
 * Directories are private (0700); files 0644 so that the symbolizer, which
 * never runs as root, reads them through the descriptors it is handed.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { bufferReader, readElfLayout } from '../../kinds/profile/elf';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CONTAINER_TRACE_CACHE_DIR) return env.CONTAINER_TRACE_CACHE_DIR;
  // Root writes into its own home, never into the invoking user's (sudo may keep HOME).
  const home = process.getuid?.() === 0 ? os.userInfo().homedir : os.homedir();
  const base = process.getuid?.() !== 0 && env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(home, '.cache');
  return path.join(base, 'container-trace', 'files');
}

const BUILD_ID = /^[0-9a-f]{2,128}$/;

export class FileCache {
  private runDir: string | undefined;

  constructor(readonly dir = defaultCacheDir()) {}

  /** The cached copy of the file with this build ID, or undefined. */
  lookup(buildId: string): string | undefined {
    if (!BUILD_ID.test(buildId)) return undefined;
    const p = path.join(this.dir, buildId);
    try {
      return fs.statSync(p).isFile() ? p : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Keep a file's bytes: under its build ID when they carry that very one
   * (checked), else for this run only. The path it is kept at.
   */
  put(bytes: Buffer, buildId: string | undefined, fileId: string): string {
    let actual: string | undefined;
    try {
      actual = readElfLayout(bufferReader(bytes), bytes.length).buildId;
    } catch {
      actual = undefined;
    }
    if (buildId && actual === buildId && BUILD_ID.test(buildId)) {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const p = path.join(this.dir, buildId);
      const tmp = `${p}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      fs.writeFileSync(tmp, bytes, { mode: 0o644 });
      fs.renameSync(tmp, p);
      return p;
    }
    this.runDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'container-trace-files-'));
    const p = path.join(this.runDir, fileId.replace(/[^0-9a-f]/g, ''));
    fs.writeFileSync(p, bytes, { mode: 0o644 });
    return p;
  }

  /** The kept separate debug info of the file with this build ID, or undefined. */
  lookupDebug(buildId: string): string | undefined {
    if (!BUILD_ID.test(buildId)) return undefined;
    const p = path.join(this.dir, 'debug', `${buildId}.debug`);
    try {
      return fs.statSync(p).isFile() ? p : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Keep the separate debug info of the file with build ID `buildId` when it
   * is that file's: it carries the same build ID, or (found by the file's
   * .gnu_debuglink) its CRC-32 is the one the link gives. The path it is kept
   * at, or why it is not.
   */
  putDebug(bytes: Buffer, buildId: string, crc: number | undefined): { path: string } | { why: string } {
    if (!BUILD_ID.test(buildId)) return { why: 'the file has no build ID to keep its debug info by' };
    let own: string | undefined;
    try {
      own = readElfLayout(bufferReader(bytes), bytes.length).buildId;
    } catch {
      return { why: 'it is not an ELF file' };
    }
    const sum = (zlib as { crc32?: (b: Buffer) => number }).crc32;
    const matches = own === buildId || (own === undefined && crc !== undefined && typeof sum === 'function' && sum(bytes) >>> 0 === crc >>> 0);
    if (!matches) return { why: own ? `it is another build's (build ID ${own})` : 'its CRC-32 is not the one the file\'s debuglink gives' };
    const dir = path.join(this.dir, 'debug');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const p = path.join(dir, `${buildId}.debug`);
    const tmp = `${p}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, bytes, { mode: 0o644 });
    fs.renameSync(tmp, p);
    return { path: p };
  }

  close(): void {
    if (this.runDir) fs.rmSync(this.runDir, { recursive: true, force: true });
    this.runDir = undefined;
  }
}
