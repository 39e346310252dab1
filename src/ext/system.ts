/**
 * "Install Helper" and "Check System": the installer runs elevated (pkexec's
 * own dialog, or sudo with the password asked here); the check runs the
 * CLI's `check --json` and shows it with a fix button where the fix is safe.
 */
import * as vscode from 'vscode';
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { nodeBinary, planElevated } from '../client/elevation';
import type { CheckItem } from '../protocol';
import { verifyInstalled } from '../install';
import { VERSION } from '../version';
import { settings } from './settings';
import { checkRows, type CheckRow } from './model/check-rows';
import { shellWord } from '../cli/command-line';
import { cliProgram } from './cli-run';

/**
 * `containerTrace.helperInstalled`: the walkthrough's "Install the helper"
 * step is done when it becomes true. VS Code marks a step done only when its
 * context turns true after the walkthrough is registered (true already then,
 * the step stays open for the session), so the key is set once a walkthrough
 * is shown (it is registered by then), and after every install.
 */
let helperContextSet = false;

export function updateHelperInstalled(): boolean {
  const installed = verifyInstalled(VERSION, undefined, { hashes: false }).state === 'ok';
  helperContextSet = true;
  void vscode.commands.executeCommand('setContext', 'containerTrace.helperInstalled', installed);
  return installed;
}

const walkthroughShown = () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => /^(Walkthrough|Welcome)\b/.test(t.label)));

export function watchHelperInstalled(): vscode.Disposable {
  if (walkthroughShown()) updateHelperInstalled();
  return vscode.Disposable.from(
    vscode.window.tabGroups.onDidChangeTabs((e) => {
      if (e.opened.some((t) => /^(Walkthrough|Welcome)\b/.test(t.label))) updateHelperInstalled();
    }),
    // Installed from a terminal too: looked at again when the window regains focus.
    vscode.window.onDidChangeWindowState((w) => w.focused && helperContextSet && updateHelperInstalled()),
  );
}

export async function installHelper(cliPath: string, log: vscode.LogOutputChannel): Promise<boolean> {
  let plan: ReturnType<typeof planElevated>;
  try {
    plan = planElevated([nodeBinary(), cliPath, 'install-helper'], settings().elevation);
  } catch (err) {
    void vscode.window.showErrorMessage(`Container Trace: ${(err as Error).message}`);
    return false;
  }
  let password: string | undefined;
  if (plan.needsPassword) {
    password = await vscode.window.showInputBox({
      title: 'Container Trace: install the helper',
      prompt: 'sudo needs your password to install the helper root-owned. It is used once and not stored.',
      password: true,
      ignoreFocusOut: true,
    });
    if (password === undefined) return false;
  }
  log.info(`installing the helper ${plan.how}: ${plan.argv.join(' ')}`);
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Container Trace: installing the helper…' }, () =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(plan.argv[0], plan.argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      let answered = false;
      const take = (d: Buffer) => {
        output += d.toString();
        // The password only when sudo itself asks for it (its own prompt).
        if (!answered && plan.sudoPrompt && output.includes(plan.sudoPrompt)) {
          answered = true;
          output = output.replace(plan.sudoPrompt, '');
          child.stdin.end(password !== undefined ? `${password}\n` : '');
        }
        if (/Sorry, try again/.test(output)) child.kill('SIGTERM');
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.on('error', (err) => resolve({ code: -1, output: err.message }));
      child.on('exit', (code) => resolve({ code, output }));
      if (!plan.sudoPrompt) child.stdin.end();
    }),
  );
  password = undefined;
  for (const line of result.output.split('\n')) if (line.trim()) log.info(line);
  updateHelperInstalled();
  if (result.code === 0) {
    void vscode.window.showInformationMessage('Container Trace: the helper is installed (root-owned, checked at every start).');
    return true;
  }
  const why = /Sorry, try again/.test(result.output) ? 'the password was not accepted' : result.output.trim().split('\n').pop() ?? `exit ${result.code}`;
  const pick = await vscode.window.showErrorMessage(`Container Trace: installing the helper failed: ${why}`, 'Show Helper Log');
  if (pick) log.show();
  return false;
}

