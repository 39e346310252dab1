/**
 * Each kind's live view as a user meets it, in a real VS Code in a browser:
 * a trace started from the command palette, a real workload in the
 * container, and the Summary tab checked by what it shows — the syscall the
 * workload made at the top of the table with its count, the child process
 * under its parent, the loopback connection with its ports, the missing file
 * first among opened paths, the probed function's calls and latency. A PID
 * link reveals the process in the Containers view; Export… offers its three
 * formats (the files are read back in the extension-host suite). The container runtime's own
 * events (a docker exec's runc init) are hidden with the count the kernel marked, the toggle
 * shows them, the field filter picks by process; bind lists the listener with the conflict and
 * who holds it; signal puts the fatal SIGUSR1 first, sender → target. A screenshot of every view
 * goes to test-artifacts/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, startCodeServer, type CodeServer } from '../support/code-server';
import { docker, fixtureBinary, hostPidOf, IMAGE, installTarget, removeContainers, runContainer, skipReason, traceCli, waitFor } from '../support/integration';
import { answer, closeQuickInput, DEADLINE, quickInputState, row, runCommand, typedValue, until, type PickRow } from './workbench';
import { REPO } from '../support/paths';

const skip = skipReason() ?? (fs.existsSync(CHROMIUM) ? undefined : 'chromium is not installed (apt-get install chromium)');
if (skip && process.env.CI) throw new Error(`e2e prerequisites missing under CI: ${skip}`);
const CONTAINER = `ct-e2e-views-${process.pid}`;

let server: CodeServer | undefined;
let browser: Browser | undefined;
let page: Page;

before(async () => {
  if (skip) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  runContainer(CONTAINER, 'while :; do sleep 1; done');
  installTarget(CONTAINER);
  docker('exec', CONTAINER, 'touch', '/tmp/ct-go');
  server = await startCodeServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(server.url({ extensionDevelopmentPath: REPO }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.activitybar [aria-label^="Container Trace"]').first().click();
  await page.locator('.monaco-list-row', { hasText: CONTAINER }).waitFor({ timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  removeContainers(CONTAINER);
});

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name) });

/** "Trace Process in Container" → the test container → all processes → `kind`; the live view it opens. */
async function startTrace(kind: string, more: [RegExp, string, (r: PickRow | undefined) => boolean][] = [], container = CONTAINER): Promise<FrameLocator> {
  started = true;
  // A container the test just made: picked once the extension lists it.
  if (container !== CONTAINER) await page.locator('.monaco-list-row', { hasText: container }).waitFor({ timeout: 30_000 });
  await runCommand(page, 'Container Trace: Trace Process in Container');
  await answer(page, /pick a container/, container, row(container));
  await answer(page, /pick a process/, 'All processes', row('All processes in the container'));
  await answer(page, /what to watch/, kind, row(kind, 'all processes'));
  for (const [title, text, want] of more) await answer(page, title, text, want);
  // The newest webview: the trace's live view.
  const live = page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
  await live.locator('#state', { hasText: 'running' }).waitFor({ timeout: DEADLINE });
  await live.locator('#tab-summary[aria-selected=true]').waitFor({ timeout: DEADLINE });
  return live;
}

/** Whether the test started a trace (its teardown stops it). */
let started = false;

/**
 * Stop the trace and close its view, so the next one is the only webview.
 * "Stop All Traces" is offered while a trace runs: the Traces view's title
 * action shows when the workbench knows one does.
 */
async function finish(): Promise<void> {
  await closeQuickInput(page);
  if (started) {
    started = false;
    const offered = await page
      .locator('.pane-header .action-label[aria-label^="Stop All Traces"]')
      .waitFor({ state: 'attached', timeout: 30_000 })
      .then(() => true, () => false);
    if (offered) {
      await runCommand(page, 'Container Trace: Stop All Traces');
      const views = await page.locator('iframe.webview.ready').count();
      for (let i = 0; i < views; i++) {
        await page.frameLocator(`iframe.webview.ready >> nth=${i}`).frameLocator('#active-frame').locator('#state', { hasText: /^ended/ }).waitFor({ timeout: DEADLINE });
      }
    }
  }
  await runCommand(page, 'View: Close All Editors');
  await until('every live view to close', () => page.locator('iframe.webview').count(), (n) => n === 0);
}

/** What a test made for itself (its own containers, files), removed once its trace is stopped. */
const cleanups: (() => void)[] = [];

/** A view's test: whatever happens, its trace is stopped and its view closed for the next one. */
function viewTest(name: string, body: () => Promise<void>): void {
  test(name, { skip, timeout: 180_000 }, async () => {
    let failure: unknown;
    try {
      await body();
    } catch (err) {
      failure = err;
      await shot(`failure-${name.split(':')[0]}.png`).catch(() => undefined);
    }
    try {
      await finish();
    } catch (err) {
      if (!failure) throw err;
      console.error(`teardown after a failure also failed: ${(err as Error).message}`);
    } finally {
      // After the trace is stopped: a container removed under a running trace ends it while it is being stopped.
      for (const f of cleanups.splice(0)) f();
    }
    if (failure) throw failure;
  });
}

/**
 * Watch the top table in the view itself, at every rendering, until it has
 * shown `comm` `syscall` as its first row (while the process runs it is the
 * busiest: the table ranks by calls/s) and has shown it with at least `calls`
 * calls, every row above it then busier by calls/s (after the process ended
 * it ranks lower, by its rate). Returns whether both were seen, and the rows
 * seen (the first row of each rendering, and the workload's row wherever it was).
 */
function topRowReaches(live: FrameLocator, want: { comm: string; syscall: string; calls: number }, ms: number): Promise<{ ok: boolean; seen: string[] }> {
  return live.locator('body').evaluate(
    (body, { want, ms }) =>
      new Promise<{ ok: boolean; seen: string[] }>((resolve) => {
        const seen: string[] = [];
        let first = false;
        let full = false;
        const num = (t: string) => Number(t.replace(/,/g, ''));
        const check = () => {
          const rows = Array.from(body.querySelectorAll('section[data-panel=top] tbody tr'), (tr) => Array.from(tr.querySelectorAll('td'), (td) => (td.textContent ?? '').trim()));
          if (!rows.length) return;
          const at = rows.findIndex((c) => c[1] === want.comm && c[2] === want.syscall);
          const text = `${rows[0].join(' | ')}${at > 0 ? `   (row ${at + 1}: ${rows[at].join(' | ')})` : ''}`;
          if (seen[seen.length - 1] !== text) seen.push(text);
          if (at === 0) first = true;
          if (at >= 0 && num(rows[at][4]) >= want.calls && rows.slice(0, at).every((c) => num(c[3]) >= num(rows[at][3]))) full = true;
          if (first && full) done(true);
        };
        const observer = new MutationObserver(check);
        const timer = setTimeout(() => done(false), ms);
        function done(ok: boolean) {
          observer.disconnect();
          clearTimeout(timer);
          resolve({ ok, seen: [`first row seen: ${first}; all calls seen in rank: ${full}`, ...seen.slice(-30)] });
        }
        observer.observe(body, { subtree: true, childList: true, characterData: true });
        check();
      }),
    { want, ms },
  );
}

