/**
 * A trace's output: lines appended in batches a few times a second, at most
 * N lines per second; beyond that it says how many it skipped. The channel
 * is handed in (a VS Code output channel, or anything with appendLine), so
 * this has no VS Code dependency and is unit-tested.
 */

const FLUSH_MS = 200;

/** What an output channel offers that this uses. */
export interface LineChannel {
  readonly name: string;
  appendLine(line: string): void;
  show(preserveFocus?: boolean): void;
  dispose(): void;
}

export class SessionOutput {
  private pending: string[] = [];
  private skipped = 0;
  private timer: NodeJS.Timeout | undefined;

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
    this.channel.appendLine(line);
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
    if (text) this.channel.appendLine(text);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.channel.dispose();
  }
}
