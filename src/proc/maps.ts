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

/** One line of /proc/<pid>/maps: an address range and what backs it. */
export interface MapRange {
  start: number;
  end: number;
  /** Offset in the file of `start`. */
  offset: number;
  dev: number;
  ino: number;
  /** Path inside the process's container, `[vdso]`, `[heap]`, … or '' (anonymous). */
  path: string;
  exec: boolean;
}

/** Lines of /proc/<pid>/maps read at most (a process with more maps is read this far). */
const MAX_MAP_LINES = 65_536;

/** The address ranges of a process, sorted by start (user addresses fit in a double); undefined when it cannot be read (gone). */
export function mapRanges(hostPid: number): MapRange[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${hostPid}/maps`, 'utf8');
  } catch {
    return undefined;
  }
  return parseMapRanges(text);
}

export function parseMapRanges(text: string): MapRange[] {
  const out: MapRange[] = [];
  for (const line of text.split('\n', MAX_MAP_LINES)) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) ([0-9a-f]+):([0-9a-f]+) (\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      start: parseInt(m[1], 16),
      end: parseInt(m[2], 16),
      offset: parseInt(m[4], 16),
      dev: makedev(parseInt(m[5], 16), parseInt(m[6], 16)),
      ino: Number(m[7]),
      path: m[8],
      exec: m[3][2] === 'x',
    });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The range holding `address`, by binary search over sorted ranges. */
export function rangeOf(ranges: MapRange[], address: number): MapRange | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid];
    if (address < r.start) hi = mid - 1;
    else if (address >= r.end) lo = mid + 1;
    else return r;
  }
  return undefined;
}
