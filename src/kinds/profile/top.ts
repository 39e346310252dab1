/**
 * A profile report's functions by self and total samples: self is the
 * innermost frame of a stack (an inlined function when one was inlined
 * there), total every function the stack passes through (once a stack).
 * Frames without a symbol count by their module.
 */
import type { ProfileEvent, ProfileFrame } from '../../protocol';

export interface FunctionShare {
  /** The function, or `[module]` when it has no symbol. */
  name: string;
  /** file:line of its most sampled frame (or the module). */
  where: string;
  /** That frame's DWARF file name and line, when it has them. */
  file?: string;
  line?: number;
  self: number;
  total: number;
}

/** What a stack weighs: its samples, or (off-CPU) the nanoseconds its threads were off the CPU there. */
export function weightOf(e: ProfileEvent): number {
  return e.blockedNs ?? e.samples;
}

export function frameName(f: ProfileFrame): string {
  return f.function ?? `[${f.module.slice(f.module.lastIndexOf('/') + 1).replace(/^\[|\]$/g, '')}]`;
}

export function frameWhere(f: ProfileFrame): string {
  if (f.file) return `${f.file.slice(f.file.lastIndexOf('/') + 1)}${f.line ? ':' + f.line : ''}`;
  return f.kernel ? f.module : `${f.module}+0x${f.offset.toString(16)}`;
}

/** A frame's DWARF file and line (none: both cleared), as a node or a function's `where` came from. */
export function fileOf(f: ProfileFrame): { file: string | undefined; line: number | undefined } {
  return { file: f.file ?? undefined, line: f.file ? (f.line ?? undefined) : undefined };
}

/** Functions' self and total samples (off-CPU: nanoseconds), added to stack by stack (a live profile's table, or one report's). */
export class FunctionTotals {
  private readonly byName = new Map<string, FunctionShare & { whereSamples: number }>();
  /** Every stack's weight together. */
  samples = 0;

  private entry(f: ProfileFrame) {
    const name = frameName(f);
    let e = this.byName.get(name);
    if (!e) this.byName.set(name, (e = { name, where: frameWhere(f), ...fileOf(f), self: 0, total: 0, whereSamples: 0 }));
    return e;
  }

  add(ev: ProfileEvent): void {
    const w = weightOf(ev);
    this.samples += w;
    if (!ev.stack.length) return;
    const leaf = this.entry(ev.stack[0]);
    leaf.self += w;
    // Where a function is: the file:line of its most sampled innermost frame.
    if (w > leaf.whereSamples) {
      leaf.where = frameWhere(ev.stack[0]);
      Object.assign(leaf, fileOf(ev.stack[0]));
      leaf.whereSamples = w;
    }
    const seen = new Set<string>();
    for (const f of ev.stack) {
      const e = this.entry(f);
      if (seen.has(e.name)) continue; // recursion: once a stack
      seen.add(e.name);
      e.total += w;
    }
  }

  /** Distinct functions so far. */
  get size(): number {
    return this.byName.size;
  }

  /** Busiest (self, then total) first. */
  list(): FunctionShare[] {
    return [...this.byName.values()].map(({ whereSamples: _, ...f }) => (f.file ? f : { name: f.name, where: f.where, self: f.self, total: f.total })).sort((a, b) => b.self - a.self || b.total - a.total || (a.name < b.name ? -1 : 1));
  }
}

/** Every function of the report's stacks with its samples, busiest (self, then total) first. */
export function topFunctions(events: ProfileEvent[]): { functions: FunctionShare[]; samples: number } {
  const t = new FunctionTotals();
  for (const ev of events) t.add(ev);
  return { functions: t.list(), samples: t.samples };
}
