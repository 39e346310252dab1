/**
 * Runs inside code-server's real extension host (extensionTestsPath): the
 * real extension, the real helper, real BPF. Results go to a file the outer
 * test reads; run() rejects when any check fails.
 */
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { ContainerTraceApi } from '../../../src/extension';
import type { ContainerItem, ProcessItem, RuntimeItem } from '../../../src/ext/views/containers-tree';
import type { TraceSessionModel } from '../../../src/ext/sessions';
import type { BindEvent, ExecEvent, OpenEvent, ProfileEvent } from '../../../src/protocol';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

const CONTAINER = process.env.CT_E2E_CONTAINER!;
const RESULTS = process.env.CT_E2E_RESULTS!;

/** Wait for a state, with a deadline generous enough for a loaded machine. */
async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function ourPrograms(): number[] {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as { id: number; name?: string }[];
  return progs.filter((p) => /^(exec_|exit_|open_|signal_|tcp_|syscalls_|uprobe_|proctree_|probe_|profile_|ct_follow_)/.test(p.name ?? '')).map((p) => p.id);
}

/** "Trace Process in Container" as a script runs it; when no session comes back, fails with why the start failed (the ended session it left). */
async function traceProcess(services: ContainerTraceApi['services'], args: Record<string, unknown>): Promise<TraceSessionModel> {
  const session = (await vscode.commands.executeCommand('containerTrace.traceProcess', args)) as TraceSessionModel | undefined;
  if (!session) {
    const failed = services.sessions.sessions.find((x) => x.failedToStart);
    assert.fail(`the command returns the session: no session; the start failed with: ${failed?.endMessage ?? '(no failed session recorded)'}`);
  }
  return session;
}

