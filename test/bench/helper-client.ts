/**
 * `npm run bench`: a JSON-RPC client of `container-trace helper` that takes
 * events as the extension does (TraceReceiver: raw records decoded on this
 * side) and counts them. Bundled by scripts/bench.mjs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connectHelper } from '../../src/client/helper-reader';
import { TraceReceiver } from '../../src/client/trace-receiver';
import { Initialize, PROTOCOL_VERSION, TraceEnded, TraceStart, TraceStop, type KindName, type TraceEndedParams, type TraceStartParams } from '../../src/protocol';

export async function startHelper(cliJs: string, container: string) {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [cliJs, 'helper'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const c = connectHelper({ stdout: child.stdout, stdin: child.stdin });
  const sessions = new Map<string, { events: number; generated: number; arrivals?: number[]; end: (p: TraceEndedParams) => void }>();
  const receiver = new TraceReceiver((id, events) => {
    const s = sessions.get(id);
    if (!s) return;
    s.events += events.length;
    s.arrivals?.push(performance.now());
    // the generator's failed opens (ct-target open/openmix), as the file counts find them
    for (const e of events) if (e.comm === 'ct-target' && e.gadget === 'open' && e.path === '/nonexistent-ct-bench') s.generated++;
  });
  receiver.listen(c);
  c.onNotification(TraceEnded, (p) => sessions.get(p.sessionId)?.end(p));
  c.listen();
  await c.sendRequest(Initialize, { protocolVersion: PROTOCOL_VERSION, client: { name: 'bench', version: '1' } });
  return {
    child,
    spawnedAt,
    async trace(gadget: KindName, extra: Partial<TraceStartParams> = {}) {
      const t = performance.now();
      let end!: (p: TraceEndedParams) => void;
      const ended = new Promise<TraceEndedParams>((resolve) => (end = resolve));
      const r = await c.sendRequest(TraceStart, { gadget, container, ...extra });
      const s: { events: number; generated: number; arrivals?: number[]; end: typeof end } = { events: 0, generated: 0, end };
      sessions.set(r.sessionId, s);
      receiver.started(gadget, r);
      return {
        readyMs: performance.now() - t,
        events: () => s.events,
        generated: () => s.generated,
        /** From now on, when each batch of events arrived (performance.now()). */
        track: () => (s.arrivals = []),
        /** The longest time between two batches (or a window's edge and a batch) within [from, to], in ms. */
        longestGap: (from: number, to: number) => {
          const t = [from, ...(s.arrivals ?? []).filter((x) => x > from && x < to), to];
          return Math.max(...t.slice(1).map((x, i) => x - t[i]));
        },
        stop: async () => {
          await c.sendRequest(TraceStop, { sessionId: r.sessionId });
          return ended;
        },
        /** trace/stop's answer (ms from the request), and when trace/ended came (ms from the request). */
        timedStop: async () => {
          const t0 = performance.now();
          await c.sendRequest(TraceStop, { sessionId: r.sessionId });
          const answeredMs = performance.now() - t0;
          const e = await ended;
          return { answeredMs, endedMs: performance.now() - t0, ended: e };
        },
      };
    },
    /** The helper's resident memory now and its peak (MB, from /proc). */
    rss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
      return { nowMb: kb('VmRSS'), peakMb: kb('VmHWM') };
    },
    close: async () => {
      child.stdin.end();
      await new Promise((r) => child.on('exit', r));
    },
  };
}
