/**
 * User namespace mappings: /proc/<pid>/uid_map parsed (the host's own is no
 * mapping at all), host ids seen from inside (rootless Podman: 0 is the
 * user, 1… the subordinate range, others the overflow id), and the exec
 * decoder showing the container's uid with the host's beside it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseIdMap, readIdMap } from '../../src/proc/idmap';
import { idInside, OVERFLOW_ID } from '../../src/kinds/shared/idmap';
import { decodeExec, EXEC_LAYOUT } from '../../src/kinds/exec/decode';
import { HDR_LAYOUT, WallClock, type DecodeContext } from '../../src/kinds/shared/decode';

const ROOTLESS = '         0       1001          1\n         1     100000      65536\n';

test('uid_map lines parsed; the host\'s identity map is no mapping', () => {
  assert.deepEqual(parseIdMap(ROOTLESS), [
    [0, 1001, 1],
    [1, 100000, 65536],
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-idmap-'));
  try {
    fs.mkdirSync(path.join(dir, '7'));
    fs.writeFileSync(path.join(dir, '7', 'uid_map'), '         0          0 4294967295\n');
    fs.writeFileSync(path.join(dir, '7', 'gid_map'), '         0          0 4294967295\n');
    assert.equal(readIdMap(7, dir), undefined);
    fs.writeFileSync(path.join(dir, '7', 'uid_map'), ROOTLESS);
    assert.deepEqual(readIdMap(7, dir)?.uid[0], [0, 1001, 1]);
    assert.equal(readIdMap(8, dir), undefined, 'a process gone');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('host ids seen from inside the namespace', () => {
  const r = parseIdMap(ROOTLESS);
  assert.equal(idInside(r, 1001), 0);
  assert.equal(idInside(r, 100000), 1);
  assert.equal(idInside(r, 100999), 1000);
  assert.equal(idInside(r, 0), OVERFLOW_ID, 'host root is not mapped');
});

test('exec: the uid inside the container, the host uid beside it; none beside it without a mapping', () => {
  const bytes = Buffer.alloc(EXEC_LAYOUT.fields.args + 8);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(HDR_LAYOUT.ids + 16, 4026532000, true); // pidns
  dv.setUint32(EXEC_LAYOUT.fields.uid, 1001, true);
  dv.setUint32(EXEC_LAYOUT.fields.gid, 100004, true);
  const ctx: DecodeContext = { container: { id: 'c', name: 'c' }, clock: new WallClock() };
  let e = decodeExec(dv, bytes, 0, bytes.length, ctx);
  assert.equal(e.uid, 1001);
  assert.equal(e.hostUid, undefined);
  const ids = { uid: parseIdMap(ROOTLESS), gid: parseIdMap(ROOTLESS) };
  e = decodeExec(dv, bytes, 0, bytes.length, { ...ctx, ids });
  assert.deepEqual([e.uid, e.gid, e.hostUid, e.hostGid], [0, 5, 1001, 100004]);
  // A selector trace: by the record's PID namespace.
  e = decodeExec(dv, bytes, 0, bytes.length, { ...ctx, byPidns: new Map(), idsByPidns: new Map([[4026532000, ids]]) });
  assert.deepEqual([e.uid, e.hostUid], [0, 1001]);
});
