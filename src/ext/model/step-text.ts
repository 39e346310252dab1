/**
 * The text of each step of a multi-step quick pick (one QuickPick kept open
 * across steps), kept straight although the window and the extension host
 * see each other's changes late: the window reports every change of its
 * input (the user's typing, and the values the extension set once they land,
 * "echoes"), the extension sets values that land later.
 *
 * - Text typed after Enter belongs to the next step, even when it lands on
 *   top of the previous step's text (the window has not cleared it yet).
 * - Text typed while a value the extension set is still on its way is kept
 *   (appended to what the extension meant) instead of being overwritten.
 * - `trusted` says whether the window's highlighted item can be believed: the
 *   window has caught up with everything sent (no echo pending) and has
 *   reported its highlight since this step's items were set. Otherwise only
 *   the typed text decides, never a default item.
 *
 * No VS Code here (unit-tested against a simulated window).
 */

interface Sent {
  value: string;
  /** The step it was sent in. */
  step: number;
}

export interface AcceptedText {
  /** What was typed for the step that was accepted. */
  text: string;
  /** Whether the window's highlighted item is this step's and current. */
  trusted: boolean;
  /** A value to set on the widget (the next step starts empty), if any. */
  set?: string;
}

export class StepText {
  /** The widget's value as last reported. */
  private raw = '';
  /** Values sent, not yet seen landing (oldest first). */
  private pending: Sent[] = [];
  /**
   * The value set since the last dispatch: the extension host sends the
   * properties set within one turn as one update, so only the last value set
   * in a turn reaches the window (call dispatched() after each turn).
   */
  private batch: Sent | undefined;
  private step = 0;
  private activeSeen = false;
  /** The current step's text. */
  text = '';

  /** What the widget will show once everything sent has landed. */
  private get intended(): string {
    return this.batch?.value ?? this.sent;
  }

  /** What the widget will show once everything dispatched has landed. */
  private get sent(): string {
    return this.pending.length ? this.pending[this.pending.length - 1].value : this.raw;
  }

  private send(value: string): string | undefined {
    if (value === this.intended) return undefined;
    this.batch = { value, step: this.step };
    return value;
  }

  /** The turn's update went out: its value (if it changes anything) is on its way. */
  dispatched(): void {
    const b = this.batch;
    this.batch = undefined;
    if (b && b.value !== this.sent) this.pending.push(b);
  }

  /**
   * The widget reported its value. Returns a value to set on the widget when
   * what it shows must be corrected (text typed ahead, or on top of a change
   * still on its way).
   */
  onValue(v: string): string | undefined {
    const before = this.raw;
    this.raw = v;
    const landed = this.pending.findIndex((p) => p.value === v);
    if (landed >= 0) {
      // One of ours landed (those before it landed unseen, or were overtaken).
      const [sent] = this.pending.splice(0, landed + 1).slice(-1);
      if (!this.pending.length && !this.batch && sent.step === this.step) this.text = v;
      return undefined;
    }
    if (!this.pending.length && !this.batch) {
      this.text = v;
      return undefined;
    }
    // Typed while our changes are on their way: what was typed on top of the
    // last state the widget had is typed on top of what we meant instead.
    const next = v.startsWith(before) ? this.intended + v.slice(before.length) : v;
    this.text = next;
    return this.send(next);
  }

  /** The widget reported its highlighted item. */
  onActive(): void {
    this.activeSeen = true;
  }

  /** New items were set for the current step: the highlight is theirs once reported again. */
  itemsSet(): void {
    this.activeSeen = false;
  }

  /** Enter: the step's text, and what to set for the next one (which starts with what is typed from now on). */
  accept(): AcceptedText {
    const out: AcceptedText = { text: this.text, trusted: !this.pending.length && !this.batch && this.activeSeen };
    this.step++;
    this.text = '';
    this.activeSeen = false;
    const set = this.send('');
    if (set !== undefined) out.set = set;
    return out;
  }

  /** Put a step's text back (Back, or an accept that could not be used): the value to set, if any. */
  restore(text: string): string | undefined {
    this.step++;
    this.text = text;
    this.activeSeen = false;
    return this.send(text);
  }
}
