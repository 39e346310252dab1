/** The Podman OCI runtime check's decision, over cgroup layouts laid out in a temporary directory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cgroupLayout, podmanRuntimeItem } from '../../src/check/podman';

function layout(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-cgroup-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

test('cgroup layouts: unified, hybrid with and without v2 controllers, v1 only', () => {
  assert.deepEqual(cgroupLayout(layout({ 'cgroup.controllers': 'cpu io memory pids\n' })), { mode: 'v2', v2Controllers: ['cpu', 'io', 'memory', 'pids'] });
  assert.deepEqual(cgroupLayout(layout({ 'memory/tasks': '', 'unified/cgroup.controllers': 'hugetlb\n' })), { mode: 'hybrid', v2Controllers: ['hugetlb'] });
  assert.deepEqual(cgroupLayout(layout({ 'memory/tasks': '', 'unified/cgroup.controllers': '\n' })), { mode: 'hybrid', v2Controllers: [] });
  assert.deepEqual(cgroupLayout(layout({ 'memory/tasks': '' })), { mode: 'v1', v2Controllers: [] });
});

test('crun fails only on a hybrid host whose v2 hierarchy has controllers; the fix names runc and the config', () => {
  const hybrid = { mode: 'hybrid' as const, v2Controllers: ['hugetlb'] };
  const bad = podmanRuntimeItem({ name: 'crun', path: '/usr/bin/crun' }, hybrid, 'rootful');
  assert.equal(bad.status, 'fail');
  assert.match(bad.detail, /crun \(\/usr\/bin\/crun\) cannot start containers on this host: .*\(hugetlb\)/);
  assert.match(bad.fix!, /runtime = "runc".*\[engine\].*\/etc\/containers\/containers\.conf/);
  assert.equal(podmanRuntimeItem({ name: 'runc' }, hybrid, 'rootful').status, 'ok');
  assert.equal(podmanRuntimeItem({ name: 'crun' }, { mode: 'hybrid', v2Controllers: [] }, 'rootless').status, 'ok');
  assert.equal(podmanRuntimeItem({ name: 'crun' }, { mode: 'v2', v2Controllers: ['cpu'] }, 'rootless').status, 'ok');
  assert.equal(podmanRuntimeItem({ error: 'no answer within 10 s' }, hybrid, 'rootful').status, 'unknown');
});
