/**
 * Whose container is a PID namespace the kernel saw made? Its first task
 * (PID 1 there) is read at once — while the runtime's init still waits to
 * exec the entrypoint — and named by what the runtime set up around it: its
 * cgroup (docker/<id>, libpod-<id>.scope, kubepods/…/<id>), else the
 * command lines of its parents (the shim's `-id <id>`, conmon's `-c <id>`,
 * `runc create … <id>`), else a running container whose init is in it.
 */
import * as fs from 'node:fs';
import type { ContainerInfo } from '../runtime';
import { cgroupNames } from '../runtime/verify';
import { namespaceInode } from '../proc/ns';
import { readIdMap } from '../proc/idmap';
import type { IdMap } from '../protocol';

/** What the first task of a new PID namespace showed when it was read. */
export interface FirstTask {
  pidns: number;
  /** Its PID in the helper's numbering. */
  hostPid: number;
  /** /proc/<pid>/cgroup; '' once the task is gone (or its PID is another's). */
  cgroup: string;
  /** The command lines of its parents, nearest first. */
  ancestors: string[][];
  /** Its user namespace's mapping, when not the host's (read now: an entrypoint that fails is gone soon). */
  ids?: IdMap;
}

/** Parents read above the first task (runc's children, the runtime, its shim). */
const ANCESTORS = 4;
/** Bytes of a command line read (the ids are near the start). */
const CMDLINE_BYTES = 4096;

function readBounded(file: string, max: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const buf = Buffer.alloc(max);
    const n = fs.readSync(fd, buf, 0, max, null);
    return buf.subarray(0, n);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function parentOf(pid: number): number | undefined {
  const stat = readBounded(`/proc/${pid}/stat`, 1024)?.toString('latin1');
  if (!stat) return undefined;
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

/** The first task as it is now (`pidns` is checked: a PID taken by another process reads as gone). */
export function readFirstTask(pidns: number, hostPid: number): FirstTask {
  const task: FirstTask = { pidns, hostPid, cgroup: '', ancestors: [] };
  if (namespaceInode(hostPid) !== pidns) return task;
  task.cgroup = readBounded(`/proc/${hostPid}/cgroup`, 16384)?.toString('utf8') ?? '';
  task.ids = readIdMap(hostPid);
  let pid: number | undefined = hostPid;
  for (let i = 0; i < ANCESTORS && pid !== undefined; i++) {
    pid = parentOf(pid);
    if (pid === undefined || pid <= 1) break;
    const cmdline = readBounded(`/proc/${pid}/cmdline`, CMDLINE_BYTES);
    if (cmdline) task.ancestors.push(cmdline.toString('utf8').split('\0').filter(Boolean));
  }
  // Read again after its parents: gone meanwhile, its PID may be another's.
  if (namespaceInode(hostPid) !== pidns) return { pidns, hostPid, cgroup: '', ancestors: [] };
  return task;
}

/** Whether the first task is still there (in its namespace). */
export function firstTaskLives(t: FirstTask): boolean {
  return namespaceInode(t.hostPid) === t.pidns;
}

/** The container the first task belongs to among `all` (every runtime's, stopped ones too); undefined when none says so. */
export function identify(t: FirstTask, all: ContainerInfo[]): ContainerInfo | undefined {
  const ownInit = (c: ContainerInfo) => c.hostPid > 0 && namespaceInode(c.hostPid) === t.pidns;
  let found = t.cgroup ? all.filter((c) => cgroupNames(t.cgroup, c.id)) : [];
  if (!found.length) found = all.filter((c) => c.id.length >= 3 && t.ancestors.some((argv) => argv.includes(c.id)));
  if (!found.length) found = all.filter(ownInit);
  // A node's cgroup holds its containers': the innermost one is the task's.
  found = found.filter((c) => !found.some((o) => o !== c && o.node?.id === c.id));
  if (found.length > 1) {
    const own = found.filter(ownInit);
    if (own.length) found = own;
  }
  return found.sort((a, b) => b.id.length - a.id.length)[0];
}
