/**
 * The extension's session model without VS Code: the row cap (older events
 * leave in bulk, counted), counters, listeners, and the output's rate limit
 * (lines per second, then a count of what was skipped).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceSessionModel } from '../../src/ext/model/session';
import { clock } from '../../src/ext/format';
import type { LineChannel } from '../../src/ext/model/output';
import type { TraceEvent } from '../../src/protocol';

function channel(): LineChannel & { lines: string[] } {
  const lines: string[] = [];
  return { name: 'test', lines, appendLine: (l) => void lines.push(...l.split('\n')), show: () => undefined, dispose: () => undefined };
}

const ev = (i: number): TraceEvent =>
  ({ gadget: 'exit', time: '2026-11-22T04:00:00.000000000Z', container: { id: 'c', name: 'c' }, pid: i, tid: i, hostPid: 1000 + i, hostTid: 1000 + i, comm: 'sh', lifetimeMs: 1, exitCode: 0, signal: null, coreDumped: false, ppid: 1, hostPpid: 1, thread: false }) as unknown as TraceEvent;

test('rows are capped at maxRows (trimmed in bulk past 10 %), every event counted', () => {
  const out = channel();
  const s = new TraceSessionModel({ gadget: 'exit', container: 'c' }, () => out, () => ({ maxRows: 1000, maxLinesPerSecond: 100_000 }));
  let seen = 0;
  const sub = s.onEvents((b) => (seen += b.length));
  for (let i = 0; i < 25; i++) s.add(Array.from({ length: 100 }, (_, k) => ev(i * 100 + k)));
  assert.equal(s.received, 2500);
  assert.equal(seen, 2500);
  assert.ok(s.rows.length <= 1100 && s.rows.length >= 1000, `${s.rows.length} rows kept`);
  assert.equal(s.rows.length + s.evicted, 2500, 'kept + evicted = received');
  assert.equal(s.rows[s.rows.length - 1].pid, 2499, 'the newest are kept');
  sub.dispose();
  s.add([ev(1)]);
  assert.equal(seen, 2500, 'a disposed listener hears nothing');
  s.dispose();
});

test('the output writes at most maxLinesPerSecond lines, then says how many it skipped', () => {
  const out = channel();
  const s = new TraceSessionModel({ gadget: 'exit', container: 'c' }, () => out, () => ({ maxRows: 50_000, maxLinesPerSecond: 50 }));
  s.add(Array.from({ length: 1000 }, (_, i) => ev(i)));
  s.output.flush();
  const events = out.lines.filter((l) => /process exit 0/.test(l));
  assert.equal(events.length, 10, '50 lines/s is 10 lines per 200 ms flush');
  assert.match(out.lines[out.lines.length - 1], /… 990 lines skipped \(output is limited to 50 lines\/s; the live view and export have them\)/);
  assert.equal(s.rows.length, 1000, 'the live view keeps them');
  s.output.note('Trace ended');
  assert.equal(out.lines[out.lines.length - 1], 'Trace ended', 'notes bypass the limit');
  s.dispose();
});

test('titles and scope words say what is traced', () => {
  const s = new TraceSessionModel({ gadget: 'exec', container: 'web', scope: { pid: 7, follow: true } }, () => channel(), () => ({ maxRows: 10, maxLinesPerSecond: 10 }));
  assert.equal(s.title, 'web · exec', 'titled by container and kind');
  assert.equal(s.scopeShort, 'PID 7+');
  assert.equal(s.scopeText, 'process 7 and descendants');
  s.dispose();
});

test('clock: an event time as local HH:MM:SS.mmm, read once a second, the same as Date reads it', () => {
  const viaDate = (t: string) => {
    const d = new Date(t);
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  };
  const times = ['2026-12-03T19:05:24.192989156Z', '2026-12-03T19:05:24.999999999Z', '2026-12-03T19:05:25.000000001Z', '2026-12-31T23:59:59.123456789Z', '2027-01-01T00:00:00.000000000Z', '2026-12-03T19:05:25.5Z', '2026-12-03T19:05:25Z', 'not a time at all, 24+ch.Z'];
  for (const t of times) assert.equal(clock(t), viaDate(t), t);
});
