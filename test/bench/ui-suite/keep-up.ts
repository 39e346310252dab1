/**
 * Keeping up, inside the real extension host: for each kind, a trace with
 * its live view and output channel open, fed by a generator in the
 * container at a steady rate for a while. This side starts the traces and
 * the generators and records what the window received and when (each batch:
 * the count so far and the kernel time of its newest event); the browser
 * side (../keep-up-sampler.ts) reads what the user sees — the view, the
 * Traces view, the status bar, the output — and acts as a user does (tab
 * switches, filter keystrokes, Stop) when asked through files in
 * CT_BENCH_CONTROL. Timing only; nothing here passes or fails a test.
 */
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ContainerTraceApi } from '../../../src/extension';
import type { TraceSessionModel } from '../../../src/ext/sessions';
import type { KindName, TraceOptions } from '../../../src/protocol';

export interface KeepUpLoad {
  kind: KindName;
  /** ct-target's generator (test/fixtures/ct-target.c) and its operations a second. */
  op: string;
  rate: number;
  options?: TraceOptions;
}

const CONTAINER = process.env.CT_BENCH_CONTAINER!;
const RESULTS = process.env.CT_BENCH_RESULTS!;
const CONTROL = process.env.CT_BENCH_CONTROL!;
const SECONDS = Number(process.env.CT_BENCH_SECONDS ?? 10);
const LOADS = JSON.parse(process.env.CT_BENCH_LOADS ?? '[]') as KeepUpLoad[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `op` at `rate` a second for `seconds` (or less, when it cannot go that fast); its operations a second. */
function generate(op: string, rate: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile('docker', ['exec', CONTAINER, '/bin/ct-target', op, String(Math.round(rate * seconds)), String(rate), String(seconds)], (err, out) =>
      err ? reject(err) : resolve(Number(/ops\/s (\d+)/.exec(out)?.[1] ?? 0)),
    ),
  );
}

async function waitFor(what: string, fn: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let seq = 0;
/** Ask the browser side to do something; its answer. */
async function ask<T>(request: Record<string, unknown>, ms = 180_000): Promise<T> {
  const n = ++seq;
  const reply = path.join(CONTROL, `reply-${n}.json`);
  fs.writeFileSync(path.join(CONTROL, `request-${n}.tmp`), JSON.stringify({ seq: n, ...request }));
  fs.renameSync(path.join(CONTROL, `request-${n}.tmp`), path.join(CONTROL, `request-${n}.json`));
  const until = Date.now() + ms;
  while (!fs.existsSync(reply)) {
    if (Date.now() > until) throw new Error(`no answer to ${JSON.stringify(request)}`);
    await sleep(50);
  }
  return JSON.parse(fs.readFileSync(reply, 'utf8')) as T;
}

export async function keepUp(): Promise<void> {
  const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'container-trace')!;
  const { services } = (await ext.activate()) as ContainerTraceApi;
  await vscode.commands.executeCommand('containerTrace.traces.focus');
  const out: unknown[] = [];
  try {
    for (const load of LOADS) {
      const session = (await vscode.commands.executeCommand('containerTrace.traceProcess', { container: CONTAINER, gadget: load.kind, options: load.options })) as TraceSessionModel;
      await waitFor('the trace to run', () => session.state === 'running');
      // The heap held before the load (collected), to tell the trace's share from what was there.
      const ready = await ask<{ held?: { mb: number; of: string } | null }>({ do: 'ready', kind: load.kind });
      /** [wall ms, events received so far, kernel time of the batch's newest event (ms)]. */
      const timeline: [number, number, number][] = [];
      const sub = session.onEvents((events) => {
        const last = events[events.length - 1];
        if (last) timeline.push([Date.now(), session.received, Date.parse(last.time)]);
      });
      const helperSent: [number, number][] = [];
      const stats = services.helper.onStats((p) => p.sessionId === session.helperId && helperSent.push([Date.now(), p.received]));
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const before = session.received;
      const genStart = Date.now();
      const generating = generate(load.op, load.rate, SECONDS);
      // Halfway: a user switches tabs and types in the filter.
      await sleep((SECONDS * 1000) / 2);
      const interactions = await ask({ do: 'interact' });
      const ops = await generating;
      const genEnd = Date.now();
      delay.disable();
      // The window's count once (almost) nothing more arrives (a map kind reports once a second regardless).
      let last = -1;
      for (let i = 0; i < 60 && session.received - last > 2; i++) {
        last = session.received;
        await sleep(1500);
      }
      last = session.received;
      const caughtUp = await ask<Record<string, unknown>>({ do: 'caught-up', received: last, since: genEnd, maxRate: 2, kind: load.kind }, 200_000);
      // A second burst, stopped while it runs.
      const burst = generate(load.op, load.rate, 4).catch(() => 0);
      await sleep(2000);
      const stop = await ask({ do: 'stop' });
      await waitFor('the trace to end', () => session.state === 'ended', 60_000);
      await burst;
      sub.dispose();
      stats.dispose();
      out.push({
        kind: load.kind,
        op: load.op,
        rate: load.rate,
        generatorOps: ops,
        events: last - before,
        eventsPerSec: Math.round(((last - before) * 1000) / Math.max(1, genEnd - genStart)),
        genStart,
        genEnd,
        timeline,
        helperSent,
        received: session.received,
        helperReceived: session.helperReceived ?? null,
        dropped: session.dropped,
        loopDelayP99Ms: delay.percentile(99) / 1e6,
        loopDelayMaxMs: delay.max / 1e6,
        interactions,
        caughtUp,
        heldHeapBefore: ready.held ?? null,
        stop,
      });
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      services.sessions.remove(session);
      await sleep(1000);
    }
  } finally {
    await services.sessions.stopAll();
    fs.writeFileSync(RESULTS, JSON.stringify(out));
  }
}
