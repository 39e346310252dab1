/// <reference lib="dom" />
/**
 * Flows that do not lose the user, in a real VS Code in headless Chromium,
 * driven by the keyboard as a user would: "Trace Process in Container" from
 * the palette ten times in a row, carefully and typed ahead, each reaching the
 * process step (a host PID typed is accepted and said which process it is);
 * a PID link revealing its process on the first click, an exited one saying
 * so, an output-channel link on Ctrl+click; Copy as CLI run as printed;
 * errors with the action that fixes them; the tree and the Events table in
 * light, dark and high-contrast themes (screenshots in test-artifacts/).
 * Every step waits for a state, never for a time.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, startCodeServer, type CodeServer } from '../support/code-server';
import { cli, docker, installTarget, removeContainers, runContainer, skipReason } from '../support/integration';
import { REPO } from '../support/paths';

const skip = skipReason() ?? (fs.existsSync(CHROMIUM) ? undefined : 'chromium is not installed (apt-get install chromium)');
if (skip && process.env.CI) throw new Error(`e2e prerequisites missing under CI: ${skip}`);
const CONTAINER = `ct-e2e-flow-${process.pid}`;
const COMMAND = 'Container Trace: Trace Process in Container';

let server: CodeServer | undefined;
let browser: Browser | undefined;
let page: Page;

before(async () => {
  if (skip) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // init keeps a long-lived child (a process under a process in the tree) and starts another when
  // told through a FIFO (no polling: the container is quiet in between).
  runContainer(CONTAINER, 'mkfifo /tmp/go; sleep 1000 & while :; do read x < /tmp/go; sleep 1001 & done');
  installTarget(CONTAINER);
  server = await startCodeServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  page = await context.newPage();
  // No step waits without end: a state that does not come fails with what was seen.
  page.setDefaultTimeout(30_000);
  await page.goto(server.url({ extensionDevelopmentPath: REPO }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.activitybar [aria-label^="Container Trace"]').first().click();
  await row(CONTAINER).waitFor({ timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  removeContainers(CONTAINER);
});

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name) });

/** A test whose failure leaves a screenshot of what was on screen. */
function flowTest(name: string, timeout: number, body: () => Promise<void>): void {
  test(name, { skip, timeout }, async () => {
    try {
      await body();
    } catch (err) {
      await shot(`flows-failure-${name.slice(0, 40).replace(/\W+/g, '-')}.png`).catch(() => undefined);
      // The next test starts from a clean window: nothing open, no trace running.
      for (let i = 0; i < 3 && (await quickInput().catch(() => ({ open: false }))).open; i++) await page.keyboard.press('Escape').catch(() => undefined);
      await stopAll().catch(() => undefined);
      for (let i = 0; i < 3 && (await quickInput().catch(() => ({ open: false }))).open; i++) await page.keyboard.press('Escape').catch(() => undefined);
      throw err;
    }
  });
}
const row = (text: string | RegExp) => page.locator('.monaco-list-row', { hasText: text }).first();

