/**
 * Frames as the helper places them, for profiles and --stack events alike:
 * a kernel address named from kallsyms; a user address as its file inside
 * the container (with build ID and a handle for its bytes: ./files) and
 * file offset, from its process's maps, or where it lies (a JIT's memory
 * with its perf map). Nothing of a container file is parsed here beyond its
 * program headers; the client symbolizes.
 */
import { Kallsyms } from '../proc/kallsyms';
import { rangeOf, type MapRange } from '../proc/maps';
import type { ProfileFrame } from '../protocol';
import type { FileRegistry } from './files';

/** User addresses lie below this (47 bits on x86-64, 48 on arm64). */
export const USER_LIMIT = 1n << 48n;

let kallsyms: Kallsyms | undefined | null = null;
function kernelSymbols(): Kallsyms | undefined {
  if (kallsyms === null) kallsyms = Kallsyms.load();
  return kallsyms;
}

/** A kernel address as function+offset (a return address looked up one byte back, in the call). */
export function kernelFrame(address: bigint, returnAddress: boolean): ProfileFrame {
  const sym = kernelSymbols()?.resolve(returnAddress ? address - 1n : address);
  if (!sym) return { function: null, file: null, line: null, module: '[kernel]', offset: 0, kernel: true };
  return { function: sym.function, file: null, line: null, module: sym.module, offset: sym.offset + (returnAddress ? 1 : 0), kernel: true };
}

/** Mappings a perf map may name code in: anonymous memory (a JIT's), not the kernel's named areas. */
const JIT_MEMORY = (module: string) => module === '[anon]' || module.startsWith('[anon:') || module.startsWith('//anon');

/**
 * A user address as its file and file offset (with the file's build ID and
 * handle), or where it lies; code in anonymous memory carries the handle of
 * its process's perf map, when its container has one (a JIT's symbols).
 */
export function userFrame(address: number, ranges: MapRange[] | undefined, e: { hostPid: number; pid: number }, files: FileRegistry): ProfileFrame {
  const hostPid = e.hostPid;
  const r = ranges && rangeOf(ranges, address);
  if (!r) return { function: null, file: null, line: null, module: ranges ? '[unmapped]' : '[unknown: process gone]', offset: address };
  if (!r.path.startsWith('/')) {
    const module = r.path || '[anon]';
    const frame: ProfileFrame = { function: null, file: null, line: null, module, offset: module === '[vdso]' ? address - r.start : address };
    if (JIT_MEMORY(module)) {
      const map = files.perfMap(hostPid, e.pid);
      if (map) frame.perfMap = map;
    }
    return frame;
  }
  const module = r.path.endsWith(' (deleted)') ? r.path.slice(0, -' (deleted)'.length) : r.path;
  const frame: ProfileFrame = { function: null, file: null, line: null, module, offset: address - r.start + r.offset };
  if (r.path.endsWith(' (deleted)')) return frame;
  const shared = files.share(hostPid, r);
  if (shared.buildId) frame.buildId = shared.buildId;
  if (shared.fileId) frame.fileId = shared.fileId;
  return frame;
}