viewTest('syscalls: the top table puts the workload\'s syscall first with its count; a row shows its latency histogram; the rate is charted', async () => {
  const live = await startTrace('syscalls');
  const watching = topRowReaches(live, { comm: 'ct-target', syscall: 'getppid', calls: 300_000 }, DEADLINE);
  docker('exec', CONTAINER, '/bin/ct-target', 'syscall', '300000');
  const { ok, seen } = await watching;
  assert.ok(ok, `ct-target's getppid was not first while it ran, or never showed all 300,000 calls in its rank; rows seen (PID | Comm | Syscall | Calls/s | Calls | …):\n${seen.join('\n')}`);
  // Its latency histogram, by selecting it (wherever later reports rank it).
  await live.locator('section[data-panel=top] tbody tr', { has: live.locator('td', { hasText: /^getppid$/ }), hasText: 'ct-target' }).click();
  await live.locator('section[data-panel=top-hist] h3', { hasText: 'ct-target getppid' }).waitFor({ timeout: DEADLINE });
  await live.locator('section[data-panel=top-hist] canvas').waitFor();
  await live.locator('section[data-panel=rate] canvas').waitFor();
  await shot('view-syscalls.png');
  await highContrastShots('view-syscalls');
});

viewTest('exec: the process tree has the children under their parent with their command lines; the flat list is one click away; a PID link reveals the process', async () => {
  const live = await startTrace('exec');
  // `; true` keeps sh from exec'ing the last command itself: both are its children.
  docker('exec', CONTAINER, 'sh', '-c', '/bin/sleep 0.2; /bin/echo tree-marker; true');
  const parent = live.locator('ul.tree > li', { has: live.locator('.node .detail', { hasText: 'sh -c /bin/sleep 0.2' }) });
  await parent.locator('ul li .node .detail', { hasText: 'echo tree-marker' }).waitFor({ timeout: DEADLINE });
  await parent.locator('ul li .node .detail', { hasText: 'sleep 0.2' }).waitFor({ timeout: DEADLINE });
  await shot('view-exec-tree.png');
  await highContrastShots('view-exec-tree');
  await live.locator('button.link', { hasText: 'flat list' }).click();
  await live.locator('section[data-panel=tree] > .node', { has: live.locator('.comm', { hasText: /^echo$/ }) }).waitFor({ timeout: DEADLINE });
  await live.locator('button.link', { hasText: 'as a tree' }).click();

  // A PID link reveals the process in the Containers view (the container's init, PID 1, still running: the loop's sleeps are its children).
  const init = live.locator('ul.tree .node a.pid', { hasText: /^1$/ }).first();
  await init.click({ timeout: DEADLINE });
  await page.locator('.monaco-list-row.selected', { hasText: /^1 / }).waitFor({ timeout: DEADLINE });
  await shot('view-pid-revealed.png');
});

viewTest('exit and proctree: a shell that exits 3 after its 1.2 s sleep, the sleep under it exiting 0, each with its lifetime', async () => {
  for (const kind of ['exit', 'proctree'] as const) {
    const live = await startTrace(kind);
    // `; exit 3` keeps sh from exec'ing the sleep itself: sleep is its child, sh exits 3 (as docker exec says).
    assert.equal(spawnSync('docker', ['exec', CONTAINER, 'sh', '-c', '/bin/sleep 1.2; exit 3']).status, 3);
    // The kernel's view: the same processes' exit codes, as the workload made them.
    const shell = live.locator('ul.tree li', { has: live.locator(':scope > .node .detail', { hasText: /exit 3 after/ }) }).first();
    const shellText = await until(`${kind}: the shell's exit 3`, () => shell.locator(':scope > .node .detail').innerText(), (t) => /exit 3 after 1\.[2-9] s/.test(t));
    assert.doesNotMatch(shellText, /exit 0/);
    const sleep = shell.locator('ul li .node', { has: live.locator('.comm', { hasText: /^sleep$/ }) }).first();
    await until(`${kind}: the sleep under the shell, exit 0 after its 1.2 s`, () => sleep.locator('.detail').innerText(), (t) => /exit 0 after 1\.[2-9] s/.test(t));
    assert.match((await shell.locator(':scope > .node').getAttribute('class')) ?? '', /\bfailed\b/, `${kind}: the shell's exit 3 is marked failed`);
    assert.doesNotMatch((await sleep.getAttribute('class')) ?? '', /\bfailed\b/, `${kind}: the sleep's exit 0 is not`);
    await shot(`view-${kind}.png`);
    await highContrastShots(`view-${kind}`);
    await finish();
  }
});

/** Whether the container's network namespace has a TCP socket listening on `port` (its /proc/net/tcp and tcp6). */
function listening(port: number): boolean {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['tcp', 'tcp6'].some((f) =>
    fs
      .readFileSync(`/proc/${hostPidOf(CONTAINER)}/net/${f}`, 'utf8')
      .split('\n')
      .slice(1)
      .some((l) => {
        const [, addr, , state] = l.trim().split(/\s+/);
        return addr?.endsWith(local) && state === '0A';
      }),
  );
}

viewTest('tcp: the loopback connection appears with its ports, updated through its states', async () => {
  const live = await startTrace('tcp');
  // Loopback inside the container's own network namespace (it has no other network).
  // The listener waits long enough for a client on a loaded machine; the client connects once it listens.
  docker('exec', '-d', CONTAINER, 'sh', '-c', 'echo hello | busybox nc -w 30 -l -p 18080 >/dev/null');
  await waitFor('the listener on port 18080', () => listening(18080), DEADLINE);
  docker('exec', '-d', CONTAINER, 'sh', '-c', 'echo hi | busybox nc -w 1 127.0.0.1 18080 >/dev/null');
  const row = live.locator('section[data-panel=connections] tbody tr', { hasText: '127.0.0.1:18080' }).first();
  await row.waitFor({ timeout: DEADLINE });
  await row.locator('td', { hasText: /ESTABLISHED|CLOSE/ }).first().waitFor({ timeout: DEADLINE });
  // Every column in view, the numbers whole: the table fits its panel (the long "Through" column gives way).
  const fit = await live.locator('section[data-panel=connections]').evaluate((box) => {
    const right = box.getBoundingClientRect().right;
    const heads = Array.from(box.querySelectorAll('th'), (th) => ({ label: (th.textContent ?? '').trim(), right: th.getBoundingClientRect().right }));
    const scroll = box.querySelector('.table-scroll') as HTMLElement;
    return { right, heads, overflow: scroll.scrollWidth - scroll.clientWidth };
  });
  assert.deepEqual(fit.heads.map((h) => h.label), ['PID', 'Comm', 'Local', 'Remote', 'State', 'Through', 'Duration', 'Sent', 'Received']);
  assert.ok(fit.overflow <= 0 && fit.heads.every((h) => h.right <= fit.right + 0.5), `a column is cut off: ${JSON.stringify(fit)}`);
  await shot('view-tcp.png');
  await highContrastShots('view-tcp');
});

