/** What a process maps, from /proc/<pid>/maps (the uprobe picker and the target resolver share it). */
import * as fs from 'node:fs';

export interface MappedFile {
  /** Path inside the process's container. */
  path: string;
  /** Device (as fs.Stats gives it) and inode of the mapped file. */
  dev: number;
  ino: number;
}

/** Library or program files a process maps, with their device and inode (paths inside its container). */
export function mappedFileIds(hostPid: number): MappedFile[] {
  try {
    const files = new Map<string, MappedFile>();
    for (const line of fs.readFileSync(`/proc/${hostPid}/maps`, 'utf8').split('\n')) {
      const fields = line.split(/\s+/);
      const p = fields.slice(5).join(' ');
      if (!p.startsWith('/') || p.endsWith(' (deleted)')) continue;
      const [major, minor] = (fields[3] ?? '').split(':').map((h) => parseInt(h, 16));
      const id = { path: p, dev: makedev(major, minor), ino: Number(fields[4]) };
      files.set(`${p}\0${id.dev}\0${id.ino}`, id);
    }
    return [...files.values()];
  } catch {
    return [];
  }
}

/** Library or program files a process maps (paths inside its container). */
export function mappedFiles(hostPid: number): string[] {
  return [...new Set(mappedFileIds(hostPid).map((f) => f.path))];
}

/** glibc's makedev: the st_dev number of major:minor. */
function makedev(major: number, minor: number): number {
  return (major & 0xfff) * 256 + (minor & 0xff) + (minor & ~0xff) * 4096 + Math.floor(major / 4096) * 2 ** 32 * 4096;
}
