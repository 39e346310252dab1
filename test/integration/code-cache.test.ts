/**
 * The CLI's V8 code cache (bin/container-trace): as root it is read only from
 * root's own directory, and only a file root owns that no one else may write;
 * cached bytecode from anyone else would be code run as root. What the CLI
 * opens is seen with strace.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI } from '../support/paths';

const DIR = '/var/cache/container-trace/v8';
const skip = process.getuid?.() !== 0 ? 'needs root' : spawnSync('sh', ['-c', 'command -v strace'], { stdio: 'ignore' }).status !== 0 ? 'no strace' : undefined;

/** Run `container-trace --version` under strace: its output and the cache files it opened. */
function run(): { version: string; opened: string[] } {
  const log = path.join(fs.mkdtempSync('/tmp/ct-code-cache-'), 'strace.txt');
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat', '-o', log, process.execPath, CLI, '--version'], { encoding: 'utf8', env: { ...process.env, CONTAINER_TRACE_CODE_CACHE: '' } });
  assert.equal(r.status, 0, r.stderr.slice(-500));
  const opened = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes(DIR + '/') && !/ENOENT/.test(l));
  fs.rmSync(path.dirname(log), { recursive: true, force: true });
  return { version: r.stdout.trim(), opened };
}
const cacheFile = () => fs.readdirSync(DIR).filter((f) => f.endsWith('.v8')).map((f) => path.join(DIR, f))[0];

describe('the CLI code cache (integration)', { skip }, () => {
  after(() => {
    if (fs.existsSync(DIR)) fs.chmodSync(DIR, 0o700);
  });

  test('made by a run, root’s alone, and read by the next run', () => {
    fs.rmSync(DIR, { recursive: true, force: true });
    const first = run();
    assert.match(first.version, /^\d+\.\d+\.\d+/);
    const file = cacheFile();
    assert.ok(file, 'a cache file was written at exit');
    const st = fs.statSync(file);
    assert.equal(st.uid, 0);
    assert.equal(st.mode & 0o077, 0, 'private to root');
    assert.equal(fs.statSync(DIR).mode & 0o077, 0);
    const second = run();
    assert.equal(second.version, first.version);
    assert.ok(second.opened.some((l) => l.includes(`"${file}", O_RDONLY`)), `the second run read ${file}: ${second.opened.join('\n')}`);
  });

  test('a cache file others may write, or owned by another user, or in a directory others may write, is not read', () => {
    run();
    const file = cacheFile();
    const notRead = (why: string) => {
      const r = run();
      assert.match(r.version, /^\d+\.\d+\.\d+/);
      assert.ok(!r.opened.some((l) => l.includes(`"${file}", O_RDONLY`)), `${why}: not read, but: ${r.opened.join('\n')}`);
    };
    fs.chmodSync(file, 0o666);
    notRead('world-writable');
    fs.chmodSync(file, 0o600);
    fs.chownSync(file, 65534, 65534);
    notRead('owned by nobody');
    fs.chownSync(file, 0, 0);
    fs.chmodSync(DIR, 0o777);
    notRead('in a directory anyone may write');
    fs.chmodSync(DIR, 0o700);
  });
});