viewTest('open: paths grouped, the failing one first with its errno; the filter applies; Export… offers JSON Lines, Perfetto and CSV', async () => {
  const live = await startTrace('open');
  docker('exec', CONTAINER, 'sh', '-c', 'cat /no-such-file-here 2>/dev/null; cat /etc/hostname >/dev/null; cat /no-such-file-here 2>/dev/null; true');
  // Both failed opens counted (they may arrive in two reports): the first row once it has them.
  const rows = live.locator('section[data-panel=paths] tbody tr');
  await until('the first path row to be the missing file, opened and failed twice', () => rows.first().locator('td').allInnerTexts().then((c) => c.join(' | ')), (t) => /\/no-such-file-here \| 2 \| 2 \| ENOENT ×2/.test(t));
  await shot('view-open.png');
  await highContrastShots('view-open');
  await live.locator('#filter').fill('hostname');
  await until('the filter to leave only /etc/hostname in the summary', () => rows.allInnerTexts(), (r) => r.length === 1 && r[0].includes('/etc/hostname'));
  await live.locator('#filter').fill('');
  await live.locator('#tab-events').click();
  await live.locator('.rows .row', { hasText: 'no-such-file-here' }).first().waitFor({ timeout: DEADLINE });
  await shot('view-open-events.png');

  // Export… offers the three formats (the files themselves are checked in the extension-host suite).
  await live.locator('#export').click();
  const formats = ['JSON Lines', 'Perfetto trace', 'Summary table as CSV'];
  await until('the Export trace pick with its three formats', () => quickInputState(page), (s) => s.open && /Export trace/.test(s.title) && formats.every((f) => s.rows.some((r) => r.label.includes(f))));
  await shot('view-export-formats.png');
  await closeQuickInput(page);
});

viewTest('open with stacks: a failed open\'s row shows, when selected, the function and line of the container\'s program that called open()', async () => {
  // Built without frame pointers: its caller is found by the .eh_frame unwinding.
  docker('cp', fixtureBinary('ct-stack', ['-O1']), `${CONTAINER}:/bin/ct-stack`);
  const source = fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'ct-stack.c'), 'utf8').split('\n');
  const openLine = source.findIndex((l) => l.includes('/* the failed open */')) + 1;
  const live = await startTrace('open — failed only, with stacks');
  docker('exec', CONTAINER, '/bin/ct-stack', '1', 'now', 'nocrash');
  await live.locator('#tab-events').click();
  const failed = live.locator('.rows .row.has-stack', { hasText: 'ct-missing.conf' }).first();
  await failed.waitFor({ timeout: DEADLINE });
  await failed.click();
  const frames = live.locator('#frames-text');
  await until('the selected row\'s frames', () => frames.innerText(), (t) => new RegExp(`ct_open_config [^\\n]*ct-stack\\.c:${openLine} `).test(t) && /\nmain /.test(t));
  assert.match(await live.locator('#frames-title').innerText(), /^Stack of ct-stack \(PID \d+, host \d+\)/);
  await shot('view-open-stack.png');
  // Selected again: the frames close.
  await failed.click();
  await until('the frames to close', () => live.locator('#frames').isHidden(), (h) => h);
});

/** The view's counters as shown: received, what the helper said it sent (the received count's tooltip), rate, state. */
function viewCounters(live: FrameLocator): Promise<{ received: number; sent: number | null; rate: number; state: string }> {
  return live.locator('body').evaluate(() => {
    const text = (id: string) => document.getElementById(id)?.textContent ?? '';
    const num = (t: string) => Number(t.replace(/[^\d]/g, ''));
    const sent = document.getElementById('received')?.dataset.sent;
    return { received: num(text('received')), sent: sent ? Number(sent) : null, rate: num(text('rate')), state: text('state') };
  });
}

/** The Traces view's row of the trace: its events count and what else it says. */
async function tracesRow(): Promise<string> {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Traces/i }) });
  return (await pane.locator('.monaco-list-row').first().innerText()).replace(/\s+/g, ' ');
}

/** A rate as a surface shows it (`1,234/s` in the Traces view and the status bar); null when none is shown. */
const rateIn = (text: string) => {
  const m = / ([\d,]+)\/s/.exec(text);
  return m ? Number(m[1].replace(/,/g, '')) : null;
};
/** The container's own idle rate: its loop runs `sleep 1`, an exit a second (and none of the load). */
const IDLE_RATE = 5;

viewTest('a busy container: once the load ends, the view counts what the helper sent, and the Traces view and status bar say the same', async () => {
  const live = await startTrace('exit');
  // 40,000 processes at 10,000 a second (vfork + _exit): an exit each.
  docker('exec', CONTAINER, '/bin/ct-target', 'fork', '40000', '10000');
  const settled = await until(
    'the view to count what the helper sent (its stats, once a second), at no more than the container\'s idle rate',
    () => viewCounters(live),
    // The helper says what it sent once a second and the idle loop adds an exit a second: with the two
    // in step the view is one ahead of the last stats for most of each second (an exit since them).
    (c) => c.sent !== null && c.sent >= 40_000 && c.received >= c.sent && c.received <= c.sent + 1 && c.rate < IDLE_RATE,
  );
  // The container's loop goes on (an exit a second): each surface is read until it shows the count the view showed or later, at the idle rate.
  const counted = (t: string) => Number(/([\d,]+) events/.exec(t)?.[1].replace(/,/g, '') ?? -1);
  await until('the Traces view to show the view\'s count (or the few exits since) at the idle rate', tracesRow, (t) => counted(t) >= settled.received && counted(t) < settled.received + 10 && (rateIn(t) ?? Infinity) < IDLE_RATE);
  await until('the status bar to show the idle rate', () => page.locator('.statusbar-item', { hasText: /traces? · / }).first().innerText(), (t) => (rateIn(t) ?? Infinity) < IDLE_RATE);
  await shot('view-busy-settled.png');
  // Stop: said at once, then ended with the helper's final count, which the view shows.
  await live.locator('#stop').click();
  await live.locator('#state', { hasText: /^(stopping…|ended)/ }).waitFor({ timeout: DEADLINE });
  const ended = await until('the view to end with the helper\'s final count', () => viewCounters(live), (c) => /^ended/.test(c.state) && c.sent !== null && c.received === c.sent);
  started = false; // stopped here: teardown only closes the view
  assert.ok(ended.received >= 40_000, `every exit counted (${ended.received})`);
  await until('the Traces view to end with the same count', tracesRow, (t) => t.includes(`${ended.received.toLocaleString('en-US')} events`) && /stopped/.test(t));
  await shot('view-busy-stopped.png');
});

