/** The one reader of a process's namespaces: /proc/<pid>/ns/<kind> links, whose inode identifies a namespace. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseNsLink } from './status';

export type NamespaceKind = 'pid' | 'net' | 'mnt' | 'user' | 'uts' | 'ipc' | 'cgroup';

/** The inode of `pid`'s namespace of `kind`: 'denied' when the reader may not look, undefined once the process is gone. */
export function namespaceOf(pid: number | 'self', kind: NamespaceKind = 'pid', procRoot = '/proc'): number | 'denied' | undefined {
  try {
    return parseNsLink(fs.readlinkSync(path.join(procRoot, String(pid), 'ns', kind)));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'denied' : undefined;
  }
}

/** The inode of `pid`'s PID namespace (or another kind), or undefined when it cannot be read. */
export function namespaceInode(pid: number | 'self', kind: NamespaceKind = 'pid'): number | undefined {
  const ns = namespaceOf(pid, kind);
  return typeof ns === 'number' ? ns : undefined;
}
