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
}

export interface AcceptedText {
  /** What was typed for the step that was accepted. */
  text: string;
  /** Whether the window's highlighted item is this step's and current. */
  trusted: boolean;
  /** A value to set on the widget (the next step starts empty), if any. */
  set?: string;
}

/**
 * The model keeps the current step's text itself (`text`, what was typed for
 * it) and shows it on the widget, one value at a time: a value is sent only
 * when nothing sent is still on its way. So a change the window reports is
 * either the user's (typed on what the window showed) or the landing of the
 * one value in flight; a report equal to that value is taken as its landing
 * (were it the user's, typing exactly the characters still to be shown, the
 * window shows the same, and the text used is the text shown).
 */
export class StepText {
  /** The widget's value as last reported. */
  private raw = '';
  /** Values dispatched, not yet seen landing (oldest first; at most one more than already landed unseen). */
  private pending: Sent[] = [];
  /**
   * The value set since the last dispatch: the extension host sends the
   * properties set within one turn as one update, so only the last value set
   * in a turn reaches the window (call dispatched() after each turn).
   */
  private batch: Sent | undefined;
  private activeSeen = false;
  /** The current step's text. */
  text = '';

  private get inFlight(): boolean {
    return this.pending.length > 0 || this.batch !== undefined;
  }

  /** What the widget will show once everything sent has landed. */
  private get intended(): string {
    return this.batch?.value ?? (this.pending.length ? this.pending[this.pending.length - 1].value : this.raw);
  }

  /** Show the step's text, unless the widget will show it anyway or a value is still on its way (sent once it lands). */
  private show(): string | undefined {
    if (this.text === this.intended) return undefined;
    // Set again within the turn (only the last value goes out), or when nothing is on its way.
    if (this.pending.length && !this.batch) return undefined;
    this.batch = { value: this.text };
    return this.text;
  }

  private get sentOrRaw(): string {
    return this.pending.length ? this.pending[this.pending.length - 1].value : this.raw;
  }

  /** The turn's update went out: its value (if it changes anything) is on its way. */
  dispatched(): void {
    const b = this.batch;
    this.batch = undefined;
    if (b && b.value !== this.sentOrRaw) this.pending.push(b);
  }

  /**
   * The widget reported its value. Returns a value to set on the widget when
   * what it shows is not the step's text (text typed ahead, or on top of a
   * change still on its way).
   */
  onValue(v: string): string | undefined {
    const before = this.raw;
    this.raw = v;
    const landed = this.pending.findIndex((p) => p.value === v);
    if (landed >= 0) {
      // Ours landed (those before it landed unseen).
      this.pending.splice(0, landed + 1);
      return this.show();
    }
    if (!this.inFlight) {
      this.text = v;
      return undefined;
    }
    // Typed while a value of ours is on its way: what was typed on top of
    // what the window showed is typed on top of the step's text.
    this.text = v.startsWith(before) ? this.text + v.slice(before.length) : v;
    return this.show();
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
    const out: AcceptedText = { text: this.text, trusted: !this.inFlight && this.activeSeen };
    return this.next('', out);
  }

  /** Put a step's text back (Back, or an accept that could not be used): the value to set, if any. */
  restore(text: string): string | undefined {
    return this.next(text, { text, trusted: false }).set;
  }

  private next(text: string, out: AcceptedText): AcceptedText {
    this.text = text;
    this.activeSeen = false;
    const set = this.show();
    if (set !== undefined) out.set = set;
    return out;
  }
}