viewTest('uprobe: calls per second and the latency histogram of the probed function', async () => {
  const live = await startTrace('uprobe', [
    [/uprobe: a path inside the container/, '/bin/ct-target', typedValue('/bin/ct-target')],
    [/uprobe: the function's symbol/, 'ct_work', typedValue('ct_work')],
  ]);
  docker('exec', '-d', CONTAINER, '/bin/ct-target', 'work', '3000');
  await live.locator('section[data-panel=latency] h3', { hasText: /p99 ≤/ }).waitFor({ timeout: DEADLINE });
  await live.locator('section[data-panel=rate] h3', { hasText: /ct_work in \/bin\/ct-target · 3,?000 calls/ }).waitFor({ timeout: DEADLINE });
  // A line on the chart (two whole seconds) for the screenshot.
  await until('two seconds on the rate chart', () => live.locator('section[data-panel=rate]').getAttribute('aria-label'), (l) => Number(/: (\d+) points/.exec(l ?? '')?.[1] ?? 0) >= 2);
  await shot('view-uprobe.png');
  await highContrastShots('view-uprobe');
});

/** A process's CPU time as the kernel counts it (utime + stime of /proc/<pid>/stat), seconds. */
function cpuSeconds(hostPid: number): number {
  const f = fs.readFileSync(`/proc/${hostPid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
}

/** The samples of a function's frames in the flame graph (wherever it was called from), from their hover text. */
async function frameSamples(live: FrameLocator, name: string): Promise<number> {
  const titles = await live.locator(`section[data-panel=flame] .frame[data-name="${name}"]`).evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
  return titles.reduce((n, t) => n + Number(/^([\d,]+) samples/m.exec(t)?.[1]?.replace(/,/g, '') ?? 0), 0);
}

viewTest('profile: the flame graph has the workload\'s two loops by their known shares (3:1) and as many samples as the kernel gave it CPU; the filter marks a function with its share; a click zooms', async () => {
  docker('cp', fixtureBinary('ct-profile', ['-O0', '-fno-omit-frame-pointer']), `${CONTAINER}:/bin/ct-profile`);
  docker('exec', CONTAINER, 'sh', '-c', 'pkill ct-profile; rm -f /tmp/ct-go; true');
  const live = await startTrace('profile');
  // The workload waits for /tmp/ct-go, spins 3 s of CPU (ct_spin_long three quarters of it), then waits.
  docker('exec', '-d', CONTAINER, '/bin/ct-profile', '3');
  const id = docker('inspect', '-f', '{{.Id}}', CONTAINER).trim();
  const hostPid = await waitFor('the workload on the host', () => execFileSync('pgrep', ['-x', 'ct-profile'], { encoding: 'utf8' }).split('\n').map(Number).find((p) => p && fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(id)), DEADLINE);
  docker('exec', CONTAINER, 'touch', '/tmp/ct-go');
  await waitFor('the workload to spin its 3 s', () => cpuSeconds(hostPid) >= 3, DEADLINE);
  const cpu = cpuSeconds(hostPid);
  // Its samples reach the view with the report after it stopped spinning (every 5 s): 99 a second of its CPU.
  const want = cpu * 99;
  await until('the workload\'s samples in the flame graph', () => frameSamples(live, 'ct-profile'), (n) => n >= want * 0.85, 30_000);
  // One more report (5 s) for what the kernel counted until it stopped spinning; then nothing comes.
  await new Promise((r) => setTimeout(r, 6000));
  const samples = await frameSamples(live, 'ct-profile');
  assert.ok(samples <= want * 1.15, `${samples} samples for ${cpu.toFixed(2)} s of CPU at 99 Hz (${Math.round(want)})`);
  const long = await frameSamples(live, 'ct_spin_long');
  const short = await frameSamples(live, 'ct_spin_short');
  const share = long / (long + short);
  assert.ok(Math.abs(share - 0.75) < 0.07, `ct_spin_long ${long}, ct_spin_short ${short}: ${(100 * share).toFixed(1)}%, known 75%`);
  // The functions table agrees, with file and line from the container's binary.
  const row = live.locator('section[data-panel=functions] tbody tr', { hasText: 'ct_spin_long' }).first();
  const cells = await row.locator('td').allInnerTexts();
  assert.match(cells[1], /^ct-profile\.c:\d+$/);
  assert.equal(Number(cells[4].replace(/,/g, '')), long, 'total samples as in the graph');
  assert.ok(Number(cells[2].replace(/,/g, '')) >= long * 0.95, 'self: nearly all (the rest: kernel frames above it, when an interrupt came)');
  await shot('view-profile.png');
  await highContrastShots('view-profile');

  // The filter marks the function and says its share of the samples, as the table's Total %.
  await live.locator('#filter').fill('ct_spin_long');
  const said = await until('the match\'s share', () => live.locator('.flame-match-text').innerText().catch(() => ''), (t) => /frames? match: [\d.]+%/.test(t));
  // The table as drawn with it (the container's own shell keeps adding a few samples: both grow).
  const nowCells = await row.locator('td').allInnerTexts();
  assert.ok(Math.abs(Number(/([\d.]+)%/.exec(said)![1]) - Number(nowCells[5])) <= 0.5, `${said} vs the table's Total % ${nowCells[5]}`);
  await live.locator('section[data-panel=flame] .frame.match[data-name=ct_spin_long]').waitFor({ timeout: DEADLINE });
  await live.locator('#filter').fill('');

  // A click zooms into a frame: it spans the width, its callers stay.
  await live.locator('section[data-panel=flame] .frame[data-name=ct_spin_short]').first().click();
  await live.locator('.flame-controls', { hasText: 'zoomed into ct_spin_short' }).waitFor({ timeout: DEADLINE });
  assert.equal(await live.locator('section[data-panel=flame] .frame[data-name=ct_spin_short]').first().evaluate((e) => (e as HTMLElement).style.width), '100%');
  await shot('view-profile-zoomed.png');
  await live.locator('.flame-controls button', { hasText: 'Reset zoom' }).click();
  await live.locator('.flame-controls', { hasText: 'click a frame to zoom' }).waitFor({ timeout: DEADLINE });

  // Export… offers the profile's formats first.
  await live.locator('#export').click();
  await until('the Export trace pick with pprof and folded stacks', () => quickInputState(page), (st) => st.open && ['pprof profile', 'Folded stacks', 'JSON Lines'].every((f) => st.rows.some((r) => r.label.includes(f))));
  await closeQuickInput(page);
  docker('exec', CONTAINER, 'sh', '-c', 'pkill ct-profile; true');
});

viewTest('profile off-CPU: the flame graph weighs where the threads wait by the time waited (the workload\'s 30 ms and 10 ms sleeps, 3:1), in time units', async () => {
  docker('cp', fixtureBinary('ct-offcpu', ['-O0', '-fno-omit-frame-pointer', '-pthread']), `${CONTAINER}:/bin/ct-offcpu`);
  docker('exec', CONTAINER, 'sh', '-c', 'pkill ct-offcpu; rm -f /tmp/ct-go; true');
  const live = await startTrace('profile — off-CPU: where it waits');
  docker('exec', '-d', CONTAINER, '/bin/ct-offcpu', '60');
  await new Promise((r) => setTimeout(r, 500));
  docker('exec', CONTAINER, 'touch', '/tmp/ct-go');
  await live.locator('section[data-panel=flame] h3', { hasText: /Off-CPU flame graph · [\d.]+ (s|ms) off the CPU/ }).waitFor({ timeout: DEADLINE });
  const totalPct = async (fn: string) => Number((await live.locator('section[data-panel=functions] tbody tr', { hasText: fn }).first().locator('td').allInnerTexts())[5]);
  // Two reports (5 s each) of the workload's sleeps: ct_wait_long three quarters of its main thread's time off the CPU.
  await until('both waits in the functions table', async () => [await totalPct('ct_wait_long').catch(() => 0), await totalPct('ct_wait_short').catch(() => 0)], ([l, sh]) => l > 0 && sh > 0, 30_000);
  await new Promise((r) => setTimeout(r, 5500));
  const long = await totalPct('ct_wait_long');
  const short = await totalPct('ct_wait_short');
  assert.ok(Math.abs(long / (long + short) - 0.75) < 0.07, `ct_wait_long ${long} %, ct_wait_short ${short} % of the time off the CPU: known 3:1`);
  const head = await live.locator('section[data-panel=functions] thead').innerText();
  assert.match(head, /Self time/);
  const hover = await live.locator('section[data-panel=flame] .frame[data-name=ct_wait_long]').first().getAttribute('title');
  assert.match(hover ?? '', /ct-offcpu\.c:\d+\n[\d.]+ (s|ms) \([\d.]+ ?%\)/, hover ?? '');
  await shot('view-profile-offcpu.png');
  docker('exec', CONTAINER, 'sh', '-c', 'pkill ct-offcpu; true');
});

/** The live view's runtime toggle: its count (a number) and whether it says hidden or shown. */
async function runtimeBox(live: FrameLocator): Promise<{ count: number; word: string; text: string }> {
  const text = (await live.locator('#runtime-box').innerText()).replace(/\s+/g, ' ').trim();
  return { count: Number(/^([\d,]+)/.exec(text)?.[1]?.replace(/,/g, '') ?? 0), word: await live.locator('#runtime-word').innerText(), text };
}

/** A color theme picked as a user picks one (Preferences: Color Theme, its name, Enter once it is the focused row), then a screenshot in it. */
const THEMES = {
  'Light Modern': /\bvs\b(?!-)/,
  'Light High Contrast': /\bhc-light\b/,
  'Dark High Contrast': /\bhc-black\b/,
} as const;
async function setTheme(theme: keyof typeof THEMES): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  await answer(page, /.*/, theme, row(theme));
  await until(`the ${theme} theme`, () => page.evaluate(() => document.querySelector('.monaco-workbench')?.className ?? ''), (c) => THEMES[theme].test(c));
}

