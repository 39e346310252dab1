/** What a process maps, from /proc/<pid>/maps (the uprobe picker and the target resolver share it). */
import * as fs from 'node:fs';

/** Library or program files a process maps (paths inside its container). */
export function mappedFiles(hostPid: number): string[] {
  try {
    const files = new Set<string>();
    for (const line of fs.readFileSync(`/proc/${hostPid}/maps`, 'utf8').split('\n')) {
      const p = line.split(/\s+/).slice(5).join(' ');
      if (p.startsWith('/') && !p.endsWith(' (deleted)')) files.add(p);
    }
    return [...files];
  } catch {
    return [];
  }
}
