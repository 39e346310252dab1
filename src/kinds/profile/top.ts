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
  self: number;
  total: number;
}

export function frameName(f: ProfileFrame): string {
  return f.function ?? `[${f.module.slice(f.module.lastIndexOf('/') + 1).replace(/^\[|\]$/g, '')}]`;
}

function frameWhere(f: ProfileFrame): string {
  if (f.file) return `${f.file.slice(f.file.lastIndexOf('/') + 1)}${f.line ? ':' + f.line : ''}`;
  return f.kernel ? f.module : `${f.module}+0x${f.offset.toString(16)}`;
}

/** Every function of the report's stacks with its samples, busiest (self, then total) first. */
export function topFunctions(events: ProfileEvent[]): { functions: FunctionShare[]; samples: number } {
  const byName = new Map<string, FunctionShare & { whereSamples: number }>();
  let samples = 0;
  const entry = (f: ProfileFrame) => {
    const name = frameName(f);
    let e = byName.get(name);
    if (!e) byName.set(name, (e = { name, where: frameWhere(f), self: 0, total: 0, whereSamples: 0 }));
    return e;
  };
  for (const ev of events) {
    samples += ev.samples;
    if (!ev.stack.length) continue;
    const leaf = entry(ev.stack[0]);
    leaf.self += ev.samples;
    if (ev.samples > leaf.whereSamples) {
      leaf.where = frameWhere(ev.stack[0]);
      leaf.whereSamples = ev.samples;
    }
    const seen = new Set<string>();
    for (const f of ev.stack) {
      const e = entry(f);
      if (seen.has(e.name)) continue;
      seen.add(e.name);
      e.total += ev.samples;
    }
  }
  const functions = [...byName.values()].map(({ whereSamples: _, ...f }) => f).sort((a, b) => b.self - a.self || b.total - a.total || (a.name < b.name ? -1 : 1));
  return { functions, samples };
}