export async function run(): Promise<void> {
  const lines: string[] = [];
  let failed = 0;
  const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'container-trace');
  assert.ok(ext, 'the extension is installed in this VS Code');
  const api = (await ext.activate()) as ContainerTraceApi;
  const { services, containersTree } = api;
  const hostPid = Number(execFileSync('docker', ['inspect', '-f', '{{.State.Pid}}', CONTAINER], { encoding: 'utf8' }));
  let session: TraceSessionModel | undefined;
  const before = ourPrograms();

  const tests: [string, () => Promise<void>][] = [
    [
      'the Containers view lists the test container and its processes with container and host PIDs',
      async () => {
        // The view as it is once Docker has answered (a first listing may still be under way).
        const runtimes = await waitFor('the runtimes in the Containers view', async () => {
          const r = (await containersTree.getChildren()) as RuntimeItem[];
          return r.length > 0 && r;
        });
        assert.equal(runtimes[0].label, 'Docker');
        const item = await waitFor(`${CONTAINER} in the Containers view`, async () => ((await containersTree.getChildren(runtimes[0])) as ContainerItem[]).find((c) => c.label === CONTAINER));
        assert.equal(item.contextValue, 'container.running.docker', 'a running Docker container (with the Container Tools menus)');
        const processes = (await containersTree.getChildren(item)) as ProcessItem[];
        const init = processes.find((p) => p.process.hostPid === hostPid);
        assert.ok(init, 'the init process is a top-level node');
        assert.match(String(init.label), /^1 sh -c /);
        assert.equal(init.description, `host ${hostPid}`);
        const children = (await containersTree.getChildren(init)) as ProcessItem[];
        for (const c of children) assert.equal(c.process.ppid, 1, 'children sit under their parent');
      },
    ],
    [
      'running "Trace Process in Container" starts a session whose events arrive with both PID views',
      async () => {
        session = await traceProcess(services, { container: CONTAINER, gadget: 'exec' });
        assert.ok(session, 'the command returns the session');
        assert.equal(session.state, 'running');
        assert.equal(services.sessions.running.length, 1);
        assert.ok(ourPrograms().length > before.length, 'BPF programs attached');
        execFileSync('docker', ['exec', '-d', CONTAINER, 'sleep', '41.5']);
        const ev = (await waitFor('the exec event', () => session!.rows.find((e) => (e as ExecEvent).args[1] === '41.5'))) as ExecEvent;
        const status = fs.readFileSync(`/proc/${ev.hostPid}/status`, 'utf8');
        assert.match(status, new RegExp(`^NSpid:\\s+${ev.hostPid}\\s+${ev.pid}$`, 'm'));
        assert.equal(ev.container.name, CONTAINER);
        await waitFor('counters', () => session!.received > 0);
      },
    ],
    [
      'stopping the session ends it and detaches the BPF programs',
      async () => {
        await vscode.commands.executeCommand('containerTrace.stopTrace', session!.key);
        await waitFor('the session to end', () => session!.state === 'ended');
        assert.equal(session!.endReason, 'stopped');
        await waitFor('the programs to be detached', () => ourPrograms().filter((id) => !before.includes(id)).length === 0);
      },
    ],
    [
      'other kinds run through the same command, with their options (open, failed only)',
      async () => {
        const s = await traceProcess(services, { container: CONTAINER, gadget: 'open', options: { failedOnly: true }, background: true });
        assert.equal(s.state, 'running');
        execFileSync('docker', ['exec', CONTAINER, 'sh', '-c', 'cat /etc/passwd >/dev/null; cat /no/such/e2e-file 2>/dev/null; true']);
        const ev = (await waitFor('the failed open', () => s.rows.find((e) => e.gadget === 'open' && e.path === '/no/such/e2e-file'))) as OpenEvent;
        assert.equal(ev.errno, 'ENOENT');
        assert.ok(s.rows.every((e) => e.gadget === 'open' && e.errno !== undefined), 'failed opens only');
        await vscode.commands.executeCommand('containerTrace.stopTrace', s.key);
        await waitFor('the session to end', () => s.state === 'ended');

        // Exports, as the live view's Export… writes them: Perfetto, the summary as CSV, JSON Lines.
        const dir = fs.mkdtempSync('/tmp/ct-e2e-export-');
        const out = async (format: string, file: string) => {
          const target = vscode.Uri.file(`${dir}/${file}`);
          await vscode.commands.executeCommand('containerTrace.exportTrace', { session: s.key, format, target });
          return fs.readFileSync(target.fsPath, 'utf8');
        };
        const trace = JSON.parse(await out('perfetto', 'trace.json')) as { traceEvents: { ph: string; name: string; pid: number; args?: Record<string, unknown> }[] };
        const instants = trace.traceEvents.filter((e) => e.ph === 'i');
        assert.equal(instants.length, s.rows.length, 'one instant event per event');
        const failedOpen = instants.find((e) => e.args?.path === '/no/such/e2e-file');
        assert.ok(failedOpen, 'the failed open is in the trace');
        const names = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name');
        assert.ok(names.some((m) => m.pid === failedOpen.pid && /^cat · pid \d+ in /.test(String(m.args?.name))), 'its track is named by the container PID and comm');
        const csv = (await out('csv', 'paths.csv')).trim().split('\r\n');
        assert.equal(csv[0], 'Path,Opens,Failed,Errors,Processes,PID');
        assert.ok(csv.some((l) => l.startsWith('/no/such/e2e-file,1,1,ENOENT ×1,cat ')), csv.join('\n'));
        const table = s.summary!.panels().find((p) => p.type === 'table')!;
        assert.equal(csv.length - 1, table.type === 'table' ? table.rows.length : -1, 'one CSV line per row of the summary table');
        const lines = (await out('jsonl', 'events.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as OpenEvent);
        assert.deepEqual(lines.map((e) => e.path), s.rows.map((e) => (e as OpenEvent).path));
        const cli = (await vscode.commands.executeCommand('containerTrace.copyCliCommand', s.key)) as string;
        // The CLI as this host runs it (root: no sudo), by real paths.
        assert.equal(cli, `${process.execPath} ${ext.extensionPath}/dist/cli.js trace open --container ${CONTAINER} --failed`);
        assert.equal(await vscode.env.clipboard.readText(), cli);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    ],
    [
      'a kind added by its folder alone (bind) is in the picker and traces through the same command',
      async () => {
        const KINDS = (await import('../../../src/kinds/client-registry')).CLIENT_KIND_LIST.map((spec) => ({ spec }));
        assert.ok(KINDS.some((k) => k.spec.name === 'bind'), 'bind is registered');
        const s = await traceProcess(services, { container: CONTAINER, gadget: 'bind', background: true });
        assert.equal(s.state, 'running');
        execFileSync('docker', ['exec', '-d', CONTAINER, 'nc', '-l', '-p', '8471']);
        const ev = (await waitFor('the bind', () => s.rows.find((e) => e.gadget === 'bind' && e.port === 8471))) as BindEvent;
        assert.equal(ev.protocol, 'tcp');
        assert.equal(ev.ret, 0);
        execFileSync('docker', ['exec', CONTAINER, 'sh', '-c', 'pkill nc; true']);
        await vscode.commands.executeCommand('containerTrace.stopTrace', s.key);
        await waitFor('the session to end', () => s.state === 'ended');
      },
    ],
    [
      '"Install Helper" installs it root-owned and "Check System" reports it verified',
      async () => {
        const ok = await vscode.commands.executeCommand('containerTrace.installHelper');
        assert.equal(ok, true);
        const items = (await vscode.commands.executeCommand('containerTrace.checkSystem')) as { name: string; status: string; detail: string }[];
        const helperItem = items.find((i) => i.name === 'helper')!;
        assert.equal(helperItem.status, 'ok', helperItem.detail);
        assert.match(helperItem.detail, /installed and verified/);
        assert.equal(items.find((i) => i.name === 'runtime: docker')?.status, 'ok');
        assert.equal(items.find((i) => i.name === 'BTF')?.status, 'ok');
      },
    ],
    [
      'a profile exports as pprof and folded stacks: the workload\'s functions with file and line, every sample the session holds',
      async () => {
        execFileSync('docker', ['exec', CONTAINER, 'sh', '-c', 'pkill ct-profile; rm -f /tmp/ct-go; true']);
        const s = await traceProcess(services, { container: CONTAINER, gadget: 'profile', options: { intervalMs: 1000 }, background: true });
        execFileSync('docker', ['exec', '-d', CONTAINER, '/bin/ct-profile', '2']);
        await new Promise((r) => setTimeout(r, 300));
        execFileSync('docker', ['exec', CONTAINER, 'touch', '/tmp/ct-go']);
        const rows = () => s.rows as ProfileEvent[];
        const inLong = () => rows().filter((e) => e.stack[0]?.function === 'ct_spin_long').reduce((n, e) => n + e.samples, 0);
        // 2 s of CPU at 99 Hz, three quarters in ct_spin_long: well over 100 samples once it is done.
        await waitFor('the workload\'s samples, symbolized', () => inLong() >= 100, 60_000);
        await vscode.commands.executeCommand('containerTrace.stopTrace', s.key);
        await waitFor('the session to end', () => s.state === 'ended');
        assert.ok(rows().length > 0 && rows().every((e) => e.stack.every((f) => f.fileId === undefined)), 'no file handle kept in the window');
        const frame = rows().flatMap((e) => e.stack).find((f) => f.function === 'ct_spin_long')!;
        assert.equal(frame.file?.split('/').pop(), 'ct-profile.c');
        assert.match(frame.buildId ?? '', /^[0-9a-f]{40}$/);
        const dir = fs.mkdtempSync('/tmp/ct-e2e-profile-');
        const out = async (format: string, file: string) => {
          const target = vscode.Uri.file(`${dir}/${file}`);
          await vscode.commands.executeCommand('containerTrace.exportTrace', { session: s.key, format, target });
          return fs.readFileSync(target.fsPath);
        };
        const prof = Profile.decode(gunzipSync(await out('pprof', 'cpu.pb.gz')));
        const str = (i: number | bigint) => prof.stringTable.strings[Number(i)];
        const held = rows().reduce((n, e) => n + e.samples, 0);
        assert.equal(prof.sample.reduce((n, x) => n + Number(x.value[0]), 0), held, 'every sample the session holds');
        const fn = prof.function.find((f) => str(f.name) === 'ct_spin_long');
        assert.ok(fn, `functions: ${prof.function.map((f) => str(f.name)).join(', ')}`);
        assert.match(str(fn.filename), /ct-profile\.c$/);
        const mapping = prof.mapping.find((m) => str(m.filename) === '/bin/ct-profile');
        assert.equal(str(mapping!.buildId), frame.buildId);
        const folded = (await out('folded', 'cpu.folded')).toString('utf8').trim().split('\n');
        const longLines = folded.filter((l) => /^ct-profile;(.*;)?ct_spin_long \d+$/.test(l));
        assert.equal(longLines.reduce((n, l) => n + Number(l.split(' ').pop()), 0), inLong(), folded.slice(0, 5).join('\n'));
        fs.rmSync(dir, { recursive: true, force: true });
        execFileSync('docker', ['exec', CONTAINER, 'sh', '-c', 'pkill ct-profile; true']);
      },
    ],
    [
      'a helper that dies ends its sessions with an error',
      async () => {
        const s = await traceProcess(services, { container: CONTAINER, gadget: 'exec', background: true });
        assert.equal(s.state, 'running');
        process.kill(services.helper.pid!, 'SIGKILL');
        await waitFor('the session to end', () => s.state === 'ended');
        assert.equal(s.endReason, 'error');
        assert.match(s.endMessage ?? '', /helper exited/);
        await waitFor('the programs to be detached', () => ourPrograms().filter((id) => !before.includes(id)).length === 0);
      },
    ],
  ];
  for (const [name, fn] of tests) {
    try {
      await fn();
      lines.push(`ok - ${name}`);
    } catch (err) {
      failed++;
      lines.push(`not ok - ${name}\n  ${((err as Error).stack ?? String(err)).split('\n').join('\n  ')}`);
    }
  }
  await services.sessions.stopAll();
  fs.writeFileSync(RESULTS, lines.join('\n') + '\n');
  if (failed) throw new Error(`${failed} extension test(s) failed`);
}
