/**
 * The multi-step quick pick's text model (src/ext/model/step-text) against a
 * simulated window: the user types and presses Enter at any moment, the
 * window reports its changes late, the extension's values land late, in every
 * interleaving. Each step must get exactly the text typed for it, and the
 * highlighted item is believed only once the window has caught up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StepText } from '../../src/ext/model/step-text';

type ToExt = { value: string } | { accept: true } | { active: true };

/** A window and an extension host with message queues between them; the extension asks `steps` steps. */
class Sim {
  win = '';
  toExt: ToExt[] = [];
  toWin: string[] = [];
  /** Values the extension set in its current turn: only the last goes out, when the turn ends. */
  batch: string | undefined;
  readonly ext = new StepText();
  readonly accepted: { text: string; trusted: boolean }[] = [];

  type(ch: string): void {
    this.win += ch;
    this.toExt.push({ value: this.win });
  }

  enter(): void {
    this.toExt.push({ accept: true });
  }

  /** The window applies one value the extension set. */
  land(): boolean {
    const v = this.toWin.shift();
    if (v === undefined) return false;
    if (v !== this.win) {
      this.win = v;
      this.toExt.push({ value: v });
    }
    return true;
  }

  /** The extension handles one event. */
  deliver(): boolean {
    const e = this.toExt.shift();
    if (!e) return false;
    if ('value' in e) {
      const fix = this.ext.onValue(e.value);
      if (fix !== undefined) this.batch = fix;
    } else if ('accept' in e) {
      const a = this.ext.accept();
      this.accepted.push({ text: a.text, trusted: a.trusted });
      if (a.set !== undefined) this.batch = a.set;
    } else this.ext.onActive();
    return true;
  }

  /** The extension's turn ends: its update goes out. */
  dispatch(): boolean {
    if (this.batch === undefined) return false;
    this.toWin.push(this.batch);
    this.batch = undefined;
    this.ext.dispatched();
    return true;
  }

  settle(): void {
    while (this.deliver() || this.dispatch() || this.land());
  }
}

for (const [alphabet, chars] of [['letters and digits', /^[a-z0-9]{1,5}$/], ['two digits (texts that repeat what was on its way)', /^[01]{1,5}$/]] as const) test(`every step gets the text typed for it, whatever arrives late (random interleavings, ${alphabet})`, () => {
  fc.assert(
    fc.property(
      fc.array(fc.stringMatching(chars), { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 200 }),
      (texts, schedule) => {
        const sim = new Sim();
        const keys = texts.flatMap((t) => [...t.split(''), '\n']);
        let k = 0;
        for (const pick of schedule) {
          if (pick === 0 && k < keys.length) {
            const key = keys[k++];
            if (key === '\n') sim.enter();
            else sim.type(key);
          } else if (pick === 1) sim.deliver();
          else if (pick === 2) sim.land();
          else sim.dispatch();
        }
        while (k < keys.length) {
          const key = keys[k++];
          if (key === '\n') sim.enter();
          else sim.type(key);
          // The rest typed ahead, nothing delivered in between.
        }
        sim.settle();
        assert.deepEqual(
          sim.accepted.map((a) => a.text),
          texts,
        );
        assert.equal(sim.win, '', 'the widget ends empty for the next step');
      },
    ),
    { numRuns: 3000 },
  );
});

test('keys typed on the old text, then on the cleared widget before the next value lands, all count (11270, not 170)', () => {
  const sim = new Sim();
  for (const c of 'web') {
    sim.type(c);
    sim.deliver();
  }
  sim.enter();
  sim.deliver();
  sim.dispatch(); // "" on its way
  sim.type('1'); // on "web"
  sim.deliver();
  sim.dispatch();
  sim.land(); // "" lands: the window shows ""
  sim.deliver();
  sim.type('1'); // on "": the same text as a value that was on its way before
  sim.deliver();
  sim.dispatch();
  sim.type('2');
  sim.deliver();
  sim.dispatch();
  sim.settle();
  for (const c of '70') sim.type(c);
  sim.enter();
  sim.settle();
  assert.deepEqual(sim.accepted.map((a) => a.text), ['web', '11270']);
});

test('three steps typed ahead before the extension sees any of it', () => {
  const sim = new Sim();
  for (const t of ['web', '7', 'exec']) {
    for (const c of t) sim.type(c);
    sim.enter();
  }
  sim.settle();
  assert.deepEqual(sim.accepted.map((a) => a.text), ['web', '7', 'exec']);
});

test('text typed after Enter on top of the old text is the next step\'s, and the widget shows only it', () => {
  const sim = new Sim();
  for (const c of 'web') sim.type(c);
  sim.settle();
  sim.enter();
  sim.deliver(); // the extension takes "web" and clears the widget: not landed yet
  sim.dispatch();
  sim.type('7'); // the window still shows "web": "web7"
  sim.deliver(); // the extension sees "web7": "7" is the next step's
  assert.equal(sim.ext.text, '7');
  sim.settle();
  assert.equal(sim.win, '7');
  assert.equal(sim.ext.text, '7');
});

test('the highlighted item is believed only after the window reported it for this step, with nothing of ours on its way', () => {
  const s = new StepText();
  s.onValue('w');
  s.itemsSet();
  assert.equal(s.accept().trusted, false, 'no highlight reported since the items were set');
  const pending = new StepText();
  pending.onValue('web');
  pending.accept(); // clears the widget: "" on its way
  pending.itemsSet();
  pending.onActive(); // from the old list, before the clear landed
  assert.equal(pending.accept().trusted, false, 'the clear has not landed');
  const ok = new StepText();
  ok.itemsSet();
  ok.onActive();
  assert.equal(ok.accept().trusted, true);
});
