import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adviseSeccomp, type AdviseTracer } from '../../src/kinds/syscalls/advise';
import { adviceMarkdown, dockerRunSnippet, DURATION_CHOICES, parseSeconds } from '../../src/ext/model/seccomp';
import type { TraceEndedParams, TraceEvent, TraceStartParams } from '../../src/protocol';

const report = (names: string[], inFlight?: string[]) =>
  ({ gadget: 'syscalls', time: '', container: { id: 'c', name: 'web' }, pid: 0, tid: 0, hostPid: 0, hostTid: 0, comm: '', interval: 1000, totalCalls: names.length, top: [], names, ...(inFlight ? { inFlight } : {}) }) as unknown as TraceEvent;

/** A tracer that records what it was asked, in order, and delivers the given reports. */
function recorder(reports: TraceEvent[], endReason: TraceEndedParams['reason'] = 'stopped') {
  const calls: string[] = [];
  let params: TraceStartParams | undefined;
  const tracer: AdviseTracer = {
    async start(p, onEvents, onEnded) {
      params = p;
      calls.push('start');
      this.stop = () => {
        calls.push('stop');
        setImmediate(() => {
          onEvents(reports);
          onEnded({ sessionId: 's', reason: endReason, received: reports.length, dropped: 0, droppedKernel: 0, droppedTransport: 0 });
        });
      };
      return { sessionId: 's' };
    },
    stop: () => undefined,
  };
  return { tracer, calls, params: () => params };
}

test('advise with a restart: the trace waits for the container and runs before the restart, is stopped after it, and its last report (delivered at the stop) counts', async () => {
  const r = recorder([report(['read', 'execve']), report(['read'], ['wait4'])]);
  const result = await adviseSeccomp(r.tracer, { ref: 'docker:web', seconds: 1, restart: async () => void r.calls.push('restart') });
  assert.deepEqual(r.calls, ['start', 'restart', 'stop']);
  assert.equal(r.params()?.wait, true);
  assert.equal(r.params()?.gadget, 'syscalls');
  assert.equal(r.params()?.container, 'docker:web');
  assert.equal(result.mode, 'restart');
  assert.deepEqual(result.names, ['execve', 'exit', 'exit_group', 'read', 'wait4']);
  assert.equal(result.early, undefined);
  assert.equal(result.seconds, 1);
});

test('advise without a restart: not waited for, the start set added; a failed restart stops the trace and says why', async () => {
  const r = recorder([report(['read'])]);
  const result = await adviseSeccomp(r.tracer, { ref: 'web', seconds: 1 });
  assert.equal(r.params()?.wait, undefined);
  assert.equal(result.mode, 'running');
  assert.ok(result.names.includes('execve') && result.added.includes('execve'));
  const failing = recorder([]);
  await assert.rejects(adviseSeccomp(failing.tracer, { ref: 'docker:web', seconds: 1, restart: () => Promise.reject(new Error('no such container')) }), /no such container/);
  assert.deepEqual(failing.calls, ['start', 'stop']);
});

test('advise: cancelled early is said', async () => {
  const r = recorder([report(['read'])]);
  const result = await adviseSeccomp(r.tracer, { ref: 'web', seconds: 3600, cancelled: () => true });
  assert.equal(result.early, 'cancelled');
  assert.ok(result.seconds < 1, `the seconds it traced, not those asked: ${result.seconds}`);
});

test('the extension\'s durations, a typed one checked, the docker run snippet quoted, the note says the mode and how to use the file', () => {
  assert.deepEqual(DURATION_CHOICES.map((d) => d.seconds), [10, 30, 60, undefined]);
  assert.equal(parseSeconds('45'), 45);
  assert.equal(parseSeconds(' 12 s'), 12);
  for (const bad of ['', '0', '-3', 'abc', '99999', '1e3']) assert.equal(typeof parseSeconds(bad), 'string', bad);
  assert.equal(dockerRunSnippet('/w/my dir/seccomp-web.json', 'nginx:1'), "docker run --security-opt 'seccomp=/w/my dir/seccomp-web.json' nginx:1");
  const base = { file: '/w/seccomp-web.json', container: 'web', image: 'nginx:1', seconds: 30, names: ['read', 'write'], added: ['exit_group'], blocked: ['wait4'], dropped: 0, unnamed: [], format: 'kubernetes' as const };
  const restart = adviceMarkdown({ ...base, mode: 'restart' });
  assert.match(restart, /2 syscalls, traced from the container's restart/);
  assert.match(restart, /Allowed without being seen: `exit_group`/);
  assert.match(restart, /Blocked in when the trace ended \(allowed\): `wait4`/);
  assert.match(restart, /localhostProfile: profiles\/seccomp-web\.json/);
  assert.doesNotMatch(restart, /ended early|dropped/);
  const running = adviceMarkdown({ ...base, mode: 'running', format: 'docker', early: 'container web exited', dropped: 3 });
  assert.match(running, /from a running container \(30s\) plus the start set/);
  assert.match(running, /The trace ended early\*\* \(container web exited\)/);
  assert.match(running, /3 counts were dropped/);
  assert.doesNotMatch(running, /Localhost/);
});
