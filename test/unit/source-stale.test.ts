/** A container's binary against the workspace's build output of the same name: stale only when every local build has another build ID. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staleReason } from '../../src/client/source/stale';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

test('another build ID in the workspace: stale, with both IDs; the same, or the very file: not', () => {
  const why = staleReason('web', '/usr/local/bin/app', A, [{ path: '/w/build/app', rel: 'build/app', buildId: B }], undefined);
  assert.match(why ?? '', /^web's \/usr\/local\/bin\/app \(build ID aaaaaaaaaaaa…\) is not the workspace's build\/app \(build ID bbbbbbbbbbbb…\)/);
  assert.equal(staleReason('web', '/usr/local/bin/app', A, [{ path: '/w/build/app', rel: 'build/app', buildId: A }], undefined), undefined, 'the same build');
  assert.equal(staleReason('web', '/src/app', A, [{ path: '/w/app', rel: 'app', buildId: B }], '/w/app'), undefined, 'the container runs the workspace file itself');
  assert.equal(staleReason('web', '/usr/local/bin/app', A, [{ path: '/w/a/app', rel: 'a/app', buildId: B }, { path: '/w/b/app', rel: 'b/app', buildId: A }], undefined), undefined, 'one of the builds is it');
  assert.equal(staleReason('web', '/usr/local/bin/app', A, [{ path: '/w/app.sh', rel: 'app', buildId: undefined }], undefined), undefined, 'not ELF: nothing to compare');
  assert.equal(staleReason('web', '/usr/local/bin/app', undefined, [{ path: '/w/app', rel: 'app', buildId: B }], undefined), undefined, 'the container\'s binary has no build ID');
});
