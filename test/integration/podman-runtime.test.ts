/**
 * The system check's Podman OCI runtime line says what Podman really does on
 * this host: with each runtime Podman could be configured to use (a
 * containers.conf of the test's own, through CONTAINERS_CONF), the check's
 * verdict matches whether `podman run` starts a container with it.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { cli, skipReason } from '../support/integration';
import { CLI } from '../support/paths';

const skip = skipReason() ?? (fs.existsSync('/usr/bin/podman') ? undefined : 'podman is not installed');
const CONF = `/tmp/ct-containers-${process.pid}.conf`;
const IMAGE = 'localhost/container-trace/busybox:latest';

/** /etc/containers/containers.conf with `[engine] runtime = rt` (the ulimits this host needs kept). */
function confWith(rt: string): void {
  const base = fs.readFileSync('/etc/containers/containers.conf', 'utf8').replace(/^runtime *=.*$/m, '').replace(/^\[engine\]\s*$/m, '');
  fs.writeFileSync(CONF, `${base}\n[engine]\nruntime = "${rt}"\n`);
}

describe('podman OCI runtime check (integration)', { skip }, () => {
  before(() => assert.equal(cli('list').code, 0));
  after(() => fs.rmSync(CONF, { force: true }));

  for (const rt of ['crun', 'runc']) {
    test(`with ${rt}: the check's verdict is what podman run does`, { skip: fs.existsSync(`/usr/bin/${rt}`) || fs.existsSync(`/usr/sbin/${rt}`) ? undefined : `${rt} is not installed` }, () => {
      confWith(rt);
      const env = { ...process.env, CONTAINERS_CONF: CONF };
      const run = spawnSync('podman', ['run', '--rm', '--network', 'none', IMAGE, 'true'], { env, encoding: 'utf8', timeout: 120_000 });
      const check = spawnSync(process.execPath, [CLI, 'check', '--json'], { env, encoding: 'utf8', timeout: 60_000 });
      const item = (JSON.parse(check.stdout) as { name: string; status: string; detail: string }[]).find((i) => i.name === 'podman OCI runtime (rootful)');
      assert.ok(item, check.stdout);
      assert.match(item.detail, new RegExp(`^${rt}\\b`));
      if (run.status === 0) assert.equal(item.status, 'ok', `podman run works with ${rt}, the check says: ${item.detail}`);
      else {
        assert.equal(item.status, 'fail', `podman run fails with ${rt} (${run.stderr.trim()}), the check says: ${item.detail}`);
        assert.match(run.stderr, /hybrid mode/);
      }
    });
  }
});
