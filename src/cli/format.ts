/** Plain-text output: aligned columns, every cell made safe for a terminal. */
import { visible } from '../kinds/shared/text';

export function table(headers: string[], rows: (string | number)[][], maxLast = 200): string {
  const cells = rows.map((r) => r.map((c) => visible(String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (i < r.length - 1 || i < headers.length - 1 ? r[i]?.length ?? 0 : 0))));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c.slice(0, maxLast) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** A fixed-width row for streaming output, where widths cannot be measured first. */
export function row(cols: [string | number, number][], rest: string): string {
  return cols.map(([v, w]) => visible(String(v)).padEnd(w)).join(' ') + ' ' + visible(rest);
}
