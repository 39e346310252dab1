/// <reference lib="dom" />
/**
 * Driving the real workbench without racing its rendering: every step waits
 * for the state it needs (the quick input open with this title, the value
 * typed in it, the exact row Enter will take focused) and fails with what it
 * saw when that state does not come. No fixed sleeps: a loaded machine makes
 * each step slower, never different.
 */
import type { Page } from 'playwright-core';

/** A generous deadline for a state to be reached; a step that needs more is broken, not slow. */
export const DEADLINE = 60_000;

/**
 * Poll `probe` until `ok` holds for what it returns; returns that value. On
 * the deadline, fails with the last value seen.
 */
export async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = DEADLINE): Promise<T> {
  const deadline = Date.now() + ms;
  let seen: T | undefined;
  let error: unknown;
  for (;;) {
    try {
      seen = await probe();
      error = undefined;
      if (ok(seen)) return seen;
    } catch (err) {
      error = err; // e.g. an element re-rendered under the probe: look again
    }
    if (Date.now() > deadline) {
      const last = error !== undefined ? `error ${String(error)}` : JSON.stringify(seen, null, 1);
      throw new Error(`timed out after ${ms} ms waiting for ${what}; last seen: ${last}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One visible row of the quick input's list. */
export interface PickRow {
  label: string;
  description: string;
  focused: boolean;
}

/** What the quick input (command palette, quick pick, input box) shows now. */
export interface QuickInputState {
  open: boolean;
  title: string;
  placeholder: string;
  value: string;
  /** The visible rows, top to bottom. */
  rows: PickRow[];
}

export function quickInputState(page: Page): Promise<QuickInputState> {
  return page.evaluate(() => {
    const widget = document.querySelector<HTMLElement>('.quick-input-widget');
    const open = !!widget && widget.checkVisibility();
    const input = widget?.querySelector<HTMLInputElement>('.quick-input-box input');
    const text = (e: Element | null | undefined) => (e?.textContent ?? '').trim();
    const rows = open
      ? Array.from(widget!.querySelectorAll<HTMLElement>('.quick-input-list .monaco-list-row'))
          .filter((r) => r.checkVisibility())
          .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
          .map((r) => ({
            label: text(r.querySelector('.quick-input-list-label .label-name')),
            description: text(r.querySelector('.quick-input-list-label .label-description')),
            focused: r.classList.contains('focused'),
          }))
      : [];
    return {
      open,
      title: open ? text(widget!.querySelector('.quick-input-title')) : '',
      placeholder: input?.placeholder ?? '',
      value: input?.value ?? '',
      rows,
    };
  });
}

const INPUT = '.quick-input-widget .quick-input-box input';

/** Close whatever quick input is open (Escape), and wait until it is gone. */
export async function closeQuickInput(page: Page): Promise<void> {
  if (!(await quickInputState(page)).open) return;
  await page.locator(INPUT).press('Escape');
  await until('the quick input to close', () => quickInputState(page), (s) => !s.open);
}

/**
 * Type `text` (if given) into the open quick input, then make the row `want`
 * accepts the focused one, moving with the arrow keys as a user would when
 * it is visible but not first; press Enter only then. `want` gets the focused
 * row, or undefined when no row is visible (an input box, or a typed value
 * nothing in the list matches).
 */
async function accept(page: Page, what: string, text: string | undefined, want: (row: PickRow | undefined) => boolean, ms: number): Promise<QuickInputState> {
  const input = page.locator(INPUT);
  if (text !== undefined) await input.fill(text);
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await until(
      `${what}: the value ${JSON.stringify(text)} and a row to take`,
      () => quickInputState(page),
      (s) => s.open && (text === undefined || s.value === text) && (want(s.rows.find((r) => r.focused)) || s.rows.some((r) => want(r))),
      Math.max(1, deadline - Date.now()),
    );
    const focused = s.rows.findIndex((r) => r.focused);
    if (want(s.rows[focused])) break;
    const target = s.rows.findIndex((r) => want(r));
    await input.press(focused < 0 || target > focused ? 'ArrowDown' : 'ArrowUp');
  }
  // Checked again at the last moment: the state Enter acts on is the one wanted.
  const now = await quickInputState(page);
  if (!want(now.rows.find((r) => r.focused)) || (text !== undefined && now.value !== text)) return accept(page, what, text, want, Math.max(1, deadline - Date.now()));
  await input.press('Enter');
  return now;
}

/**
 * Run a command from the command palette by its full label ("Category:
 * Title"): F1, the label typed, Enter once that exact command is the focused
 * row; returns when the palette has given way (closed, or the command's own
 * quick input is up).
 */
export async function runCommand(page: Page, label: string, ms = DEADLINE): Promise<void> {
  await until('no quick input open before the command palette', () => quickInputState(page), (s) => !s.open, ms);
  await page.keyboard.press('F1');
  await until('the command palette', () => quickInputState(page), (s) => s.open && s.value.startsWith('>'), ms);
  const typed = `>${label}`;
  await accept(page, `the command palette for ${label}`, typed, (r) => r?.label === label, ms);
  await until(`the palette to run ${label}`, () => quickInputState(page), (s) => !s.open || s.value !== typed, ms);
}

/**
 * Answer the quick pick or input box titled `title`: wait for it, type `text`
 * (if given), Enter once the focused row is one `want` accepts; returns when
 * it has given way (closed, or the next question is up).
 */
export async function answer(page: Page, title: RegExp, text: string | undefined, want: (row: PickRow | undefined) => boolean, ms = DEADLINE): Promise<void> {
  await until(`the quick input titled ${title}`, () => quickInputState(page), (s) => s.open && title.test(s.title), ms);
  const taken = await accept(page, `the quick input titled ${title}`, text, want, ms);
  await until(
    `the quick input titled ${title} to take ${JSON.stringify(text ?? taken.rows.find((r) => r.focused)?.label)}`,
    () => quickInputState(page),
    (s) => !s.open || !title.test(s.title) || (text !== undefined && s.value !== text),
    ms,
  );
}

/** `want` for a row whose label is exactly `label` (and description, when given). */
export const row = (label: string, description?: string) => (r: PickRow | undefined) => r?.label === label && (description === undefined || r.description === description);

/** `want` for a typed value the list does not offer (no row visible) or offers exactly. */
export const typedValue = (value: string) => (r: PickRow | undefined) => !r || r.label === value;
