/**
 * A multi-step quick pick that cannot race: one QuickPick kept open from the
 * first step to the last (never hidden and shown again in between), busy
 * while a step's items load, the text typed ahead kept for the step it was
 * typed for (./model/step-text), an Enter that comes before a step's items
 * applied to that step's text once they are there, and never to a default
 * item. A step ends only on the user's Enter (or Back, or Escape).
 */
import * as vscode from 'vscode';
import { StepText, type AcceptedText } from './model/step-text';
import type { Chosen } from './model/choose';

export const BACK = Symbol('back');

export interface FlowItem<T> extends vscode.QuickPickItem {
  value?: T;
}

export interface FlowStep<T> {
  title: string;
  placeholder: string;
  /** The step's items (the flow is busy meanwhile). Throw a FlowStop to end the flow with a message. */
  items(): FlowItem<T>[] | Promise<FlowItem<T>[]>;
  /** What typed text alone names (used when the highlighted item cannot be believed, or textFirst). */
  choose(text: string, items: readonly FlowItem<T>[]): Chosen<T>;
  /** Text decided by `choose` first, the highlighted item only when it names nothing (numbers: PIDs). */
  textFirst?(text: string): boolean;
  /** Free text: the items follow what is typed (a hint), Enter takes the text. */
  freeText?(text: string): FlowItem<T>[];
  matchOnDescription?: boolean;
  matchOnDetail?: boolean;
}

/** Thrown by a step's items(): the flow ends, and says why. */
export class FlowStop extends Error {
  constructor(
    message: string,
    readonly severity: 'warning' | 'error' = 'warning',
  ) {
    super(message);
  }
}

export type Answer<T> = { value: T; note?: string } | typeof BACK | undefined;

interface Asking<T> {
  step: FlowStep<T>;
  items: FlowItem<T>[];
  ready: boolean;
  resolve(a: Answer<T>): void;
}

export class StepFlow implements vscode.Disposable {
  private readonly qp = vscode.window.createQuickPick<FlowItem<unknown>>();
  private readonly text = new StepText();
  private current: Asking<unknown> | undefined;
  /** Enters that came before their step's items (or between steps): each decides its step by its text alone. */
  private early: AcceptedText[] = [];
  private done = false;
  private visible = false;
  private readonly subs: vscode.Disposable[];
  /** Every step the flow showed, in order (tests and logs read it). */
  readonly shown: string[] = [];

  constructor() {
    const qp = this.qp;
    // The flow keeps its place when focus moves; Escape ends it.
    qp.ignoreFocusOut = true;
    this.subs = [
      qp.onDidChangeValue((v) => {
        const fix = this.text.onValue(v);
        if (fix !== undefined) this.setValue(fix);
        const cur = this.current;
        if (cur?.ready && cur.step.freeText) this.setItems(cur, cur.step.freeText(this.text.text));
      }),
      qp.onDidChangeActive(() => this.text.onActive()),
      qp.onDidAccept(() => this.accept()),
      qp.onDidTriggerButton((b) => {
        if (b !== vscode.QuickInputButtons.Back || !this.current) return;
        const cur = this.current;
        this.current = undefined;
        const set = this.text.restore('');
        if (set !== undefined) this.setValue(set);
        cur.resolve(BACK);
      }),
      qp.onDidHide(() => {
        if (this.done) return;
        this.done = true;
        const cur = this.current;
        this.current = undefined;
        cur?.resolve(undefined);
      }),
    ];
  }

  /** Ask one step; BACK when the user went back, undefined when the flow was ended. */
  ask<T>(step: FlowStep<T>, canGoBack: boolean): Promise<Answer<T>> {
    if (this.done) return Promise.resolve(undefined);
    const qp = this.qp;
    qp.title = step.title;
    qp.placeholder = step.placeholder;
    qp.matchOnDescription = !!step.matchOnDescription;
    qp.matchOnDetail = !!step.matchOnDetail;
    qp.buttons = canGoBack ? [vscode.QuickInputButtons.Back] : [];
    qp.busy = true;
    this.shown.push(step.title);
    return new Promise<Answer<T>>((resolve) => {
      const cur: Asking<T> = { step, items: [], ready: false, resolve };
      this.current = cur as unknown as Asking<unknown>;
      this.setItems(cur, []);
      // Shown once: showing again would send this turn's changes at once, out of step with the text model.
      if (!this.visible) {
        this.visible = true;
        qp.show();
      }
      void Promise.resolve()
        .then(() => step.items())
        .then(
          (items) => {
            if (this.current !== (cur as unknown as Asking<unknown>)) return;
            this.setItems(cur, step.freeText ? step.freeText(this.text.text) : items);
            cur.ready = true;
            qp.busy = false;
            const early = this.early.shift();
            if (early) this.decide(cur, { text: early.text, trusted: false });
          },
          (err: unknown) => {
            if (this.current !== (cur as unknown as Asking<unknown>)) return;
            this.end();
            const message = `Container Trace: ${(err as Error).message}`;
            void (err instanceof FlowStop && err.severity === 'warning' ? vscode.window.showWarningMessage(message) : vscode.window.showErrorMessage(message));
            resolve(undefined);
          },
        );
    });
  }

  /**
   * The extension host sends what was set in one turn as one update, when
   * the turn ends (a timer it starts at the first change, before ours):
   * the text model learns after each turn what went out.
   */
  private setValue(v: string): void {
    this.qp.value = v;
    if (this.dispatching) return;
    this.dispatching = true;
    setTimeout(() => {
      this.dispatching = false;
      this.text.dispatched();
    }, 0);
  }

  private dispatching = false;

  private setItems<T>(cur: Asking<T>, items: FlowItem<T>[]): void {
    cur.items = items;
    this.qp.items = items as FlowItem<unknown>[];
    this.text.itemsSet();
  }

  private accept(): void {
    if (this.done) return;
    const cur = this.current;
    const accepted = this.text.accept();
    if (accepted.set !== undefined) this.setValue(accepted.set);
    if (!cur?.ready) {
      this.early.push(accepted); // its text decides its step once the items are there
      return;
    }
    this.decide(cur, accepted);
  }

  private decide<T>(cur: Asking<T>, accepted: Pick<AcceptedText, 'text' | 'trusted'>): void {
    const { step } = cur;
    const text = accepted.text.trim();
    const highlighted = accepted.trusted ? (this.qp.activeItems[0] as FlowItem<T> | undefined) : undefined;
    const active = highlighted && cur.items.includes(highlighted) && highlighted.value !== undefined ? highlighted : undefined;
    let chosen: Chosen<T> | undefined;
    if (step.freeText) chosen = step.choose(text, cur.items);
    else if (text && step.textFirst?.(text)) {
      chosen = step.choose(text, cur.items);
      if ('problem' in chosen && active) chosen = { value: active.value as T };
    } else if (active) chosen = { value: active.value as T };
    else if (text) chosen = step.choose(text, cur.items);
    if (!chosen || 'problem' in chosen) {
      // Nothing is picked on its own: the step stays, with its text and why.
      this.early = [];
      const set = this.text.restore(accepted.text);
      if (set !== undefined) this.setValue(set);
      this.qp.title = chosen ? `${step.title} — ${chosen.problem}` : step.title;
      return;
    }
    this.current = undefined;
    cur.resolve(chosen);
  }

  /** Close the quick pick (the flow is complete or abandoned). */
  end(): void {
    this.done = true;
    this.current = undefined;
    this.qp.hide();
  }

  dispose(): void {
    this.end();
    for (const s of this.subs) s.dispose();
    this.qp.dispose();
  }
}
