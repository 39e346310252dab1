/**
 * The helper as the extension drives it: JSON-RPC on stdio, events in
 * batches, and no BPF program left behind however it ends.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TraceReceiver } from '../../src/client/trace-receiver';
import { docker, ourPrograms, removeContainers, runContainer, skipReason, startHelper, waitFor, type HelperRun } from '../support/integration';
import { ErrorCode, TraceEnded, TraceStart, TraceStats, TraceStop, type TraceEndedParams, type TraceEvent, type TraceStatsParams } from '../../src/protocol';

const skip = skipReason();
const A = `ct-it-helper-${process.pid}`;

async function traceWithHelper(container: string) {
  const helper = await startHelper();
  const events: TraceEvent[] = [];
  const stats: TraceStatsParams[] = [];
  const ended: TraceEndedParams[] = [];
  // As the extension takes them: raw records decoded on this side.
  const receiver = new TraceReceiver((_id, batch) => events.push(...batch));
  receiver.listen(helper.connection);
  helper.connection.onNotification(TraceStats, (p) => {
    stats.push(p);
  });
  helper.connection.onNotification(TraceEnded, (p) => {
    ended.push(p);
  });
  const result = await helper.connection.sendRequest(TraceStart, { gadget: 'exec', container });
  receiver.started('exec', result);
  return { helper, events, stats, ended, result };
}

async function noProgramsLeft(before: number[]) {
  await waitFor('our BPF programs to be gone', () => {
    const now = ourPrograms().filter((id) => !before.includes(id));
    return now.length === 0;
  }, 5000);
}

describe('helper (integration)', { skip }, () => {
  before(() => runContainer(A, 'while :; do sleep 0.3; done'));
  after(() => removeContainers(A));

  test('trace/start → trace/events and trace/stats → trace/stop → trace/ended; detached', async () => {
    const before = ourPrograms();
    const { helper, events, stats, ended, result } = await traceWithHelper(A);
    assert.equal(result.container.name, A);
    assert.equal(result.pidNamespaceLevel, 1);
    assert.ok(ourPrograms().length > before.length, 'programs attached while tracing');
    docker('exec', A, 'sh', '-c', '/bin/echo via-helper');
    await waitFor('the exec event', () => events.find((e) => e.gadget === 'exec' && e.args.includes('via-helper')));
    await waitFor('a stats notification', () => stats.length > 0);
    assert.equal(stats[0].sessionId, result.sessionId);
    // Answered once nothing more is made: what was sent before the answer, all of it received.
    const counters = await helper.connection.sendRequest(TraceStop, { sessionId: result.sessionId });
    assert.equal(counters.received, events.length);
    assert.equal(counters.dropped, 0);
    await waitFor('trace/ended', () => ended.length === 1);
    assert.equal(ended[0].reason, 'stopped');
    assert.equal(ended[0].received, events.length, 'the final count is what arrived');
    await noProgramsLeft(before);
    helper.child.stdin!.end();
    assert.equal(await helper.exited, 0);
  });

  test('a stop blocks nothing: answered at once, the other trace keeps flowing while the links go, its end exact and after the answer', async () => {
    const before = ourPrograms();
    const B = `${A}-busy`;
    runContainer(B, 'while :; do cat /nonexistent-ct-stop 2>/dev/null; done');
    let running: HelperRun | undefined;
    try {
      // One receiver and one handler per notification (a connection keeps one per method).
      const helper = (running = await startHelper());
      const events: TraceEvent[] = [];
      const otherArrivals: number[] = [];
      const otherEvents: TraceEvent[] = [];
      const ended: TraceEndedParams[] = [];
      const order: string[] = [];
      let endedAt = 0;
      const receiver = new TraceReceiver((id, batch) => {
        if (id === result.sessionId) events.push(...batch);
        else {
          otherArrivals.push(performance.now());
          otherEvents.push(...batch);
        }
      });
      receiver.listen(helper.connection);
      helper.connection.onNotification(TraceEnded, (p) => {
        if (p.sessionId !== result.sessionId) return;
        ended.push(p);
        endedAt = performance.now();
        order.push('ended');
      });
      const result = await helper.connection.sendRequest(TraceStart, { gadget: 'exec', container: A });
      receiver.started('exec', result);
      // The other trace: opens of a busy container, a batch every poll.
      const other = await helper.connection.sendRequest(TraceStart, { gadget: 'open', container: B });
      receiver.started('open', other);
      await waitFor('the other trace to flow', () => otherEvents.length > 100);
      const asked = performance.now();
      await helper.connection.sendRequest(TraceStop, { sessionId: result.sessionId });
      order.push('answered');
      const answered = performance.now();
      await waitFor('trace/ended', () => ended.length === 1);
      assert.equal(order[0], 'answered', `the answer comes before the end: ${order.join(', ')}`);
      const between = otherArrivals.filter((t) => t > asked && t < endedAt).length;
      assert.ok(between >= 2, `the other trace's batches kept coming while the first one's links went: ${between} between the stop (answered after ${(answered - asked).toFixed(1)} ms) and its end (${(endedAt - asked).toFixed(1)} ms)`);
      assert.equal(ended[0].received, events.length, 'the stopped trace lost nothing on its way out');
      assert.equal(ended[0].dropped, 0);
      const otherCounters = await helper.connection.sendRequest(TraceStop, { sessionId: other.sessionId });
      assert.ok(otherCounters.received >= otherEvents.length);
      helper.child.stdin!.end();
      assert.equal(await helper.exited, 0);
      await noProgramsLeft(before);
    } finally {
      running?.child.kill('SIGKILL');
      removeContainers(B);
    }
  });

  for (const how of ['SIGKILL', 'SIGTERM', 'stdin closed'] as const) {
    test(`a helper ended by ${how} leaves no BPF program attached`, async () => {
      const before = ourPrograms();
      const { helper, events } = await traceWithHelper(A);
      assert.ok(ourPrograms().length > before.length);
      await waitFor('some events', () => events.length > 0);
      if (how === 'stdin closed') helper.child.stdin!.end();
      else helper.child.kill(how);
      const code = await helper.exited;
      if (how === 'SIGKILL') assert.equal(code, 'SIGKILL');
      else assert.equal(code, 0, helper.stderr());
      await noProgramsLeft(before);
    });
  }

  test('a container that stops ends its sessions with container-exited', async () => {
    const B = runContainer(`${A}-stop`, 'while :; do sleep 0.3; done');
    const before = ourPrograms();
    let helper: HelperRun | undefined;
    try {
      const run = await traceWithHelper(B);
      helper = run.helper;
      docker('kill', B);
      await waitFor('trace/ended', () => run.ended.length === 1, 5000);
      assert.equal(run.ended[0].reason, 'container-exited');
      assert.match(run.ended[0].message ?? '', new RegExp(`container ${B} exited`));
      await noProgramsLeft(before);
    } finally {
      helper?.child.kill();
      removeContainers(B);
    }
  });

  test('errors name the problem: unknown container, unknown PID', async () => {
    const helper = await startHelper();
    try {
      await assert.rejects(helper.connection.sendRequest(TraceStart, { gadget: 'exec', container: 'no-such-container-xyz' }), (e: { code: number; message: string }) => {
        assert.equal(e.code, ErrorCode.ContainerNotFound);
        assert.match(e.message, /no container "no-such-container-xyz"/);
        return true;
      });
      await assert.rejects(helper.connection.sendRequest(TraceStart, { gadget: 'exec', container: A, scope: { pid: 4000000 } }), (e: { code: number; message: string }) => {
        assert.equal(e.code, ErrorCode.UnknownPid);
        assert.match(e.message, new RegExp(`no process with PID 4000000 in container ${A} \\(\\w{12}\\); its PIDs are 1`));
        return true;
      });
    } finally {
      helper.child.stdin!.end();
      await helper.exited;
    }
  });
});
