/**
 * A trace's output: lines appended in batches a few times a second, at most
 * N lines per second (the newest of each batch); beyond that it says how
 * many it skipped. The channel
 * is handed in (a VS Code output channel, or anything with appendLine), so
 * this has no VS Code dependency and is unit-tested.
 *
 * Bounded too: VS Code keeps a channel's whole text and loads it into the
 * window when it is shown, so past MAX_LINES a channel that can `replace`
 * is rewritten with its newest KEEP_LINES and a line saying what went.
 */

const FLUSH_MS = 200;
/** Lines a channel holds before its older ones go. */
export const MAX_LINES = 30_000;
/** Lines kept when they go. */
export const KEEP_LINES = 5_000;

/** What an output channel offers that this uses. */
export interface LineChannel {
  readonly name: string;
  appendLine(line: string): void;
  /** Its whole text replaced (VS Code's OutputChannel.replace). */
  replace?(value: string): void;
  show(preserveFocus?: boolean): void;
  dispose(): void;
}

export class SessionOutput {
  /** Items waiting for the next flush (the newest `budget` of them) and how each becomes a line. */
  private pending: unknown[] = [];
  private formats: ((item: never) => string)[] = [];
  private skipped = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Lines in the channel now, the newest of them (at most KEEP_LINES), and how many went. */
  private lines = 0;
  private recent: string[] = [];
  private gone = 0;

  constructor(
    private readonly channel: LineChannel,
    private readonly maxLinesPerSecond: () => number,
  ) {}

  get name(): string {
    return this.channel.name;
  }

  private get budget(): number {
    return Math.max(1, Math.floor((this.maxLinesPerSecond() * FLUSH_MS) / 1000));
  }

  /**
   * Items become lines (by `format`) at the next flush, the newest `budget` of them: under a
   * flood the output shows what just happened, and what it leaves out costs a count, not a format.
   */
  append<T>(items: readonly T[], format: (item: T) => string): void {
    const budget = this.budget;
    let from = 0;
    if (items.length >= budget) {
      this.skipped += this.pending.length + items.length - budget;
      this.pending = [];
      this.formats = [];
      from = items.length - budget;
    }
    for (let i = from; i < items.length; i++) {
      this.pending.push(items[i]);
      this.formats.push(format as (item: never) => string);
    }
    // Bounded in bulk: the oldest leave once twice the budget wait.
    if (this.pending.length > 2 * budget) {
      const extra = this.pending.length - budget;
      this.pending.splice(0, extra);
      this.formats.splice(0, extra);
      this.skipped += extra;
    }
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** A line that bypasses the limit (start, end, errors). */
  note(line: string): void {
    this.flush();
    this.write(line);
  }

  private write(text: string): void {
    this.channel.appendLine(text);
    if (!this.channel.replace) return;
    const lines = text.split('\n');
    this.lines += lines.length;
    for (const l of lines) this.recent.push(l);
    if (this.recent.length > 2 * KEEP_LINES) this.recent = this.recent.slice(-KEEP_LINES);
    if (this.lines <= MAX_LINES) return;
    const keep = this.recent.slice(-KEEP_LINES);
    this.gone += this.lines - keep.length;
    this.recent = keep;
    this.channel.replace([`… ${this.gone.toLocaleString('en-US')} earlier lines are no longer here (this output keeps its newest ${MAX_LINES.toLocaleString('en-US')}; the live view and export have the events)`, ...keep].join('\n') + '\n');
    this.lines = keep.length; // the line saying what went is not counted as one of them
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const budget = this.budget;
    const from = Math.max(0, this.pending.length - budget);
    this.skipped += from;
    const lines: string[] = [];
    for (let i = from; i < this.pending.length; i++) lines.push(this.formats[i](this.pending[i] as never));
    this.pending = [];
    this.formats = [];
    let text = lines.join('\n');
    if (this.skipped) {
      text += `${text ? '\n' : ''}… ${this.skipped} lines skipped (output is limited to ${this.maxLinesPerSecond()} lines/s; the live view and export have them)`;
      this.skipped = 0;
    }
    if (text) this.write(text);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.channel.dispose();
  }
}
