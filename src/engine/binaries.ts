/**
 * container/binaries: the ELF files the processes of one running container
 * map executable (their programs and libraries), each shared through the
 * engine's FileRegistry (./files: opened beneath the process's pinned root,
 * a regular file only, bounded, readable by the caller, its build ID read),
 * so the client reads their bytes by handle (profile/file) and parses them
 * itself. The container is found as trace/start finds one (./resolve), its
 * processes by its PID namespace (../proc/container); at most
 * MAX_BINARY_PROCESSES processes are read and MAX_BINARIES files shared,
 * executables first.
 */
import * as fs from 'node:fs';
import type { ContainerRuntime } from '../runtime';
import { findRunningContainer } from '../runtime';
import { verifyContainerProcess } from '../runtime/verify';
import { scanContainer, ContainerGoneError, type ProcessInfo } from '../proc/container';
import { ProcFs } from '../proc/procfs';
import { mapRanges, type MapRange } from '../proc/maps';
import type { FileRegistry } from './files';
import { InvalidParamsError } from './validate';
import { MAX_BINARIES, MAX_BINARY_PROCESSES, type ContainerBinariesParams, type ContainerBinariesResult, type ContainerBinary } from '../protocol';

/** PIDs listed per file (and processes tried when sharing it). */
const MAX_PIDS = 16;
/** Distinct files remembered while reading the processes' maps (before MAX_BINARIES are chosen). */
const MAX_CANDIDATES = 16 * MAX_BINARIES;
/** A container reference, as trace/start takes one (./validate). */
const CONTAINER_REF = /^[\w.\-/:]{1,512}$/;

/** container/binaries parameters: `{ container }` and nothing else, or InvalidParamsError. */
export function validateBinaries(raw: unknown): ContainerBinariesParams {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidParamsError('container/binaries: params must be an object');
  const p = raw as Record<string, unknown>;
  for (const k of Object.keys(p)) if (k !== 'container') throw new InvalidParamsError(`container/binaries: unknown field "${k}"`);
  if (typeof p.container !== 'string' || !CONTAINER_REF.test(p.container)) {
    throw new InvalidParamsError('container/binaries: container must be a container reference: name, id, pod/container, namespace/pod/container, runtime:…');
  }
  return { container: p.container };
}

/** One distinct file (by the device and inode its maps lines give) and who maps it. */
interface Candidate {
  path: string;
  executable: boolean;
  pids: number[];
  processes: number;
  /** Processes to share it through (the first that still runs), with their own maps line. */
  mappers: { hostPid: number; range: MapRange }[];
}

/** The file-backed executable ranges of a process, one per file, and its executable's inode; undefined when it is gone or its PID is another process's now. */
function readProcess(proc: ProcFs, p: ProcessInfo): { ranges: MapRange[]; exeIno?: number } | undefined {
  const ranges = mapRanges(p.hostPid);
  if (!ranges) return undefined;
  let exeIno: number | undefined;
  try {
    exeIno = fs.statSync(`/proc/${p.hostPid}/exe`).ino;
  } catch {
    exeIno = undefined; // gone, or no executable
  }
  // Read after the maps: the same PIDs at every level is the same process (a PID reused since the scan is not).
  const now = proc.status(p.hostPid);
  if (!now || now.nspid.join(' ') !== p.nspids.join(' ')) return undefined;
  const seen = new Set<string>();
  const out: MapRange[] = [];
  for (const r of ranges) {
    if (!r.exec || !r.path.startsWith('/') || r.ino === 0) continue;
    const key = `${r.dev}:${r.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return { ranges: out, exeIno };
}

export async function listBinaries(runtimes: ContainerRuntime[], params: ContainerBinariesParams, files: FileRegistry): Promise<ContainerBinariesResult> {
  const container = await findRunningContainer(runtimes, params.container);
  verifyContainerProcess(container);
  const proc = new ProcFs();
  const scan = scanContainer(container, proc);
  if (scan.pidns === undefined) throw new ContainerGoneError(`cannot read the PID namespace of container ${container.name}: listing its binaries needs root`);
  let truncated = scan.processes.length > MAX_BINARY_PROCESSES;
  const byFile = new Map<string, Candidate>();
  for (const p of scan.processes.slice(0, MAX_BINARY_PROCESSES)) {
    const read = readProcess(proc, p);
    if (!read) continue;
    for (const range of read.ranges) {
      const key = `${range.dev}:${range.ino}`;
      let c = byFile.get(key);
      if (!c) {
        if (byFile.size >= MAX_CANDIDATES) {
          truncated = true;
          continue;
        }
        byFile.set(key, (c = { path: range.path, executable: false, pids: [], processes: 0, mappers: [] }));
      }
      c.processes++;
      if (c.pids.length < MAX_PIDS) {
        c.pids.push(p.pid);
        c.mappers.push({ hostPid: p.hostPid, range });
      }
      // Its main executable (overlay may give the maps line another device than stat: the inode decides, as in ./files).
      if (read.exeIno !== undefined && range.ino === read.exeIno) c.executable = true;
    }
  }
  const ordered = [...byFile.values()].sort(
    (a, b) => Number(b.executable) - Number(a.executable) || b.processes - a.processes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
  if (ordered.length > MAX_BINARIES) truncated = true;
  const binaries: ContainerBinary[] = [];
  for (const c of ordered.slice(0, MAX_BINARIES)) {
    let shared: ReturnType<FileRegistry['share']> = { why: 'gone' };
    for (const m of c.mappers) {
      shared = files.share(m.hostPid, m.range);
      if (shared.why !== 'gone') break;
    }
    const why = shared.why === 'gone' ? 'every process that mapped it is gone' : shared.why;
    binaries.push({
      path: c.path,
      ...(shared.buildId ? { buildId: shared.buildId } : {}),
      ...(shared.fileId ? { fileId: shared.fileId } : {}),
      ...(why ? { why } : {}),
      pids: c.pids,
      processes: c.processes,
      executable: c.executable,
    });
  }
  return { container: { id: container.id, name: container.name, hostPid: container.hostPid }, binaries, truncated };
}
