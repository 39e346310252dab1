/**
 * --stack against a program with known call sites (test/fixtures/ct-stack.c),
 * built without frame pointers (-O1, as distributions build, its static
 * glibc's open() reusing rbp), running in its own container: a failed open
 * names the function and line that called open(), an exec the code that
 * forked and exec'd (through its parent's maps), a crash the store that
 * faulted (the process gone before the helper looked), a SIGSEGV its kernel
 * path and the faulting line; no event carries a stack without --stack.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { docker, fixtureBinary, removeContainers, runContainer, skipReason, traceCli, waitFor } from '../support/integration';
import { REPO } from '../support/paths';

const skip = skipReason();
const C = `ct-it-stack-${process.pid}`;
const SRC = path.join(REPO, 'test', 'fixtures', 'ct-stack.c');

interface Frame { function: string | null; file: string | null; line: number | null; module: string; offset: number; buildId?: string; inlined?: true; kernel?: true }
interface Ev { gadget: string; comm: string; pid: number; stack?: Frame[]; [k: string]: unknown }

/** The source line holding `marker` (a comment in the fixture). */
function lineOf(marker: string): number {
  const i = fs.readFileSync(SRC, 'utf8').split('\n').findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, marker);
  return i + 1;
}

const names = (s: Frame[] | undefined) => (s ?? []).map((f) => f.function);
const user = (s: Frame[] | undefined) => (s ?? []).filter((f) => !f.kernel);
const frame = (s: Frame[] | undefined, fn: string) => (s ?? []).find((f) => f.function === fn);

/** Traces of each kind (with --stack unless said), the workload run once they are all ready, their events. */
async function traced(kinds: { kind: string; args: string[] }[]): Promise<Ev[][]> {
  const runs = kinds.map(({ kind, args }) => traceCli(kind, '--container', C, '--duration', '6', ...args));
  for (const r of runs) await r.ready;
  // It ends with SIGSEGV (status 139): the shell says 0.
  docker('exec', C, 'sh', '-c', '/bin/ct-stack 2 now; true');
  const out: Ev[][] = [];
  for (const r of runs) {
    assert.equal(await r.exited, 0, r.stderr());
    out.push(r.events as Ev[]);
  }
  return out;
}

describe('--stack (integration)', { skip }, () => {
  let open: Ev[], exec: Ev[], exit: Ev[], signal: Ev[], plain: Ev[];
  before(async () => {
    const bin = fixtureBinary('ct-stack', ['-O1']);
    // The container's first process maps the same file (it holds): a crashed process's file is still found.
    runContainer(C, '/bin/ct-stack hold', ['-v', `${bin}:/bin/ct-stack:ro`]);
    await waitFor('the container', () => docker('inspect', '-f', '{{.State.Running}}', C) === 'true');
    [open, exec, exit, signal, plain] = await traced([
      { kind: 'open', args: ['--stack', '--failed'] },
      { kind: 'exec', args: ['--stack'] },
      { kind: 'exit', args: ['--stack'] },
      { kind: 'signal', args: ['--stack'] },
      { kind: 'open', args: ['--failed'] },
    ]);
  });
  after(() => removeContainers(C));

  test('a failed open names the function and line that called open(), and its caller, from the container\'s binary', () => {
    const fails = open.filter((e) => e.path === '/etc/ct-missing.conf');
    assert.equal(fails.length, 2, JSON.stringify(open.map((e) => e.path)));
    for (const e of fails) {
      assert.equal(e.errno, 'ENOENT');
      const s = user(e.stack);
      assert.match(s[0]?.function ?? '', /open/, JSON.stringify(e.stack));
      // The open() wrapper keeps no frame pointer: its caller comes from the .eh_frame unwinding.
      assert.equal(s[1]?.function, 'ct_open_config', JSON.stringify(e.stack));
      assert.equal(path.basename(s[1].file ?? ''), 'ct-stack.c');
      assert.equal(s[1].line, lineOf('/* the failed open */'));
      assert.equal(s[2]?.function, 'main');
      assert.equal(s[2].line, lineOf("/* main's call */"));
      assert.equal(s[s.length - 1].function, '_start', 'unwound to the start');
      assert.equal(s[1].module, '/bin/ct-stack', 'the path inside the container');
      for (const f of e.stack!) assert.deepEqual(Object.keys(f).filter((k) => k === 'fileId' || k === 'perfMap'), [], 'no handle written out');
    }
  });

  test('an exec names the code that forked and exec\'d, through the parent it was copied from', () => {
    const e = exec.find((x) => x.comm === 'true' && x.ret === 0);
    assert.ok(e, JSON.stringify(exec.map((x) => x.comm)));
    assert.ok(names(e.stack).includes('execl'), JSON.stringify(e.stack));
    const at = frame(e.stack, 'ct_run_child');
    assert.ok(at, JSON.stringify(e.stack));
    assert.equal(at.line, lineOf('/* the exec */'));
    assert.ok(names(e.stack).includes('main'));
  });

  test('a crash names the store that faulted, though the process was gone before its maps could be read', () => {
    const e = exit.find((x) => x.comm === 'ct-stack' && x.signal === 'SIGSEGV');
    assert.ok(e, JSON.stringify(exit.map((x) => [x.comm, x.signal, x.exitCode])));
    const s = user(e.stack);
    assert.equal(s[0]?.function, 'ct_crash', JSON.stringify(e.stack));
    assert.equal(s[0].line, lineOf('/* the fault */'));
    assert.equal(s[1]?.function, 'main');
    // Every thread's and the child's exit have a stack too: where they called exit.
    const child = exit.find((x) => x.comm === 'true');
    assert.ok(child?.stack?.length, JSON.stringify(child));
  });

  test('a SIGSEGV shows its kernel path (the page fault) above the faulting line, not the tracer\'s own frames', () => {
    const sent = signal.find((x) => x.sig === 'SIGSEGV' && x.phase === 'generated');
    assert.ok(sent, JSON.stringify(signal.map((x) => [x.sig, x.phase])));
    const k = (sent.stack ?? []).filter((f) => f.kernel).map((f) => f.function ?? '');
    assert.ok(k.some((f) => /page_fault|force_sig_fault/.test(f)), JSON.stringify(k));
    assert.ok(!k.some((f) => /^bpf_prog_|^bpf_trace_run|^__traceiter_/.test(f)), JSON.stringify(k));
    assert.equal(user(sent.stack)[0]?.function, 'ct_crash');
  });

  test('without --stack no event carries one', () => {
    assert.equal(plain.filter((e) => e.path === '/etc/ct-missing.conf').length, 2);
    assert.ok(plain.every((e) => e.stack === undefined));
  });
});
