/**
 * Privilege done right, with real unprivileged users (scripts/privilege-fixtures.sh):
 * sudo without a password, pkexec through polkitd, sudo with a password
 * (on a terminal, and handed over on stdin as the extension does); a
 * tampered installed helper is refused; an uninstalled one is reported.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, docker, removeContainers, runContainer, skipReason, waitFor } from '../support/integration';
import { REPO } from '../support/paths';

const skip = skipReason();
const C = `ct-it-priv-${process.pid}`;
const CLIENT = `/tmp/ct-client-${process.pid}`;
const INSTALLED = '/usr/local/lib/container-trace/helper';
const VERSION = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;

/** Run the CLI (a readable copy) as `user`, tracing exec while `marker` is echoed in the container. */
async function traceAs(user: string, args: string[], marker: string, opts: { pty?: string; stdin?: string; script?: string } = {}) {
  const cmd = opts.script
    ? [process.execPath, `${CLIENT}/sudo-client.js`, C, '3', VERSION]
    : [process.execPath, `${CLIENT}/cli.js`, 'trace', 'exec', '--container', C, '--json', '--duration', '3', '--verbose', ...args];
  const argv = opts.pty ? ['-u', user, '--', 'script', '-qfec', cmd.join(' '), '/dev/null'] : ['-u', user, '--', ...cmd];
  const child = spawn('runuser', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)));
  if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
  if (opts.pty !== undefined) setTimeout(() => child.stdin.write(`${opts.pty}\n`), 1500);
  await waitFor(`ready (${user})`, () => /^ready\r?$/m.test(out + err) || undefined, 20_000).catch((e: Error) => {
    throw new Error(`${e.message}\nstdout: ${out}\nstderr: ${err}`);
  });
  docker('exec', C, '/bin/echo', marker);
  const code = await exited;
  return { code, out, err, events: out.split(/\r?\n/).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { args: string[]; pid: number }) };
}

