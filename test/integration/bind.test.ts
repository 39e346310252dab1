/**
 * trace bind (the kind added by its own folder): a server binding its port,
 * a second one refused with EADDRINUSE, a UDP socket; PIDs against /proc.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { docker, nsIds, removeContainers, runContainer, skipReason, traceCli, waitFor } from '../support/integration';
import type { BindEvent } from '../../src/protocol';

const skip = skipReason();
const C = `ct-it-bind-${process.pid}`;

describe('trace bind (integration)', { skip }, () => {
  before(() => runContainer(C, 'sleep 1000'));
  after(() => removeContainers(C));

  test('a server binding its port, a second one refused (EADDRINUSE), each with the socket and the PIDs', async () => {
    const t = traceCli('bind', '--container', C);
    await t.ready;
    docker('exec', '-d', C, 'nc', '-l', '-p', '8472');
    const ok = (await waitFor('the first bind', () => t.events.find((e) => (e as unknown as BindEvent).port === 8472 && (e as unknown as BindEvent).ret === 0))) as unknown as BindEvent;
    docker('exec', C, 'sh', '-c', 'nc -l -p 8472 2>/dev/null; true');
    const busy = (await waitFor('the refused bind', () => t.events.find((e) => (e as unknown as BindEvent).ret < 0))) as unknown as BindEvent;
    assert.equal(await t.stop(), 0);
    assert.equal(ok.protocol, 'tcp');
    assert.equal(ok.socketType, 'stream');
    assert.match(ok.family, /^IPv[46]$/);
    assert.ok(ok.fd >= 0);
    assert.equal(ok.comm, 'nc');
    // The long-lived server: its PIDs as the kernel has them.
    assert.deepEqual(nsIds(ok.hostPid).nspid, [ok.hostPid, ok.pid]);
    assert.equal(busy.error, 'EADDRINUSE');
    assert.equal(busy.port, 8472);
    docker('exec', C, 'sh', '-c', 'pkill nc; true');
  });
});
