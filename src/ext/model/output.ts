/**
 * A trace's output: lines appended in batches a few times a second, at most
 * N lines per second; beyond that it says how many it skipped. The channel
 * is handed in (a VS Code output channel, or anything with appendLine), so
 * this has no VS Code dependency and is unit-tested.
 *
 * Bounded too: VS Code keeps a channel's whole text and loads it into the
 * window when it is shown, so past MAX_LINES a channel that can `replace`
 * is rewritten with its newest KEEP_LINES and a line saying what went.
 */

const FLUSH_MS = 200;
/** Lines a channel holds before its older ones go. */
export const MAX_LINES = 100_000;
/** Lines kept when they go. */
export const KEEP_LINES = 10_000;

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
  private pending: string[] = [];
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

  /** Items become lines (by `format`) only as far as the limit lets them in: floods cost a count, not a format. */
  append<T>(items: readonly T[], format: (item: T) => string): void {
    const room = Math.max(0, this.budget * 2 - this.pending.length);
    const take = Math.min(items.length, room);
    this.skipped += items.length - take;
    for (let i = 0; i < take; i++) this.pending.push(format(items[i]));
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
    const take = this.pending.splice(0, this.budget);
    this.skipped += this.pending.length;
    this.pending = [];
    let text = take.join('\n');
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
