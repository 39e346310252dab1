/**
 * --stack: what a batch's stacks need that only the helper can see. The
 * kernel resolved most user frames to a build ID and file offset while the
 * process lived; here each build ID becomes the file of the container that
 * has it (found in the process's maps, else among files shared before, else
 * in the container's first process's maps) with a handle for its bytes;
 * frames left as addresses are placed in their process's maps; kernel
 * addresses are named from kallsyms. Bounded per batch; nothing is parsed
 * beyond what ./files reads of a file's program headers.
 */
import type { RecordStacks, StackMapping } from '../protocol';
import { forEachRecord } from '../protocol/records';
import { mapRanges, type MapRange } from '../proc/maps';
import { HDR_LAYOUT } from '../kinds/shared/decode';
import { kernelAddresses, stackTrailer, userFrames, userKey } from '../kinds/shared/stack';
import { kernelFrame, userFrame, USER_LIMIT } from './frames';
import type { FileRegistry } from './files';

/** Processes whose maps one batch reads at most (the others' frames keep their build IDs). */
const MAX_PROCESSES_PER_BATCH = 64;
/** Processes whose code mappings are remembered after they are gone. */
const MAX_KNOWN_PROCESSES = 256;
/** Code ranges told per process at most. */
const MAX_CODE_MAPPINGS = 512;

export class BatchStacks {
  constructor(
    private readonly files: FileRegistry,
    /** The container's first process (its maps name the container's common files), when one container is traced. */
    private readonly containerHostPid: number | undefined,
  ) {}

  /** What the batch's stacks name, or undefined when none of its records has one. */
  find(batch: Buffer): RecordStacks | undefined {
    const out: RecordStacks = { files: {}, user: {}, kernel: {} };
    const maps = new Map<number, MapRange[] | undefined>();
    const rangesOf = (hostPid: number): MapRange[] | undefined => {
      if (maps.has(hostPid)) return maps.get(hostPid);
      const r = maps.size < MAX_PROCESSES_PER_BATCH ? mapRanges(hostPid) : undefined;
      maps.set(hostPid, r);
      return r;
    };
    const scanned = new Set<number>();
    // Every file a process maps, shared (by inode, once): its build ID is then known.
    const scan = (hostPid: number) => {
      if (scanned.has(hostPid)) return;
      scanned.add(hostPid);
      const seen = new Set<string>();
      for (const r of rangesOf(hostPid) ?? []) {
        const key = `${r.dev}:${r.ino}`;
        if (!r.path.startsWith('/') || !r.ino || seen.has(key)) continue;
        seen.add(key);
        this.files.share(hostPid, r);
      }
    };
    let any = false;
    forEachRecord(batch, (dv, bytes, at, len) => {
      const t = stackTrailer(dv, at, len);
      if (!t) return;
      any = true;
      const hostPid = dv.getUint32(at + HDR_LAYOUT.ids + 8, true);
      // A copy of the stack: the client unwinds it through the code mappings of the process it is of.
      const mapsPid = t.mapsPid || hostPid;
      if (t.copy && !out.maps?.[mapsPid]) {
        const code = this.codeMappings(mapsPid, rangesOf(mapsPid));
        if (code) (out.maps ??= {})[mapsPid] = code;
      }
      for (const f of userFrames(dv, bytes, t)) {
        if ('buildId' in f) {
          if (f.buildId in out.files) continue;
          let file = this.files.withBuildId(f.buildId);
          if (!file?.fileId) {
            scan(hostPid);
            file = this.files.withBuildId(f.buildId);
          }
          if (!file?.fileId && this.containerHostPid) {
            scan(this.containerHostPid);
            file = this.files.withBuildId(f.buildId);
          }
          if (file) out.files[f.buildId] = file;
        } else {
          const key = userKey(hostPid, f.address);
          if (key in out.user || f.address >= USER_LIMIT) continue;
          // The process's PID in its container names its perf map: the header's.
          const pid = dv.getUint32(at + HDR_LAYOUT.ids, true);
          out.user[key] = userFrame(Number(f.address), rangesOf(hostPid), { hostPid, pid }, this.files);
        }
      }
      const kernel = kernelAddresses(dv, t);
      for (let i = 0; i < kernel.length; i++) {
        const key = kernel[i].toString(16);
        if (!(key in out.kernel)) out.kernel[key] = kernelFrame(kernel[i], i > 0);
      }
    });
    return any ? out : undefined;
  }

  /** Code mappings of processes seen before (a process gone is unwound by what it had; the client checks they still fit). */
  private readonly known = new Map<number, StackMapping[]>();

  /** A process's file-backed code, each range with its file's handle (bounded); as last seen when it is gone. */
  private codeMappings(hostPid: number, ranges: MapRange[] | undefined): StackMapping[] | undefined {
    if (!ranges) return this.known.get(hostPid);
    const out: StackMapping[] = [];
    for (const r of ranges) {
      if (!r.exec || !r.path.startsWith('/') || out.length >= MAX_CODE_MAPPINGS) continue;
      const module = r.path.endsWith(' (deleted)') ? r.path.slice(0, -' (deleted)'.length) : r.path;
      const m: StackMapping = { start: r.start, end: r.end, offset: r.offset, module };
      if (!r.path.endsWith(' (deleted)')) {
        const shared = this.files.share(hostPid, r);
        if (shared.buildId) m.buildId = shared.buildId;
        if (shared.fileId) m.fileId = shared.fileId;
      }
      out.push(m);
    }
    this.known.delete(hostPid);
    if (this.known.size >= MAX_KNOWN_PROCESSES) this.known.delete(this.known.keys().next().value as number);
    this.known.set(hostPid, out);
    return out;
  }
}