/** Poll until `ok` holds; fails with the last state seen. */
async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let seen: T | undefined;
  for (;;) {
    try {
      seen = await probe();
      if (ok(seen)) return seen;
    } catch {
      /* re-rendered under the probe: look again */
    }
    if (Date.now() > deadline) {
      await shot(`flows-failure-${what.replace(/\W+/g, '-')}.png`);
      throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(seen)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface QuickInput {
  open: boolean;
  title: string;
  value: string;
  rows: { label: string; focused: boolean }[];
}

function quickInput(): Promise<QuickInput> {
  return page.evaluate(() => {
    const w = document.querySelector<HTMLElement>('.quick-input-widget');
    const open = !!w && w.style.display !== 'none' && w.checkVisibility();
    const text = (e: Element | null | undefined) => (e?.textContent ?? '').trim();
    return {
      open,
      title: open ? text(w!.querySelector('.quick-input-title')) : '',
      value: w?.querySelector<HTMLInputElement>('.quick-input-box input')?.value ?? '',
      rows: open
        ? Array.from(w!.querySelectorAll<HTMLElement>('.quick-input-list .monaco-list-row'))
            .filter((r) => r.checkVisibility())
            .map((r) => ({ label: text(r.querySelector('.label-name')), focused: r.classList.contains('focused') }))
        : [],
    };
  });
}

/** The command palette, by keyboard: F1, the command's name, Enter once it is the focused entry. */
async function palette(command: string): Promise<void> {
  await until('the quick input closed', quickInput, (s) => !s.open);
  await page.keyboard.press('F1');
  await until('the command palette', quickInput, (s) => s.open && s.value.startsWith('>'));
  await page.keyboard.type(command, { delay: 5 });
  await focusRow(command);
  await page.keyboard.press('Enter');
}

/** Arrow down to the entry labelled `label` (a list may rank a similar one first), as a user would. */
async function focusRow(label: string): Promise<void> {
  const shown = await until(`"${label}" listed`, quickInput, (s) => s.rows.some((r) => r.label === label));
  for (let i = 0; i < shown.rows.length && !(await quickInput()).rows.some((r) => r.focused && r.label === label); i++) {
    const before = (await quickInput()).rows.findIndex((r) => r.focused);
    await page.keyboard.press('ArrowDown');
    await until('the focus to move', quickInput, (s) => s.rows.findIndex((r) => r.focused) !== before);
  }
  await until(`"${label}" focused`, quickInput, (s) => s.rows.some((r) => r.focused && r.label === label));
}

const step = (re: RegExp, loaded?: (s: QuickInput) => boolean) => until(`the step ${re}`, quickInput, (s) => s.open && re.test(s.title) && (!loaded || loaded(s)));

interface Proc {
  pid: number;
  hostPid: number;
  cmdline: string[];
}
const processes = () => JSON.parse(cli('ps', CONTAINER, '--json').stdout) as Proc[];

flowTest('keyboard: ten runs of Trace Process in Container from the palette, each reaching the process step (careful and typed ahead; a host PID is accepted and said)', 600_000, async () => {
  const child = processes().find((p) => p.cmdline.join(' ') === 'sleep 1000')!;
  assert.ok(child, 'the long-lived child runs');
  const kindTitle = new RegExp(`PID ${child.pid} \\(sleep\\) in ${CONTAINER}`);
  for (let run = 1; run <= 10; run++) {
    await palette(COMMAND);
    const careful = run % 2 === 1;
    const typed = run === 4 || run === 9 ? child.hostPid : child.pid;
    if (careful) {
      // Each step as a user who looks: its items shown, then typed, then Enter.
      await step(/pick a container/, (s) => s.rows.some((r) => r.label.includes(CONTAINER)));
      await page.keyboard.type(CONTAINER, { delay: 10 });
      await page.keyboard.press('Enter');
      await step(/pick a process/, (s) => s.rows.some((r) => /All processes/.test(r.label)));
      await page.keyboard.type(String(typed), { delay: 10 });
      await page.keyboard.press('Enter');
    } else {
      // Typed ahead: the container, Enter, the PID, Enter, without waiting for the next step.
      await step(/pick a container/);
      await page.keyboard.type(CONTAINER, { delay: 5 });
      await page.keyboard.press('Enter');
      await page.keyboard.type(String(typed), { delay: 5 });
      await page.keyboard.press('Enter');
    }
    // The process step took the PID typed for it (never "All processes" by default).
    const kind = await step(/what to watch/);
    assert.match(kind.title, kindTitle, `run ${run}`);
    if (typed === child.hostPid) assert.match(kind.title, new RegExp(`host PID ${child.hostPid} = PID ${child.pid} in the container`), `run ${run}`);
    if (run === 4) await shot('flows-host-pid.png');
    if (run === 10) {
      // Back returns to the process step, which is asked again.
      await page.locator('.quick-input-widget .quick-input-left-action-bar .action-label').first().click();
      await step(/pick a process/, (s) => s.rows.some((r) => /All processes/.test(r.label)));
    }
    await page.keyboard.press('Escape');
    await until('the flow closed', quickInput, (s) => !s.open);
  }
});

/** The live view of this container's trace of `kind` (webviews are found by what they show, not by order). */
async function liveView(kind: string): Promise<FrameLocator> {
  const title = `${CONTAINER} · ${kind}`;
  return until(`the live view of ${kind}`, async () => {
    const n = await page.locator('iframe.webview.ready').count();
    for (let i = n - 1; i >= 0; i--) {
      const frame = page.frameLocator(`iframe.webview.ready >> nth=${i}`).frameLocator('#active-frame');
      if ((await frame.locator('#title').textContent({ timeout: 1000 }).catch(() => '')) === title) {
        const name = await page.locator('iframe.webview.ready').nth(i).getAttribute('name');
        return name ? page.frameLocator(`iframe.webview.ready[name="${name}"]`).frameLocator('#active-frame') : frame;
      }
    }
    return undefined;
  }, (f) => !!f) as Promise<FrameLocator>;
}

/** Palette → the container → all processes → `kind`; its live view, running. */
async function startTrace(kind: string, more: [RegExp, string][] = []): Promise<FrameLocator> {
  await palette(COMMAND);
  await step(/pick a container/, (s) => s.rows.some((r) => r.label.includes(CONTAINER)));
  await page.keyboard.type(CONTAINER, { delay: 5 });
  await page.keyboard.press('Enter');
  await step(/pick a process/, (s) => s.rows.some((r) => /All processes/.test(r.label)));
  await page.keyboard.type('All processes', { delay: 5 });
  await until('"All processes" focused', quickInput, (s) => s.rows.some((r) => r.focused && /All processes/.test(r.label)));
  await page.keyboard.press('Enter');
  await step(/what to watch/, (s) => s.rows.length > 0);
  await page.keyboard.type(kind, { delay: 5 });
  await until(`${kind} focused`, quickInput, (s) => s.rows.some((r) => r.focused && r.label.endsWith(kind)));
  await page.keyboard.press('Enter');
  for (const [title, text] of more) {
    await step(title);
    await page.keyboard.type(text, { delay: 5 });
    await page.keyboard.press('Enter');
  }
  const live = await liveView(kind);
  await live.locator('#state', { hasText: 'running' }).waitFor({ timeout: 60_000 });
  return live;
}

async function stopAll(): Promise<void> {
  // Stop All Traces is in the palette while a trace runs (the status bar counts them); then the traces end.
  if (await page.locator('.statusbar-item', { hasText: /\d+ traces?\b/ }).count()) {
    await palette('Container Trace: Stop All Traces');
    await until('no trace running', () => page.locator('.statusbar-item', { hasText: /\d+ traces?\b/ }).count(), (n) => n === 0);
  }
  await palette('View: Close All Editors');
}

/** Where `text` first appears inside an element matching `selector` (page coordinates), across its text nodes. */
function textBox(selector: string, text: string) {
  return page.evaluate(
    ([sel, t]) => {
      for (const el of Array.from(document.querySelectorAll(sel))) {
        const nodes: Text[] = [];
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
        const whole = nodes.map((n) => n.data).join('').replace(/\u00a0/g, ' ');
        const at = whole.indexOf(t);
        if (at < 0) continue;
        const place = (offset: number): [Text, number] => {
          for (const n of nodes) {
            if (offset <= n.data.length) return [n, offset];
            offset -= n.data.length;
          }
          return [nodes[nodes.length - 1], nodes[nodes.length - 1].data.length];
        };
        const r = document.createRange();
        r.setStart(...place(at));
        r.setEnd(...place(at + t.length));
        const b = r.getBoundingClientRect();
        if (b.width > 0) return { x: b.x, y: b.y, width: b.width, height: b.height };
      }
      return undefined;
    },
    [selector, text] as const,
  );
}

/** Every log the workbench and the extension host wrote, as text. */
function logs(): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log')) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(path.dirname(server!.workspace));
  return out.join('\n');
}

flowTest('PID links: the first click reveals a nested process in a collapsed container; an exited one says so; output links work with Ctrl+click; Copy as CLI runs as printed', 300_000, async () => {
  const live = await startTrace('exec');
  await live.locator('#tab-events').click();
  docker('exec', CONTAINER, 'sh', '-c', 'echo > /tmp/go');
  const sleepRow = live.locator('.rows .row', { hasText: 'sleep 1001' }).first();
  await sleepRow.waitFor({ timeout: 30_000 });
  const link = sleepRow.locator('a.pid').first();
  const pid = await link.innerText();
  const hostPid = Number(await sleepRow.locator('a.pid').nth(1).innerText());
  // The container is collapsed: the process sits under init, under the container.
  assert.equal(await row(CONTAINER).getAttribute('aria-expanded'), 'false');
  await link.click();
  const selected = page.locator('.monaco-list-row.selected', { hasText: new RegExp(`^\\s*${pid} sleep 1001`) });
  await selected.waitFor({ timeout: 30_000 });
  assert.equal(await row(CONTAINER).getAttribute('aria-expanded'), 'true', 'the container stays expanded');
  assert.doesNotMatch(logs(), /is already registered/, 'no duplicate tree ids');
  await shot('flows-pid-revealed.png');

  // A process that exited: its container is selected, and the user is told.
  const trigger = live.locator('.rows .row', { hasText: 'echo > /tmp/go' }).first();
  await trigger.locator('a.pid').first().click();
  await page.locator('.notification-toast', { hasText: /has exited; its container .* is selected/ }).waitFor({ timeout: 30_000 });
  await page.locator('.monaco-list-row.selected', { hasText: CONTAINER }).waitFor();

  // The output channel: the hover of "host <pid>" has a Reveal link (it works while events stream in) ...
  await row(CONTAINER).click();
  await page.locator('.monaco-list-row.selected', { hasText: CONTAINER }).waitFor();
  const box = await until('the output line of the process', () => textBox('.part.panel .view-line', `host ${hostPid}`), (b) => !!b, 30_000);
  await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
  const hover = page.locator('.monaco-hover a', { hasText: `Reveal host PID ${hostPid}` }).first();
  await hover.waitFor({ timeout: 30_000 });
  await hover.click();
  await selected.waitFor({ timeout: 30_000 });
  // ... and once the output is still, "host <pid>" is a link: Ctrl+click reveals the process.
  await row(CONTAINER).click();
  await page.locator('.monaco-list-row.selected', { hasText: CONTAINER }).waitFor();
  await page.locator('.part.panel .detected-link', { hasText: `host ${hostPid}` }).first().waitFor({ timeout: 30_000 });
  // Where the link is drawn now (the output re-renders its lines): Ctrl+click there.
  const at = (await until('the link drawn', () => textBox('.part.panel .view-line', `host ${hostPid}`), (b) => !!b))!;
  // As a hand does it: Ctrl held, the pointer onto the link (the editor underlines it), click.
  await page.mouse.move(at.x - 20, at.y + at.height / 2);
  await page.keyboard.down('Control');
  await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2, { steps: 5 });
  await page.mouse.down();
  await page.mouse.up();
  await page.keyboard.up('Control');
  await selected.waitFor({ timeout: 30_000 });

  // Copy as CLI: the command line, run as printed, traces the same container.
  await live.locator('#copy-cli').click();
  const status = page.locator('.statusbar-item', { hasText: 'Copied: ' }).first();
  await status.waitFor({ timeout: 30_000 });
  const line = (await status.innerText()).replace(/^.*Copied: /s, '').trim();
  const clip = await page.evaluate(() => navigator.clipboard.readText()).catch(() => undefined);
  if (clip !== undefined) assert.equal(clip, line, 'the clipboard has the line the status bar shows');
  assert.doesNotMatch(line, /[0-9a-f]{64}/, 'the container by name, not a 64-hex id');
  assert.match(line, new RegExp(`--container ${CONTAINER}( |$)`));
  const program = line.split(' ')[line.startsWith('sudo ') ? 1 : 0];
  assert.ok(fs.existsSync(program), `${program} exists`);
  // As a terminal runs it: the line as printed, in a process group of its own that Ctrl-C (SIGINT)
  // reaches; `exec` so that the exit code is the CLI's, not that of a shell the signal also hit.
  const run = spawn('sh', ['-c', `exec ${line}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  run.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await until('the CLI ready', async () => stderr, (s) => /ready/.test(s) || run.exitCode !== null, 60_000);
  assert.equal(run.exitCode, null, `the CLI runs: ${stderr}`);
  docker('exec', CONTAINER, 'sh', '-c', '/bin/echo from-the-cli; true');
  await until('the exec in the CLI output', async () => stdout, (s) => s.includes('from-the-cli'), 30_000);
  const exited = new Promise<number | null>((r) => run.once('exit', r));
  process.kill(-run.pid!, 'SIGINT');
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running 30 s after Ctrl-C'), 30_000).unref())]);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /summary: \d+ events received/);

  // Export…: JSON Lines saved where the dialog suggests; the notification opens the file.
  await live.locator('#export').click();
  await step(/Export trace/, (s) => s.rows.some((r) => r.label === 'JSON Lines'));
  await focusRow('JSON Lines');
  await page.keyboard.press('Enter');
  const dialog = await until('the save dialog', quickInput, (s) => s.open && /\.jsonl$/.test(s.value));
  await page.keyboard.press('Enter');
  const exported = page.locator('.notification-toast', { hasText: /Exported \d+ events to/ });
  await exported.waitFor();
  await exported.locator('.monaco-button', { hasText: 'Open' }).click();
  await page.locator('.tabs-container .tab', { hasText: path.basename(dialog.value) }).waitFor();
  await live.locator('#title').waitFor({ state: 'attached' });
  await page.locator('.tabs-container .tab', { hasText: `${CONTAINER} · exec` }).click();

  // Clear empties the Summary too (the process tree starts again).
  await live.locator('#tab-summary').click();
  await live.locator('ul.tree .node').first().waitFor();
  await live.locator('#clear').click();
  await until('the Summary cleared', () => live.locator('ul.tree .node').count(), (n) => n === 0);
  // Stopped: Pause has nothing left to hold back.
  await live.locator('#stop').click();
  await live.locator('#state', { hasText: 'ended' }).waitFor();
  assert.equal(await live.locator('#pause').isDisabled(), true, 'Pause is off once the trace ended');
  // Run Again on the ended trace: the same trace, running.
  const ended = row(new RegExp(`${CONTAINER} · exec`));
  await ended.hover();
  await ended.locator('.action-label[aria-label^="Run Again"]').click();
  await until('the trace running again', () => page.locator('.monaco-list-row', { hasText: new RegExp(`${CONTAINER} · exec`) }).allInnerTexts(), (rows) => rows.length === 2 && rows.some((r) => /events ·.*\/s/.test(r)));
  await stopAll();
});

flowTest('errors offer the fix: a function typo gets "Use ct_work", a PID gone before the start gets "Pick a Process"', 300_000, async () => {
  // uprobe with a misspelt function: the helper lists close matches, one click uses it.
  await palette(COMMAND);
  await step(/pick a container/, (s) => s.rows.some((r) => r.label.includes(CONTAINER)));
  await page.keyboard.type(CONTAINER, { delay: 5 });
  await page.keyboard.press('Enter');
  await step(/pick a process/, (s) => s.rows.some((r) => /All processes/.test(r.label)));
  await page.keyboard.type('All processes', { delay: 5 });
  await until('"All processes" focused', quickInput, (s) => s.rows.some((r) => r.focused && /All processes/.test(r.label)));
  await page.keyboard.press('Enter');
  await step(/what to watch/, (s) => s.rows.length > 0);
  await page.keyboard.type('uprobe', { delay: 5 });
  await until('uprobe focused', quickInput, (s) => s.rows.some((r) => r.focused && r.label.endsWith('uprobe')));
  await page.keyboard.press('Enter');
  await step(/uprobe: a path inside the container/);
  await page.keyboard.type('/bin/ct-target', { delay: 5 });
  await page.keyboard.press('Enter');
  await step(/uprobe: the function's symbol/);
  await page.keyboard.type('ct_wrok', { delay: 5 });
  await page.keyboard.press('Enter');
  const toast = page.locator('.notification-toast', { hasText: /no function "ct_wrok"/ });
  await toast.waitFor({ timeout: 60_000 });
  assert.doesNotMatch(await toast.innerText(), /see `container-trace/);
  await shot('flows-error-close-match.png');
  // The failed start is one short, collapsed entry in Traces.
  const failed = row(new RegExp(`${CONTAINER} · uprobe`));
  // The Traces view repaints at most twice a second: the toast may come before it says so.
  await until('the uprobe entry says it failed', () => failed.innerText(), (t) => /failed to start/.test(t));
  assert.equal(await failed.getAttribute('aria-expanded'), 'false');
  await toast.locator('.monaco-button', { hasText: 'Use ct_work' }).click();
  const live = await liveView('uprobe');
  await live.locator('#state', { hasText: 'running' }).waitFor({ timeout: 60_000 });
  await stopAll();

  // A process picked, gone before the trace starts: "Pick a Process" reopens the process step.
  docker('exec', '-d', CONTAINER, 'sleep', '1007');
  const brief = (await until('the brief process', async () => processes().find((p) => p.cmdline.join(' ') === 'sleep 1007'), (p) => !!p))!;
  await palette(COMMAND);
  await step(/pick a container/, (s) => s.rows.some((r) => r.label.includes(CONTAINER)));
  await page.keyboard.type(CONTAINER, { delay: 5 });
  await page.keyboard.press('Enter');
  await step(/pick a process/, (s) => s.rows.some((r) => /All processes/.test(r.label)));
  await page.keyboard.type(String(brief.pid), { delay: 5 });
  await page.keyboard.press('Enter');
  await step(/what to watch/, (s) => s.rows.length > 0);
  // Gone once picked, before the trace starts.
  docker('exec', CONTAINER, 'kill', String(brief.pid));
  await until('the brief process to exit', async () => fs.existsSync(`/proc/${brief.hostPid}`), (alive) => !alive, 30_000);
  await page.keyboard.press('Enter');
  const gone = page.locator('.notification-toast', { hasText: /no process with PID/ });
  await gone.waitFor({ timeout: 60_000 });
  assert.doesNotMatch(await gone.innerText(), /container-trace ps/, 'no command the user may not have');
  await gone.locator('.monaco-button', { hasText: 'Pick a Process' }).click();
  await step(new RegExp(`Trace in ${CONTAINER}: pick a process`), (s) => s.rows.some((r) => /All processes/.test(r.label)));
  await shot('flows-pick-a-process.png');
  await page.keyboard.press('Escape');
});

/** The Events table measured: each header cell over its column, each cell as tall as its row, the font's size. */
function measureTable(live: FrameLocator) {
  return live.locator('body').evaluate(() => {
    const head = Array.from(document.querySelectorAll<HTMLElement>('.events .head > span'));
    const first = document.querySelector<HTMLElement>('.rows .row');
    const cells = first ? Array.from(first.querySelectorAll<HTMLElement>(':scope > span')) : [];
    const cols = head.map((h, i) => ({ head: [Math.round(h.getBoundingClientRect().left), Math.round(h.getBoundingClientRect().right)], row: cells[i] ? [Math.round(cells[i].getBoundingClientRect().left), Math.round(cells[i].getBoundingClientRect().right)] : null }));
    const spans = Array.from(document.querySelectorAll<HTMLElement>('.rows .row > span'));
    const short = spans.filter((s) => s.clientHeight < parseFloat(getComputedStyle(s).fontSize) * 1.5 || s.scrollHeight > s.clientHeight).map((s) => s.textContent);
    return { cols, short, rows: spans.length, bodyClass: document.body.className };
  });
}

/** A color theme picked as a user picks one: Preferences: Color Theme, its name, Enter. */
async function setTheme(theme: string, cls: RegExp): Promise<void> {
  await palette('Preferences: Color Theme');
  await until('the theme picker', quickInput, (s) => s.open && s.rows.length > 0);
  await page.keyboard.type(theme, { delay: 5 });
  await focusRow(theme);
  await page.keyboard.press('Enter');
  await until(`the ${theme} theme`, () => page.evaluate(() => document.querySelector('.monaco-workbench')?.className ?? ''), (c) => cls.test(c));
}

flowTest('the tree and the Events table in light, dark and high-contrast themes: headers over their columns, no row clipped', 300_000, async () => {
  // Rows with underscores: open flags (O_RDONLY) and signal codes (SI_USER), each in its live view's Events tab.
  const open = await startTrace('open');
  docker('exec', CONTAINER, 'sh', '-c', 'cat /etc/hostname >/dev/null; cat /no_such_file 2>/dev/null; true');
  await open.locator('#tab-events').click();
  await open.locator('.rows .row', { hasText: 'O_RDONLY' }).first().waitFor({ timeout: 30_000 });
  const signal = await startTrace('signal');
  // Kinds without a Summary show their events at once (no tabs).
  if (await signal.locator('#tab-events').isVisible()) await signal.locator('#tab-events').click();
  docker('exec', CONTAINER, 'kill', '-USR1', '1');
  await signal.locator('.rows .row', { hasText: 'SI_USER' }).first().waitFor({ timeout: 30_000 });
  // The tree beside them: the container expanded, its processes under it.
  if ((await row(CONTAINER).getAttribute('aria-expanded')) !== 'true') await row(CONTAINER).click();
  await row(/sleep 1000/).waitFor();
  const themes: [string, RegExp, RegExp, string][] = [
    ['Dark Modern', /\bvs-dark\b/, /\bvscode-dark\b/, 'dark'],
    ['Light Modern', /\bvs\b(?!-)/, /\bvscode-light\b/, 'light'],
    ['Dark High Contrast', /\bhc-black\b/, /\bvscode-high-contrast(?!-)/, 'hc'],
    ['Light High Contrast', /\bhc-light\b/, /\bvscode-high-contrast-light\b/, 'hc-light'],
  ];
  for (const [theme, workbench, webview, name] of themes) {
    await setTheme(theme, workbench);
    for (const [live, kind] of [[open, 'open'], [signal, 'signal']] as const) {
      await page.locator('.tabs-container .tab', { hasText: `${CONTAINER} · ${kind}` }).click();
      const m = await until(`the ${kind} table drawn in ${name}`, () => measureTable(live), (v) => v.rows > 0 && webview.test(v.bodyClass));
      for (const [i, c] of m.cols.slice(0, 6).entries()) assert.ok(c.row && Math.abs(c.head[0] - c.row[0]) <= 1 && Math.abs(c.head[1] - c.row[1]) <= 1, `${kind} ${name}: column ${i} header ${c.head} over ${c.row}`);
      assert.deepEqual(m.short, [], `${kind} ${name}: cells shorter than their text`);
      await shot(`flows-tree-and-events-${kind}-${name}.png`);
    }
  }
  await setTheme('Light Modern', /\bvs\b(?!-)/);
  await stopAll();
});