export function runCheck(cliPath: string): Promise<CheckItem[]> {
  return new Promise((resolve, reject) => {
    execFile(nodeBinary(), [cliPath, 'check', '--json'], { timeout: 30_000 }, (err, stdout) => {
      try {
        resolve(JSON.parse(stdout) as CheckItem[]);
      } catch {
        reject(err ?? new Error('the system check printed no report'));
      }
    });
  });
}

const ICONS = { ok: '✔', warn: '!', fail: '✘', unknown: '?', info: 'i' } as const;

/** Safe fixes get a button: they run a command of the extension. */
function fixCommand(item: CheckRow): { label: string; command: string } | undefined {
  if (item.level === 'ok' || item.level === 'info') return undefined;
  if (item.name === 'helper') return { label: 'Install Helper', command: 'containerTrace.installHelper' };
  if (item.name.startsWith('runtime:')) return { label: 'Open Settings', command: 'containerTrace.openDockerSetting' };
  return undefined;
}

let panel: vscode.WebviewPanel | undefined;

export async function showCheck(cliPath: string): Promise<CheckItem[]> {
  const items = await runCheck(cliPath);
  panel ??= (() => {
    const p = vscode.window.createWebviewPanel('containerTrace.check', 'Container Trace: System Check', vscode.ViewColumn.Active, { enableScripts: true });
    p.onDidDispose(() => (panel = undefined));
    p.webview.onDidReceiveMessage(async (m: { command?: string }) => {
      const allowed = ['containerTrace.installHelper', 'containerTrace.openDockerSetting', 'containerTrace.checkSystem'];
      if (m?.command && allowed.includes(m.command)) await vscode.commands.executeCommand(m.command);
    });
    return p;
  })();
  const nonce = randomBytes(16).toString('base64');
  const esc = (t: string) => t.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const program = cliProgram(cliPath).map(shellWord).join(' ');
  const rows = checkRows(items, program)
    .map((i) => {
      const fix = fixCommand(i);
      const note = i.level === 'info' ? `<div class="fix">Not needed by any trace kind: nothing to do.</div>` : i.level !== 'ok' && i.fix ? `<div class="fix">Fix: ${esc(i.fix)}</div>` : '';
      return `<tr class="${i.level}"><td class="icon" title="${i.level === 'info' ? 'information' : i.level}">${ICONS[i.level]}</td><th>${esc(i.name)}</th><td>${esc(i.detail)}${note}</td><td>${
        fix ? `<button data-command="${fix.command}">${fix.label}</button>` : ''
      }</td></tr>`;
    })
    .join('');
  panel.webview.html = `<!DOCTYPE html><html><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<style nonce="${nonce}">
body{font-family:var(--vscode-font-family);color:var(--vscode-foreground);padding:12px}
table{border-collapse:collapse;width:100%}td,th{padding:6px 8px;text-align:left;vertical-align:top;border-bottom:1px solid var(--vscode-panel-border)}
.icon{width:1.5em}.ok .icon{color:var(--vscode-charts-green)}.warn .icon{color:var(--vscode-charts-yellow)}.fail .icon{color:var(--vscode-errorForeground)}.info .icon{color:var(--vscode-charts-blue);font-style:italic;font-weight:bold}.info th,.info td{color:var(--vscode-descriptionForeground)}
.fix{color:var(--vscode-descriptionForeground);margin-top:4px}
button{color:var(--vscode-button-foreground);background:var(--vscode-button-background);border:none;padding:4px 10px;cursor:pointer}
</style></head><body>
<h2>System check</h2><p>Kernel, BPF, tracefs, attach types, container runtimes and the helper, as seen by your user (root-only probes show "?").
<button data-command="containerTrace.checkSystem">Check again</button></p>
<table>${rows}</table>
<script nonce="${nonce}">const vscode=acquireVsCodeApi();document.querySelectorAll('button[data-command]').forEach(b=>b.addEventListener('click',()=>vscode.postMessage({command:b.dataset.command})));</script>
</body></html>`;
  panel.reveal();
  return items;
}