/** Screenshots of the view as it is in both high-contrast themes, then back to the light one. */
async function highContrastShots(name: string): Promise<void> {
  await setTheme('Light High Contrast');
  await shot(`${name}-hc-light.png`);
  await setTheme('Dark High Contrast');
  await shot(`${name}-hc.png`);
  await setTheme('Light Modern');
}

const shownCount = async (live: FrameLocator) => Number((await live.locator('#shown').innerText()).replace(/,/g, ''));

viewTest('runtime noise: a docker exec\'s runc init events are hidden with the count the kernel marked, Show shows them, the field filter picks by process', async () => {
  const live = await startTrace('open');
  // The same trace through the CLI: the kernel's runtime marks as JSON lines, to count against.
  const cliTrace = traceCli('open', '--container', CONTAINER);
  try {
    await cliTrace.ready;
    docker('exec', CONTAINER, 'cat', '/etc/hostname');
    const catOpen = await waitFor('cat\'s open of /etc/hostname in the CLI\'s trace', () => cliTrace.events.find((e) => e.comm === 'cat' && e.path === '/etc/hostname'), DEADLINE);
    assert.equal(catOpen.runtime, undefined, 'cat is the container\'s program, not the runtime');
    // runc's init (Docker's runtime here) opened files in the container before it exec'd cat: marked by the kernel.
    const marked = () => cliTrace.events.filter((e) => e.runtime === true);
    assert.ok(marked().length > 0, 'the kernel marked none of the exec\'s events as the runtime\'s');
    assert.ok(marked().every((e) => String(e.comm).startsWith('runc')), `runtime events not runc's: ${JSON.stringify(marked().map((e) => e.comm))}`);
    const cats = () => cliTrace.events.filter((e) => e.comm === 'cat').length;

    // Events: hidden, counted as the kernel marked them; none of runc's rows drawn; cat's open is.
    await live.locator('#tab-events').click();
    const box = await until('the Events tab to count the runtime\'s events as the CLI got them', () => runtimeBox(live), (b) => b.count === marked().length && b.word === 'hidden');
    assert.match(box.text, /^[\d,]+ events? of the container runtime hidden Show$/);
    await live.locator('.rows .row', { hasText: '/etc/hostname' }).first().waitFor({ timeout: DEADLINE });
    const comms = await live.locator('.rows .row > span:nth-child(5)').allInnerTexts();
    assert.ok(comms.includes('cat') && !comms.some((c) => c.startsWith('runc')), `rows drawn: ${comms.join(', ')}`);
    await shot('view-runtime-hidden.png');

    // Show: the runtime's rows are there (is:runtime picks exactly them), marked as such.
    await live.locator('#runtime-toggle').click();
    await until('the toggle to say shown', () => runtimeBox(live), (b) => b.word === 'shown' && b.count === marked().length);
    await live.locator('.rows .row.runtime', { hasText: 'runc:' }).first().waitFor({ timeout: DEADLINE });
    await shot('view-runtime-shown.png');
    await highContrastShots('view-runtime-shown');
    await live.locator('#filter').fill('is:runtime');
    await until('is:runtime to leave the runtime\'s events only', () => shownCount(live), (n) => n === marked().length);
    await live.locator('#chips .chip', { hasText: 'is runtime' }).waitFor({ timeout: DEADLINE });
    // By process: cat's rows (as many as the CLI saw), then everything but them and the runtime's.
    await live.locator('#filter').fill('comm:cat');
    await until('comm:cat to leave cat\'s opens', () => shownCount(live), (n) => n === cats());
    await live.locator('#filter').fill('-comm:cat -comm:runc*');
    const rest = await until('-comm:cat -comm:runc* to leave neither', () => live.locator('.rows .row > span:nth-child(5)').allInnerTexts(), (c) => !c.some((x) => x === 'cat' || x.startsWith('runc')));
    assert.equal(await shownCount(live), rest.length);
    await live.locator('#chips .chip.not', { hasText: 'not comm cat' }).waitFor({ timeout: DEADLINE });
    await shot('view-filter-chips.png');
    await live.locator('#filter').fill('');
    await live.locator('#runtime-toggle').click();

    // Summary: the runtime's opens are rows of their own, hidden, the same count.
    await live.locator('#tab-summary').click();
    await until('the Summary to count the runtime\'s opens as hidden', () => runtimeBox(live), (b) => b.word === 'hidden' && b.count === marked().length);
    const procs = await live.locator('section[data-panel=paths] tbody tr td:nth-child(5)').allInnerTexts();
    assert.ok(procs.some((p) => p.startsWith('cat ')) && !procs.some((p) => p.includes('runc')), `Processes column: ${procs.join(' | ')}`);
    await live.locator('#runtime-toggle').click();
    await live.locator('section[data-panel=paths] tbody tr.runtime', { hasText: 'runc:' }).first().waitFor({ timeout: DEADLINE });
  } finally {
    await cliTrace.stop();
  }
});

