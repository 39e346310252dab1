/**
 * --stack: a copied user stack unwound by its files' .eh_frame
 * (src/kinds/profile/ehframe.ts), unprivileged: from the registers where the
 * task entered the kernel, each frame's CFA gives its return address and the
 * caller's rbp, read from the copy, until an address lies outside the
 * process's code, outside the copy, or where no row says how. Then the
 * kernel's frame-pointer walk, where it goes deeper, continues it.
 */
import type { ProfileFrame, StackMapping } from '../../protocol';
import { offsetToAddress, type LoadSegment } from '../../kinds/profile/elf';
import { REG_RBP, type EhFrame } from '../../kinds/profile/ehframe';
import { paddedBuildId, type UnwindInput } from '../../kinds/shared/stack';

/** Frames unwound at most. */
export const MAX_UNWIND_FRAMES = 64;

export interface UnwindFile {
  loads: LoadSegment[];
  eh: EhFrame | undefined;
}

/** The user frames the copy gives, leaf first (as the kernel's: file offsets, build IDs, handles). */
export async function unwindCopy(u: UnwindInput, fileOf: (m: StackMapping) => Promise<UnwindFile | undefined>): Promise<ProfileFrame[]> {
  const read = (addr: number): number | undefined => {
    const at = addr - u.sp;
    if (at < 0 || at + 8 > u.copy.length) return undefined;
    return Number(u.copy.readBigUInt64LE(at));
  };
  const frames: ProfileFrame[] = [];
  let ip = u.ip;
  let sp = u.sp;
  let bp = u.bp;
  for (let depth = 0; depth < MAX_UNWIND_FRAMES; depth++) {
    const m = u.maps.find((r) => ip >= r.start && ip < r.end);
    if (!m) break;
    const offset = ip - m.start + m.offset;
    const frame: ProfileFrame = { function: null, file: null, line: null, module: m.module, offset };
    if (m.buildId) frame.buildId = m.buildId;
    if (m.fileId) frame.fileId = m.fileId;
    frames.push(frame);
    const file = await fileOf(m);
    const vaddr = file ? offsetToAddress(file.loads, offset) : undefined;
    // A return address is looked up one byte back: in the call, not after it.
    const row = vaddr !== undefined ? file?.eh?.row(depth === 0 ? vaddr : vaddr - 1) : undefined;
    if (!row) break;
    const cfa = (row.cfaReg === REG_RBP ? bp : sp) + row.cfaOffset;
    const ra = read(cfa + row.ra);
    if (row.rbp !== undefined) {
      const saved = read(cfa + row.rbp);
      if (saved === undefined) break;
      bp = saved;
    }
    if (!ra || cfa <= sp) break;
    sp = cfa;
    ip = ra;
  }
  return frames;
}

/**
 * The user frames of an event: what the copy gave, and after its last frame
 * what the kernel's walk has beyond it (when the copy ended first); the
 * kernel's walk alone when the copy gave less.
 */
export function mergeUserFrames(unwound: ProfileFrame[], walked: ProfileFrame[]): ProfileFrame[] {
  if (unwound.length < 2 && walked.length >= unwound.length) return walked;
  const same = (a: ProfileFrame, b: ProfileFrame) => a.offset === b.offset && !!a.buildId && !!b.buildId && paddedBuildId(a.buildId) === paddedBuildId(b.buildId);
  // The leaf as the kernel resolved it, while the process lived: mappings that place it elsewhere are not the stack's.
  if (walked[0]?.buildId && !same(walked[0], unwound[0])) return walked;
  const last = unwound[unwound.length - 1];
  const j = walked.findIndex((f) => same(f, last));
  return j >= 0 ? [...unwound, ...walked.slice(j + 1)] : unwound;
}
