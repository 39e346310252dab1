/**
 * A real VS Code for tests: code-server (VS Code 1.100 with a Node extension
 * host, as Remote-SSH uses) on loopback, isolated config/data dirs, opened in
 * headless Debian Chromium through playwright-core.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './paths';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO, 'test-artifacts');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface CodeServer {
  port: number;
  origin: string;
  workspace: string;
  child: ChildProcess;
  /** Workbench URL; with extension development (and tests) paths when given. */
  url(opts?: { extensionDevelopmentPath?: string; extensionTestsPath?: string }): string;
  log(): string;
  stop(): Promise<void>;
}

/** The code-server binary, installed into .code-server/ if missing. */
export function codeServerBinary(): string {
  return execFileSync('bash', [path.join(REPO, 'scripts', 'code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** `dir` if `user` can read it, else a readable copy under /tmp (the repository may sit in /root). */
function readableBy(user: string, dir: string): string {
  const probe = spawnSync('runuser', ['-u', user, '--', 'test', '-r', path.join(dir, '.')]);
  if (probe.status === 0) return dir;
  const copy = path.join('/tmp', `ct-readable-${path.basename(dir)}-${process.pid}`);
  if (!fs.existsSync(copy)) {
    execFileSync('cp', ['-a', dir, copy]);
    execFileSync('chmod', ['-R', 'a+rX', copy]);
  }
  return copy;
}

export async function startCodeServer(env: Record<string, string> = {}, as?: string): Promise<CodeServer> {
  let bin = codeServerBinary();
  if (as) bin = path.join(readableBy(as, path.dirname(path.dirname(path.dirname(bin)))), 'node_modules', '.bin', 'code-server');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-vscode-'));
  const userData = path.join(home, 'user-data');
  const workspace = path.join(home, 'workspace');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(workspace);
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'update.mode': 'none',
      'workbench.enableExperiments': false,
      'window.commandCenter': false,
      'git.openRepositoryInParentFolders': 'never',
    }),
  );
  if (as) execFileSync('chown', ['-R', `${as}:`, home]);
  const port = await freePort();
  let log = '';
  // As another user: runuser, so that the process has that user's groups.
  const child = spawn(
    as ? 'runuser' : bin,
    [
      ...(as ? ['-u', as, '--', bin] : []),
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir', userData,
      '--extensions-dir', path.join(home, 'extensions'),
      workspace,
    ],
    {
      env: { ...process.env, HOME: as ? home : process.env.HOME, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_DATA_HOME: path.join(home, 'data'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const until = Date.now() + 60_000;
  while (!/HTTP server listening/.test(log)) {
    if (child.exitCode !== null) throw new Error(`code-server exited: ${log}`);
    if (Date.now() > until) throw new Error(`code-server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    workspace,
    child,
    url(opts = {}) {
      const payload: [string, string][] = [];
      const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
      if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)]);
      if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(opts.extensionTestsPath)]);
      const q = new URLSearchParams({ folder: workspace });
      if (payload.length) q.set('payload', JSON.stringify(payload));
      return `${origin}/?${q.toString()}`;
    },
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          /* gone */
        }
        await new Promise((r) => child.once('exit', r));
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Open the workbench with an extension and its tests (extensionTestsPath):
 * the workbench calls codeAutomationExit with the runner's result. Returns
 * the exit code and the report the suite wrote.
 */
export async function runExtensionTests(
  server: CodeServer,
  browser: import('playwright-core').Browser,
  extensionPath: string,
  testsPath: string,
  reportFile: string,
  onPage?: (page: import('playwright-core').Page) => void,
  timeoutMs = 200_000,
): Promise<{ code: number; report: string }> {
  const page = await browser.newPage();
  onPage?.(page);
  const exit = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
  await page.goto(server.url({ extensionDevelopmentPath: extensionPath, extensionTestsPath: testsPath }));
  const code = await Promise.race([
    exit,
    new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no result from the extension host:\n${server.log().slice(-3000)}`)), timeoutMs).unref()),
  ]);
  const report = fs.existsSync(reportFile) ? fs.readFileSync(reportFile, 'utf8') : '(no report)';
  console.log(report);
  await page.close();
  return { code, report };
}
