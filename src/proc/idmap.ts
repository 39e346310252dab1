/** A process's user namespace mapping (/proc/<pid>/uid_map, gid_map): how its ids look from the host. */
import * as fs from 'node:fs';
import type { IdMap, IdRange } from '../protocol';

/** Lines a map may have (the kernel's limit, 340); more are not read. */
const MAX_LINES = 340;

/** The ranges of one map file (lines that are not three ids are skipped). */
export function parseIdMap(text: string): IdRange[] {
  const out: IdRange[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/).map(Number);
    if (f.length !== 3 || !f.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff)) continue;
    out.push([f[0], f[1], f[2]]);
    if (out.length >= MAX_LINES) break;
  }
  return out;
}

/** The whole id space mapped onto itself: the host's own user namespace. */
function identity(r: IdRange[]): boolean {
  return r.length === 1 && r[0][0] === 0 && r[0][1] === 0 && r[0][2] === 0xffffffff;
}

/**
 * The mapping of `pid`'s user namespace, when it is not the host's (rootless
 * Podman, userns-remap); undefined for the host's, or when it cannot be
 * read. The files are readable by anyone who can see the process.
 */
export function readIdMap(pid: number | 'self', procRoot = '/proc'): IdMap | undefined {
  try {
    const uid = parseIdMap(fs.readFileSync(`${procRoot}/${pid}/uid_map`, 'utf8'));
    const gid = parseIdMap(fs.readFileSync(`${procRoot}/${pid}/gid_map`, 'utf8'));
    if (identity(uid) && identity(gid)) return undefined;
    return { uid, gid };
  } catch {
    return undefined;
  }
}