/** Whether the container's network namespace has a TCP socket listening at `ip`:`port` (IPv4, /proc/net/tcp). */
function listeningAt(ip: string, port: number): boolean {
  const hex = ip.split('.').map((b) => Number(b).toString(16).toUpperCase().padStart(2, '0')).reverse().join('');
  const want = `${hex}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return fs
    .readFileSync(`/proc/${hostPidOf(CONTAINER)}/net/tcp`, 'utf8')
    .split('\n')
    .slice(1)
    .some((l) => {
      const [, addr, , state] = l.trim().split(/\s+/);
      return addr === want && state === '0A';
    });
}

const cellsOf = (r: ReturnType<FrameLocator['locator']>) => r.locator('td').allInnerTexts();

viewTest('bind: listeners by address — httpd on 127.0.0.1:18081, a second one refused with EADDRINUSE, held by the first', async () => {
  const live = await startTrace('bind');
  docker('exec', '-d', CONTAINER, 'httpd', '-f', '-p', '127.0.0.1:18081');
  await waitFor('httpd listening on 127.0.0.1:18081', () => listeningAt('127.0.0.1', 18081), DEADLINE);
  const holder = Number(docker('exec', CONTAINER, 'pidof', 'httpd').trim());
  try {
    // The second one fails as the workload says: "Address already in use", exit 1.
    const second = docker('exec', CONTAINER, 'sh', '-c', 'httpd -f -p 127.0.0.1:18081 2>&1; echo "exit $?"');
    assert.match(second, /Address already in use[\s\S]*exit 1/);
    const row = live.locator('section[data-panel=listeners] tbody tr').first();
    const cells = await until('the first listener row to be the conflict, with both binds', () => cellsOf(row), (c) => c[0] === '127.0.0.1:18081' && c[5] === '1' && c[4] === '1');
    // Address | Protocol | Comm | PID | Binds | Failed | Errors | Held by
    assert.deepEqual(cells, ['127.0.0.1:18081', 'tcp', 'httpd', String(holder), '1', '1', 'EADDRINUSE ×1', `httpd ${holder} (127.0.0.1:18081)`]);
    assert.match((await row.getAttribute('class')) ?? '', /\bfailed\b/);
    await shot('view-bind.png');
    await highContrastShots('view-bind');
  } finally {
    docker('exec', CONTAINER, 'kill', String(holder));
  }
});

viewTest('signal: sender → target with the fatal ones first — the SIGUSR1 sh sent to sleep (it ended it), then sleep\'s SIGCHLD to sh', async () => {
  const live = await startTrace('signal');
  // The workload says who sent what to whom and that it ended sleep (status 128 + 10); the signal
  // waits until the child has exec'd sleep (its /proc comm), else its target is still the forked sh.
  const out = docker('exec', CONTAINER, 'sh', '-c', 'sleep 30 & t=$!; c=; until [ "$c" = sleep ]; do read c </proc/$t/comm; done; echo $$ $t; kill -USR1 $t; wait $t; echo $?; true').trim().split('\n');
  const [sh, sleep] = out[0].split(' ').map(Number);
  assert.equal(out[1], '138', 'sleep did not end by SIGUSR1');
  const rows = live.locator('section[data-panel=signals] tbody tr');
  // Signal | PID | Sender | Target PID | Target | Sent | Delivered | Ends it | Code | Results
  const first = await until('the first row to be the fatal SIGUSR1, sent and delivered', () => cellsOf(rows.first()), (c) => c[0] === 'SIGUSR1' && c[6] === '1');
  assert.deepEqual(first.slice(0, 9), ['SIGUSR1', String(sh), 'sh', String(sleep), 'sleep', '1', '1', 'fatal', 'SI_USER']);
  // (The container's own loop has its sleeps' SIGCHLD to PID 1 too: the row of this sleep's PID.)
  const all = () => rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => (td.textContent ?? '').trim())));
  const found = await until('this sleep\'s SIGCHLD to this sh', all, (rs) => rs.some((c) => c[0] === 'SIGCHLD' && c[1] === String(sleep)));
  const c = found.find((c) => c[0] === 'SIGCHLD' && c[1] === String(sleep))!;
  assert.deepEqual(c.slice(0, 5), ['SIGCHLD', String(sleep), 'sleep', String(sh), 'sh']);
  assert.equal(c[7], '', 'SIGCHLD does not end sh');
  assert.match((await rows.first().getAttribute('class')) ?? '', /\bfailed\b/);
  await shot('view-signal.png');
  await highContrastShots('view-signal');
});

viewTest('oomkill: the process the OOM killer took in a 48 MiB container — its PID, comm, memory and the cgroup\'s limit', async () => {
  const OOM = `${CONTAINER}-oom`;
  runContainer(OOM, 'while :; do sleep 1; done', ['--memory', '48m', '--memory-swap', '48m']);
  cleanups.push(() => removeContainers(OOM));
  {
    const live = await startTrace('oomkill', [], OOM);
    // The workload says its PID inside the container, then grows until the kernel kills it (137: SIGKILL).
    const run = spawnSync('docker', ['exec', OOM, 'sh', '-c', 'echo $$; exec tail /dev/zero'], { encoding: 'utf8' });
    assert.equal(run.status, 137, `tail was not killed: ${run.stderr}`);
    const pid = run.stdout.trim().split('\n')[0];
    // The kernel's own line for that kill: the victim's comm and anon RSS as it counted them.
    const log = execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 });
    const kills = [...log.matchAll(/Killed process (\d+) \((.*?)\) total-vm:\d+kB, anon-rss:(\d+)kB/g)];
    const k = kills[kills.length - 1];
    assert.ok(k && k[2] === 'tail', `the kernel's Killed process line for tail: ${k?.[0]}`);
    const rows = live.locator('section[data-panel=victims] tbody tr');
    // Time | PID | Comm | RSS | Anon | File | Shmem | Page tables | Cgroup usage | Limit | oom_score_adj | Triggered by
    const cells = await until('the victim row of the tail', () => cellsOf(rows.first()), (c) => c[1] === pid);
    assert.equal(cells[2], 'tail');
    assert.equal(cells[9], '48.0 MiB', 'the cgroup limit docker set');
    const anonMiB = Number(k[3]) / 1024;
    assert.equal(cells[4], `${anonMiB.toFixed(1)} MiB`, 'anon RSS as the kernel counted it');
    assert.equal(cells[11], `tail ${pid}`, 'the tail itself triggered the kill');
    assert.match((await rows.first().getAttribute('class')) ?? '', /\bfailed\b/);
    await shot('view-oomkill.png');
  }
});

