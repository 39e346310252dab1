/**
 * Runs inside a code-server that runs as an unprivileged user: the extension
 * must start its helper elevated (here: sudo -n allowed for the installed
 * launcher only) and receive events, with no prompt.
 */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { ContainerTraceApi } from '../../../src/extension';
import type { TraceSessionModel } from '../../../src/ext/sessions';

export async function run(): Promise<void> {
  const results = process.env.CT_E2E_RESULTS!;
  const lines: string[] = [];
  try {
    assert.notEqual(process.getuid?.(), 0, 'the extension host runs as a normal user');
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'container-trace')!;
    const api = (await ext.activate()) as ContainerTraceApi;
    const session = (await vscode.commands.executeCommand('containerTrace.traceProcess', {
      container: process.env.CT_E2E_CONTAINER,
      gadget: 'exec',
      background: true,
    })) as TraceSessionModel;
    assert.ok(session, `the trace started (it failed with: ${api.services.sessions.sessions.find((x) => x.failedToStart)?.endMessage ?? 'no failed session recorded'})`);
    assert.equal(session.state, 'running');
    assert.equal(api.services.helper.info?.uid, 0, 'the helper runs as root');
    const until = Date.now() + 60_000;
    while (!session.rows.some((e) => e.gadget === 'exec' && e.args.includes('user-marker'))) {
      if (Date.now() > until) throw new Error('no event from the container');
      await new Promise((r) => setTimeout(r, 100));
    }
    lines.push(`ok - as uid ${process.getuid?.()}, the extension started the helper (uid 0) without a prompt and received events`);
    await vscode.commands.executeCommand('containerTrace.stopTrace', session.key);
  } catch (err) {
    lines.push(`not ok - ${(err as Error).stack ?? err}`);
  }
  fs.writeFileSync(results, lines.join('\n') + '\n');
  if (lines.some((l) => l.startsWith('not ok'))) throw new Error('failed');
}
