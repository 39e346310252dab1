/**
 * UI cost, measured inside the real VS Code extension host (code-server):
 * an open trace with its live view and output channel, fed by a load
 * generator at several rates. Per rate: events the extension counted
 * against what the helper sent, drops, and the extension host's event-loop
 * delay (how responsive the window's extensions stay). Writes JSON to
 * CT_BENCH_RESULTS. Timing only; nothing here passes or fails a test.
 */
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ContainerTraceApi } from '../../../src/extension';
import type { TraceSessionModel } from '../../../src/ext/sessions';
import { keepUp } from './keep-up';

const CONTAINER = process.env.CT_BENCH_CONTAINER!;
const RESULTS = process.env.CT_BENCH_RESULTS!;
const FULL_RATE_EVENTS = 2_000_000;
const RATES = JSON.parse(process.env.CT_BENCH_RATES ?? '[10000,50000,100000]') as number[];
const SECONDS = Number(process.env.CT_BENCH_SECONDS ?? 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Diagnosis (CT_BENCH_EXT_PROFILE=dir): the extension host's own CPU profile over a step's load. */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const inspector = await import('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async (file) => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

function generate(n: number, rate: number): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile('docker', ['exec', CONTAINER, '/bin/ct-target', 'open', String(n), String(rate)], (err, out) =>
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

export async function run(): Promise<void> {
  if (process.env.CT_BENCH_MODE === 'keep-up') return keepUp();
  const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'container-trace')!;
  const { services } = (await ext.activate()) as ContainerTraceApi;
  const out: unknown[] = [];
  try {
    // Rate 0: the generator as fast as it goes (FULL_RATE_EVENTS events). Two steps in a row
    // that drop or pass the event-loop p99 of 50 ms end the search (the full-rate step too).
    let misses = 0;
    for (const rate of RATES) {
      if (misses >= 2) break;
      const session = (await vscode.commands.executeCommand('containerTrace.traceProcess', { container: CONTAINER, gadget: 'open' })) as TraceSessionModel;
      await sleep(2000); // the live view loads
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const made = rate ? rate * SECONDS : FULL_RATE_EVENTS;
      const t0 = Date.now();
      const startedAt = t0;
      const profiling = process.env.CT_BENCH_EXT_PROFILE ? await startProfile() : undefined;
      const ops = await generate(made, rate);
      if (profiling) await profiling(path.join(process.env.CT_BENCH_EXT_PROFILE!, `ext-host-${rate || 'full'}.cpuprofile`));
      // Until the counts settle: what arrived late is still counted.
      let last = -1;
      while (session.received !== last) {
        last = session.received;
        await sleep(300);
      }
      delay.disable();
      const busyMs = Date.now() - t0;
      await vscode.commands.executeCommand('containerTrace.stopTrace', session.key);
      await waitFor('the trace to end', () => session.state === 'ended');
      out.push({
        rate,
        generatorOps: ops,
        made,
        received: session.received,
        helperSent: session.helperReceived ?? null,
        dropped: session.dropped,
        exact: session.helperReceived === session.received,
        loopDelayP50Ms: delay.percentile(50) / 1e6,
        loopDelayP99Ms: delay.percentile(99) / 1e6,
        loopDelayMaxMs: delay.max / 1e6,
        busyMs,
        startedAt,
        endedAt: Date.now(),
      });
      const step = out[out.length - 1] as { dropped: number; exact: boolean; loopDelayP99Ms: number; received: number };
      misses = step.dropped === 0 && step.exact && step.received >= made && step.loopDelayP99Ms < 50 ? 0 : misses + 1;
      services.sessions.clear(session);
    }
  } finally {
    await services.sessions.stopAll();
    fs.writeFileSync(RESULTS, JSON.stringify(out));
  }
}