viewTest('syscall: each call as strace prints it — cat\'s openat of a missing file fails with ENOENT, its fd named by its path, a write\'s bytes as written; %file and syscall: filter; the Summary counts as strace -c', async () => {
  const live = await startTrace('syscall');
  // The workload says what happened: cat printed the file, then failed on the missing one (exit 1).
  const run = spawnSync('docker', ['exec', CONTAINER, 'cat', '/etc/hostname', '/ct-no-such-file'], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /No such file or directory/);
  await live.locator('#tab-events').click();
  const rows = live.locator('.rows .row');
  const details = () => live.locator('.rows .row .details').allInnerTexts();
  // The container's own loop streams on: cat's calls are found by the filter, as a user would.
  await live.locator('#filter').fill('comm:cat ct-no-such-file');
  // As strace -f -tt -T writes them: the quoted path, the errno with its message.
  const failedOpen = rows.filter({ hasText: '"/ct-no-such-file"' }).first();
  const openText = await until('the failed openat of /ct-no-such-file', () => failedOpen.innerText(), (t) => /openat\(AT_FDCWD, "\/ct-no-such-file", O_RDONLY[^)]*\) = -1 ENOENT \(No such file or directory\) <\d+\.\d{6}>/.test(t));
  assert.match((await failedOpen.getAttribute('class')) ?? '', /\bfailed\b/, openText);
  // cat hands the file on by its fd, named by its path (busybox cat sends it with sendfile).
  await live.locator('#filter').fill('comm:cat hostname');
  await until('cat\'s use of its fd 3 named /etc/hostname', details, (t) => t.some((l) => !/ openat\(/.test(l) && l.includes('3</etc/hostname>')));
  // A write's bytes as the shell wrote them, through the fd named by the file it opened.
  docker('exec', CONTAINER, 'sh', '-c', 'echo ct-hello > /tmp/ct-written');
  await live.locator('#filter').fill('syscall:write ct-hello');
  await until('the shell\'s write of "ct-hello\\n" to /tmp/ct-written', details, (t) => t.some((l) => /write\(1<\/tmp\/ct-written>, "ct-hello\\n", 9\) = 9 </.test(l)));
  await shot('view-syscall-events.png');
  // syscall:openat leaves only openat lines; %file keeps the file calls (openat) and drops read (%desc).
  await live.locator('#filter').fill('comm:cat syscall:openat');
  const shown = await until('syscall:openat to leave openat lines only', details, (t) => t.length > 0 && t.every((l) => /^\[pid \d+\] [\d:.]+ openat\(/.test(l)));
  assert.ok(shown.some((l) => l.includes('"/ct-no-such-file"')), shown.join('\n'));
  await live.locator('#filter').fill('comm:cat %file');
  await until('%file to keep the failed openat and drop the reads', details, (t) => t.some((l) => l.includes('"/ct-no-such-file"')) && !t.some((l) => /^\[pid \d+\] [\d:.]+ read\(/.test(l)));
  await live.locator('#filter').fill('');
  // Summary: openat's row counts its error by name (strace -c's errors column).
  await live.locator('#tab-summary').click();
  const openat = live.locator('section[data-panel=syscalls] tbody tr', { has: live.locator('td:first-child', { hasText: /^openat$/ }) });
  // Syscall | % time | Total | Avg | Calls | Errors | Errnos | Classes
  const cells = await until('the openat row with its ENOENT', () => cellsOf(openat.first()), (c) => c[0] === 'openat' && /ENOENT ×\d+/.test(c[6]));
  assert.ok(Number(cells[5]) >= 1 && Number(cells[4]) >= Number(cells[5]), cells.join(' | '));
  assert.match(cells[7], /%file/);
  await shot('view-syscall.png');
});

viewTest('advise seccomp: from the palette, a 10 s trace from the container\'s restart saved into the workspace; a fresh container with that profile does its work, and a syscall it never made is refused', async () => {
  const SC = `${CONTAINER}-sc`;
  const WORK = 'while :; do cat /etc/hostname >/dev/null; sleep 1; done';
  runContainer(SC, WORK);
  await page.locator('.monaco-list-row', { hasText: SC }).waitFor({ timeout: 30_000 });
  const file = path.join(server!.workspace, `seccomp-${SC}.json`);
  fs.rmSync(file, { force: true });
  const startedAt = () => docker('inspect', '-f', '{{.State.StartedAt}}', SC).trim();
  const before = startedAt();
  cleanups.push(() => {
    removeContainers(SC);
    fs.rmSync(file, { force: true });
  });
  {
    await runCommand(page, 'Container Trace: Advise Seccomp Profile…');
    await answer(page, /Advise Seccomp Profile: pick a container/, SC, (r) => !!r && r.label.trim() === SC);
    await answer(page, /trace for how long/, '10 s', row('10 s'));
    await answer(page, /restart/, 'Restart', (r) => !!r && r.label.includes('Restart it, traced from its start'));
    // The save dialog offers the workspace's seccomp-<container>.json: taken as offered.
    await until('the save dialog with the workspace file offered', () => quickInputState(page), (s) => s.open && s.value.endsWith(`seccomp-${SC}.json`));
    await page.keyboard.press('Enter');
    await waitFor(`the profile written to ${file}`, () => fs.existsSync(file) && fs.statSync(file).size > 0, 60_000);
    // The restart was real (the runtime says when it started), and the profile is Docker's format of the names seen.
    assert.notEqual(startedAt(), before, 'the container was not restarted');
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { defaultAction: string; syscalls: { names: string[]; action: string }[] };
    assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
    const names = profile.syscalls.flatMap((r) => r.names);
    for (const n of ['execve', 'openat', 'read', 'wait4']) assert.ok(names.includes(n), `${n} is not in the profile: ${names.join(' ')}`);
    assert.ok(!names.includes('chroot'), 'chroot was never made, yet it is allowed');
    await page.locator('.tabs-container .tab', { hasText: `seccomp-${SC}.json` }).first().waitFor({ timeout: DEADLINE });
    // Beside it, the note on how it was made and how to use it: read-only (closing it asks nothing).
    const note = page.locator('.tabs-container .tab', { hasText: `seccomp-${SC}.md` }).first();
    await note.waitFor({ timeout: DEADLINE });
    assert.doesNotMatch((await note.getAttribute('class')) ?? '', /\bdirty\b/);
    await shot('view-seccomp.png');
    // A fresh container of the same image and workload under the profile: it starts and does its work.
    const ok = spawnSync('docker', ['run', '--rm', '--network', 'none', '--security-opt', `seccomp=${file}`, IMAGE, 'sh', '-c', 'cat /etc/hostname >/dev/null; sleep 1; echo done'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), 'done');
    const refused = spawnSync('docker', ['run', '--rm', '--network', 'none', '--security-opt', `seccomp=${file}`, IMAGE, 'chroot', '/', 'true'], { encoding: 'utf8' });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /Operation not permitted/);
  }
});


viewTest('dns: lookups by name with the failures first — NXDOMAIN, SERVFAIL and the silent name\'s TIMEOUT — then the answered names with their answers, server and latency; each row as many lookups as the server logged', async () => {
  const DNS = `${CONTAINER}-dns`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-e2e-dns-'));
  // One try of one second per query (the silent name costs seconds); names from DNS only.
  fs.writeFileSync(path.join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  fs.writeFileSync(path.join(dir, 'nsswitch.conf'), 'hosts: dns\n');
  // The fixture name server on the container's own loopback; glibc's getent from the host's /usr, read-only.
  removeContainers(DNS);
  cleanups.push(() => {
    removeContainers(DNS);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  docker(
    'run', '-d', '--network', 'none', '--label', 'container-trace.test=1', '--name', DNS,
    ...['/usr', '/lib', '/lib64'].flatMap((m) => ['-v', `${m}:${m}:ro`]),
    '-v', `${path.join(REPO, 'test', 'fixtures')}:/fixtures:ro`,
    '-v', `${path.join(dir, 'resolv.conf')}:/etc/resolv.conf:ro`,
    '-v', `${path.join(dir, 'nsswitch.conf')}:/etc/nsswitch.conf:ro`,
    IMAGE, 'sh', '-c', 'exec python3 /fixtures/dns-server.py > /tmp/server.log 2>&1',
  );
  {
    await waitFor('the DNS server to be ready', () => docker('exec', DNS, 'cat', '/tmp/server.log').includes('"ready"'), 30_000);
    await page.locator('.monaco-list-row', { hasText: DNS }).waitFor({ timeout: 30_000 });
    const live = await startTrace('dns', [], DNS);
    for (const n of ['a', 'missing', 'broken', 'silent']) spawnSync('docker', ['exec', DNS, 'getent', 'hosts', `${n}.ct.test`]);
    // What the server saw: every query, its type and rcode (null: never answered).
    const logged = docker('exec', DNS, 'cat', '/tmp/server.log').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { ready?: true; name: string; qtype: number; rcode: number | null }).filter((l) => !l.ready);
    const QT: Record<number, string> = { 1: 'A', 28: 'AAAA' };
    const RC: Record<number, string> = { 0: 'NOERROR', 2: 'SERVFAIL', 3: 'NXDOMAIN' };
    const want = new Map<string, { count: number; rcode: string }>();
    for (const l of logged) {
      const k = `${l.name} ${QT[l.qtype]}`;
      want.set(k, { count: (want.get(k)?.count ?? 0) + 1, rcode: l.rcode === null ? 'TIMEOUT' : RC[l.rcode] });
    }
    for (const n of ['a', 'missing', 'broken', 'silent']) assert.ok([...want.keys()].some((k) => k.startsWith(`${n}.ct.test `)), `the server saw no query for ${n}.ct.test: ${[...want.keys()].join(', ')}`);
    const rows = live.locator('section[data-panel=names] tbody tr');
    const all = () => rows.evaluateAll((trs) => trs.map((tr) => ({ cells: Array.from(tr.querySelectorAll('td'), (td) => (td.textContent ?? '').trim()), failed: tr.classList.contains('failed') })));
    // Name | Type | Lookups | Failed | Rcodes | p50 | p99 | Servers | Comm | PID | Answers — the silent name once its --timeout (5 s) passed.
    const seen = await until('a row per name and type the server logged, with its count and rcode', all, (rs) =>
      [...want].every(([k, w]) => rs.some((r) => `${r.cells[0]} ${r.cells[1]}` === k && r.cells[2] === String(w.count) && r.cells[4] === `${w.rcode} ×${w.count}`)) && rs.length === want.size,
    );
    // Failures first: every failed row above every answered one.
    const firstOk = seen.findIndex((r) => !r.failed);
    assert.ok(firstOk > 0 && seen.slice(firstOk).every((r) => !r.failed), seen.map((r) => r.cells.slice(0, 5).join(' | ')).join('\n'));
    for (const r of seen) assert.equal(r.failed, want.get(`${r.cells[0]} ${r.cells[1]}`)!.rcode !== 'NOERROR');
    const a = seen.find((r) => r.cells[0] === 'a.ct.test' && r.cells[1] === 'A');
    if (a) {
      assert.equal(a.cells[10], '10.0.0.1, 10.0.0.2');
      assert.notEqual(a.cells[5], '—', 'an answered lookup has its latency');
    }
    const aaaa = seen.find((r) => r.cells[0] === 'a.ct.test' && r.cells[1] === 'AAAA')!;
    assert.equal(aaaa.cells[10], 'fd00::1');
    assert.equal(aaaa.cells[7], '127.0.0.1:53 udp');
    assert.equal(aaaa.cells[8], 'getent');
    await shot('view-dns.png');
  }
});
