/**
 * `npm run bench`: a JSON-RPC client of `container-trace helper` that takes
 * events as the extension does (TraceReceiver: raw records decoded on this
 * side) and counts them. Bundled by scripts/bench.mjs.
 */
import { spawn } from 'node:child_process';
import { connectHelper } from '../../src/client/helper-reader';
import { TraceReceiver } from '../../src/client/trace-receiver';
import { Initialize, PROTOCOL_VERSION, TraceEnded, TraceStart, TraceStop, type KindName, type TraceEndedParams, type TraceStartParams } from '../../src/protocol';

export async function startHelper(cliJs: string, container: string) {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [cliJs, 'helper'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const c = connectHelper({ stdout: child.stdout, stdin: child.stdin });
  const sessions = new Map<string, { events: number; generated: number; end: (p: TraceEndedParams) => void }>();
  const receiver = new TraceReceiver((id, events) => {
    const s = sessions.get(id);
    if (!s) return;
    s.events += events.length;
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
      const s = { events: 0, generated: 0, end };
      sessions.set(r.sessionId, s);
      receiver.started(gadget, r);
      return {
        readyMs: performance.now() - t,
        events: () => s.events,
        generated: () => s.generated,
        stop: async () => {
          await c.sendRequest(TraceStop, { sessionId: r.sessionId });
          return ended;
        },
      };
    },
    close: async () => {
      child.stdin.end();
      await new Promise((r) => child.on('exit', r));
    },
  };
}