describe('privilege (integration)', { skip }, () => {
  before(() => {
    const r = cli('install-helper');
    assert.equal(r.code, 0, r.stderr);
    execFileSync('bash', [path.join(REPO, 'scripts', 'privilege-fixtures.sh')], { stdio: 'inherit' });
    fs.mkdirSync(CLIENT, { recursive: true });
    fs.copyFileSync(path.join(REPO, 'dist', 'cli.js'), `${CLIENT}/cli.js`);
    fs.copyFileSync(path.join(REPO, 'out', 'integration', 'sudo-client.js'), `${CLIENT}/sudo-client.js`);
    execFileSync('chmod', ['-R', 'a+rX', CLIENT]);
    runContainer(C, 'while :; do sleep 0.5; done');
  });
  after(() => {
    removeContainers(C);
    fs.rmSync(CLIENT, { recursive: true, force: true });
  });

  test('sudo without a password (sudoers: the installed launcher only)', async () => {
    const r = await traceAs('ct-nopw', ['--elevate', 'sudo'], 'priv-nopw');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /starting the helper with sudo -n \(no password needed\); the installed helper/);
    assert.ok(r.events.some((e) => e.args.includes('priv-nopw')), r.out);
  });

  test('auto picks sudo -n on a headless host (no polkit agent) and says why pkexec was skipped', async () => {
    const r = await traceAs('ct-nopw', [], 'priv-auto');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /with sudo -n \(no password needed\) \(pkexec: no desktop session, so no polkit agent to ask\)/);
    assert.ok(r.events.some((e) => e.args.includes('priv-auto')));
  });

  test('pkexec through the real polkitd (a rule allows the action)', async () => {
    const r = await traceAs('ct-polkit', ['--elevate', 'pkexec'], 'priv-polkit');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /starting the helper with pkexec; the installed helper/);
    assert.ok(r.events.some((e) => e.args.includes('priv-polkit')));
  });

  test('sudo with a password, asked on the terminal', async () => {
    const r = await traceAs('ct-pw', ['--elevate', 'sudo'], 'priv-pw-tty', { pty: 'ct-pw-secret' });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /\[sudo\] password for ct-pw/);
    assert.ok(r.events.some((e) => e.args.includes('priv-pw-tty')), r.out);
  });

  test('sudo -S with the password handed over on stdin (as the extension does); never on a command line', async () => {
    const r = await traceAs('ct-pw', [], 'priv-pw-stdin', { script: 'sudo-client', stdin: 'ct-pw-secret\n' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /plan: with sudo -S \(the password is asked for\); the installed helper; password needed: true/);
    assert.ok(r.events.some((e) => e.args.includes('priv-pw-stdin')), r.out);
  });

  test('a wrong sudo password is a clear error', () => {
    const r = spawnSync('runuser', ['-u', 'ct-pw', '--', process.execPath, `${CLIENT}/sudo-client.js`, C, '1', VERSION], { input: 'wrong\n', encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error: sudo: the password was not accepted/);
  });

  test('a tampered installed helper is refused, by the client and by the helper itself', () => {
    const file = path.join(INSTALLED, 'dist', 'bpf', 'exec.bpf.o');
    const original = fs.readFileSync(file);
    fs.appendFileSync(file, 'x');
    try {
      const r = spawnSync('runuser', ['-u', 'ct-nopw', '--', process.execPath, `${CLIENT}/cli.js`, 'trace', 'exec', '--container', C], { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /the installed helper is tampered with \(dist\/bpf\/exec\.bpf\.o does not match its SHA-256 in the manifest\); it will not run: reinstall it/);
      const direct = spawnSync(path.join(INSTALLED, 'container-trace-helper'), [], { encoding: 'utf8', input: '' });
      assert.equal(direct.status, 3);
      // The launcher checks every file with sha256sum before node (or any bundle code) runs.
      assert.match(direct.stderr, /dist\/bpf\/exec\.bpf\.o: FAILED[\s\S]*the installed helper is tampered with; refusing to run. Reinstall it/);
      assert.match(cli('check').stdout, /✘ helper\s+installed but tampered with/);
    } finally {
      fs.writeFileSync(file, original);
    }
    assert.match(cli('check').stdout, /✔ helper\s+installed and verified/);
    // The Node runtime itself: refused before it runs.
    const node = path.join(INSTALLED, 'node');
    const size = fs.statSync(node).size;
    fs.appendFileSync(node, 'x');
    try {
      const direct = spawnSync(path.join(INSTALLED, 'container-trace-helper'), [], { encoding: 'utf8', input: '' });
      assert.equal(direct.status, 3);
      assert.match(direct.stderr, /^node: FAILED/m);
      assert.doesNotMatch(direct.stderr, /container-trace helper ready/);
    } finally {
      fs.truncateSync(node, size);
    }
  });

  test('an uninstalled helper is reported, not run', () => {
    assert.equal(cli('uninstall-helper').code, 0);
    try {
      assert.ok(!fs.existsSync(INSTALLED));
      assert.match(cli('check').stdout, /! helper\s+not installed/);
      // ct-nopw may run only the installed launcher without a password.
      // Without a terminal to ask on, user-writable files are not run as root.
      const r = spawnSync('runuser', ['-u', 'ct-nopw', '--', process.execPath, `${CLIENT}/cli.js`, 'trace', 'exec', '--container', C, '--elevate', 'sudo'], { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /the helper is not installed: this would run files your user can change as root \(.*cli\.js helper\); install it first/);
      // Allowed anyway: sudoers allows only the installed launcher, so sudo wants a password.
      const anyway = spawnSync('runuser', ['-u', 'ct-nopw', '--', process.execPath, `${CLIENT}/cli.js`, 'trace', 'exec', '--container', C, '--elevate', 'sudo', '--allow-uninstalled'], { encoding: 'utf8' });
      assert.equal(anyway.status, 1);
      assert.match(anyway.stderr, /sudo needs a password and there is no terminal to ask it on/);
    } finally {
      assert.equal(cli('install-helper').code, 0);
    }
  });
});
