/**
 * CO-RE once per kernel (src/bpf/core-btf.ts): the kernel types our objects
 * name, minimized by bpftool into a root-only cache, relocate later loads;
 * a file anyone else may write is never believed, and a file that fails a
 * load is dropped with the load done from the kernel's own BTF.
 * Each case copies the objects to a directory of its own (its own cache key
 * and its own state in this process).
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BpfObject } from '../../src/bpf/object';
import { CORE_BTF_DIR, believed, coreBtfFor, coreBtfPath } from '../../src/bpf/core-btf';
import { REPO } from '../support/paths';
import { skipReason, waitFor } from '../support/integration';

const skip = skipReason() ?? (spawnSync('sh', ['-c', 'command -v bpftool'], { stdio: 'ignore' }).status !== 0 ? 'no bpftool' : undefined);
const dirs: string[] = [];
/** The built objects, copied to a new directory. */
function objects(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-core-btf-'));
  for (const f of fs.readdirSync(path.join(REPO, 'dist', 'bpf'))) if (f.endsWith('.bpf.o')) fs.copyFileSync(path.join(REPO, 'dist', 'bpf', f), path.join(dir, f));
  dirs.push(dir);
  return dir;
}
/** A load of the exec object as a trace of one host process would (its probes of forks and exits included). */
const loadExec = (dir: string) => BpfObject.load(path.join(dir, 'exec.bpf.o'), { rodata: { targ_tgid: process.pid }, skip: ['ct_scope_fork'] });
const made = async (dir: string) => {
  let file: string | undefined;
  await waitFor('the minimized BTF', () => (file = coreBtfFor(dir)), 30_000);
  return file!;
};

describe('CO-RE from a minimized BTF (integration)', { skip }, () => {
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('made in the background after the first load, root-only, a BTF of a few KB that later loads relocate from', async () => {
    const dir = objects();
    assert.equal(coreBtfFor(dir), undefined, 'none yet: this load reads the kernel BTF, bpftool runs beside it');
    const file = await made(dir);
    assert.equal(path.dirname(file), CORE_BTF_DIR);
    const st = fs.statSync(file);
    const dirSt = fs.statSync(CORE_BTF_DIR);
    assert.equal(st.uid, 0);
    assert.equal(st.mode & 0o022, 0, 'no one else may write it');
    assert.equal(dirSt.mode & 0o077, 0, 'the directory is root’s alone');
    const bytes = fs.readFileSync(file);
    assert.equal(bytes.readUInt16LE(0), 0xeb9f, 'a BTF file');
    assert.ok(bytes.length < fs.statSync('/sys/kernel/btf/vmlinux').size / 50, `${bytes.length} bytes: a small part of the kernel's BTF`);
    // Loaded and attached from it: the exec object's CO-RE reads of task_struct relocated right.
    const obj = loadExec(dir);
    try {
      obj.attachAll();
    } finally {
      obj.destroy();
    }
    assert.ok(fs.existsSync(file), 'kept after a good load');
  });

  test('a file made for these objects that fails a load is removed, and the load is done from the kernel BTF', async () => {
    const dir = objects();
    coreBtfFor(dir);
    const file = await made(dir);
    fs.writeFileSync(file, Buffer.alloc(64, 0x41)); // not BTF; root-owned, 0644 still
    assert.equal(coreBtfFor(dir), file, 'believed: root-owned, only root may write it');
    loadExec(dir).destroy();
    assert.ok(!fs.existsSync(file), 'the file that failed is gone');
    assert.equal(coreBtfFor(dir), undefined, 'not used again by this process');
  });

  test('a cached file is believed only when root owns it, only root may write it, and it is no link', async () => {
    const dir = objects();
    coreBtfFor(dir);
    const file = await made(dir);
    assert.equal(coreBtfPath(dir), file);
    assert.ok(believed(file));
    fs.chmodSync(file, 0o666);
    assert.ok(!believed(file), 'world-writable');
    fs.chmodSync(file, 0o664);
    assert.ok(!believed(file), 'group-writable');
    fs.chmodSync(file, 0o644);
    fs.chownSync(file, 65534, 0);
    assert.ok(!believed(file), 'owned by nobody');
    fs.chownSync(file, 0, 0);
    assert.ok(believed(file));
    const real = `${file}.real`;
    fs.renameSync(file, real);
    fs.symlinkSync(real, file);
    try {
      assert.ok(!believed(file), 'a symbolic link to a good file');
    } finally {
      fs.rmSync(file, { force: true });
      fs.rmSync(real, { force: true });
    }
  });
});
