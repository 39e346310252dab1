/**
 * A JIT's perf map (`/tmp/perf-<pid>.map`: one `START SIZE name` line per
 * piece of generated code, hex, appended as the JIT goes), read on the
 * unprivileged side from the bytes the helper hands over: each read fetches
 * what was appended since, whole lines only. Bounded: MAX_ENTRIES symbols,
 * MAX_LINE bytes a line; the newest entry for an address wins (JITs reuse
 * memory).
 */

export const MAX_ENTRIES = 1_000_000;
const MAX_LINE = 4096;

interface Entry {
  start: number;
  end: number;
  name: string;
  /** Order in the file: a later entry over the same address is the code there now. */
  seq: number;
}

export class PerfMap {
  private entries: Entry[] = [];
  private sorted = true;
  /** Bytes consumed so far (whole lines), and the partial line after them. */
  fetched = 0;
  private tail = '';
  private seq = 0;
  /** Entries not kept (the bound), lines not understood. */
  dropped = 0;

  /** Bytes appended to the file since the last call (from `fetched`). */
  append(bytes: Buffer): void {
    this.fetched += bytes.length;
    const text = this.tail + bytes.toString('utf8');
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    if (this.tail.length > MAX_LINE) this.tail = ''; // a line past the bound: dropped (its end too, as a bad line)
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (!line || line.length > MAX_LINE) return;
    const m = /^([0-9a-fA-F]{1,16}) ([0-9a-fA-F]{1,16}) (.+)$/.exec(line.trim());
    if (!m || this.entries.length >= MAX_ENTRIES) {
      this.dropped++;
      return;
    }
    const start = parseInt(m[1], 16);
    const size = parseInt(m[2], 16);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(start + size) || size <= 0) {
      this.dropped++;
      return;
    }
    const e = { start, end: start + size, name: m[3], seq: this.seq++ };
    if (this.entries.length && this.entries[this.entries.length - 1].start > start) this.sorted = false;
    this.entries.push(e);
  }

  /** The symbol of the code at `address`, or undefined. */
  lookup(address: number): string | undefined {
    if (!this.sorted) {
      this.entries.sort((a, b) => a.start - b.start || a.seq - b.seq);
      this.sorted = true;
    }
    // The last entry starting at or below the address; among those that cover it, the newest.
    let lo = 0;
    let hi = this.entries.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid].start <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let best: Entry | undefined;
    // Entries overlap only where code was replaced: look back a little for a newer one that covers it.
    for (let i = at; i >= 0 && i > at - 64; i--) {
      const e = this.entries[i];
      if (address < e.end && (!best || e.seq > best.seq)) best = e;
    }
    return best?.name;
  }

  get size(): number {
    return this.entries.length;
  }
}
