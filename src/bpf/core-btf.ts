/**
 * CO-RE relocation once per kernel. Every load of an object otherwise makes
 * libbpf parse the kernel's whole BTF (/sys/kernel/btf/vmlinux, about 5 MB:
 * most of a load's time). `bpftool gen min_core_btf` writes, from it, the
 * few types our objects' relocations name (about 12 KB for all of them);
 * given as the object's `btf_custom_path`, a load parses that instead.
 *
 * Made once per kernel and set of objects, off the load's path (bpftool runs
 * in the background after the first load that found none), kept in a
 * root-owned directory, and believed only when it is a regular root-owned
 * file there that no one else may write. Any load it fails is retried with
 * the kernel's own BTF and the file is removed. Without bpftool, or not
 * root, nothing changes: libbpf reads the kernel's BTF as before.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CORE_BTF_DIR = '/var/cache/container-trace/btf';
const VMLINUX = '/sys/kernel/btf/vmlinux';
const BPFTOOL = ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/sbin/bpftool'];
/** bpftool reads only our objects and the kernel's BTF; it is given this long before it is killed. */
const BPFTOOL_TIMEOUT_MS = 20_000;

type Logger = (level: 'debug' | 'warn', message: string) => void;

/** Per object directory: the file once known good, a generation under way, or given up on. */
const state = new Map<string, { file?: string; pending?: boolean; off?: string }>();

/** A root-owned file or directory that only root may write (no symlink). */
function rootOnly(p: string, dir: boolean): boolean {
  try {
    const st = fs.lstatSync(p);
    return st.uid === 0 && (st.mode & 0o022) === 0 && (dir ? st.isDirectory() : st.isFile());
  } catch {
    return false;
  }
}

/** A root-owned bpftool at a fixed path, or undefined. */
function bpftool(): string | undefined {
  return BPFTOOL.find((p) => {
    try {
      const st = fs.statSync(p);
      return st.isFile() && st.uid === 0 && (st.mode & 0o022) === 0;
    } catch {
      return false;
    }
  });
}

/** The objects a minimized BTF covers: every .bpf.o of the directory, by name, size and time. */
function objectsOf(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bpf.o'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Files made for one directory of objects (the installed helper's, a build's) start with its own prefix. */
const prefixOf = (objectDir: string) => createHash('sha256').update(objectDir).digest('hex').slice(0, 12) + '-';

/** The file name for this kernel and these objects: a new kernel or a rebuilt object is a new file. */
function keyFor(objectDir: string, objects: string[]): string {
  const h = createHash('sha256');
  h.update(fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8'));
  h.update(fs.readFileSync('/proc/sys/kernel/version', 'utf8'));
  const k = fs.statSync(VMLINUX);
  h.update(`${k.size}\n`);
  for (const o of objects) {
    const st = fs.statSync(o);
    h.update(`${o}\0${st.size}\0${st.mtimeMs}\0${st.ino}\n`);
  }
  return prefixOf(objectDir) + h.digest('hex').slice(0, 32) + '.btf';
}

/** Where the minimized BTF for this kernel and the objects in `objectDir` is kept. */
export function coreBtfPath(objectDir: string): string {
  return path.join(CORE_BTF_DIR, keyFor(objectDir, objectsOf(objectDir)));
}

/** Whether `file` may be used: a regular file (no link) in root-owned directories, owned by root, that only root may write. */
export function believed(file: string): boolean {
  return rootOnly(path.dirname(CORE_BTF_DIR), true) && rootOnly(CORE_BTF_DIR, true) && rootOnly(file, false);
}

/**
 * The minimized BTF for objects in `objectDir`, when one was made for this
 * kernel and these objects; otherwise undefined, and (as root, with bpftool)
 * one is made in the background for later loads.
 */
export function coreBtfFor(objectDir: string, log?: Logger): string | undefined {
  if (process.env.CONTAINER_TRACE_CORE_BTF === '0' || process.getuid?.() !== 0) return undefined;
  let s = state.get(objectDir);
  if (!s) state.set(objectDir, (s = {}));
  if (s.off || s.pending) return undefined;
  if (s.file) return s.file;
  let file: string;
  try {
    file = coreBtfPath(objectDir);
  } catch (err) {
    s.off = `cannot read the kernel's BTF or the objects: ${(err as Error).message}`;
    return undefined;
  }
  if (believed(file)) return (s.file = file);
  const tool = bpftool();
  if (!tool) {
    s.off = 'no bpftool';
    return undefined;
  }
  s.pending = true;
  generate(tool, objectDir, file, log).then(
    () => {
      s.pending = false;
      s.file = file;
      log?.('debug', `CO-RE: the kernel's types our objects use are in ${file}; later loads relocate from it`);
    },
    (err: Error) => {
      s.pending = false;
      s.off = err.message;
      log?.('debug', `CO-RE: no minimized BTF (${err.message}); loads read the kernel's BTF`);
    },
  );
  return undefined;
}

/** bpftool gen min_core_btf into a private temporary file, then renamed into place. */
async function generate(tool: string, objectDir: string, file: string, log?: Logger): Promise<void> {
  for (const dir of [path.dirname(CORE_BTF_DIR), CORE_BTF_DIR]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!rootOnly(dir, true)) throw new Error(`${dir} is not a root-owned directory only root may write`);
  }
  // This directory's files for another kernel or other objects are of no further use.
  for (const old of fs.readdirSync(CORE_BTF_DIR)) {
    if (old.startsWith(prefixOf(objectDir)) && old !== path.basename(file)) fs.rmSync(path.join(CORE_BTF_DIR, old), { force: true });
  }
  const tmp = `${file}.${process.pid}.tmp`;
  await new Promise<void>((resolve, reject) =>
    execFile(tool, ['gen', 'min_core_btf', VMLINUX, tmp, ...objectsOf(objectDir)], { timeout: BPFTOOL_TIMEOUT_MS, env: {} }, (err, _out, stderr) =>
      err ? reject(new Error(`bpftool gen min_core_btf failed: ${String(stderr).trim().split('\n').pop() || err.message}`)) : resolve(),
    ),
  ).catch((err) => {
    fs.rmSync(tmp, { force: true });
    throw err;
  });
  fs.chmodSync(tmp, 0o644);
  fs.renameSync(tmp, file);
  log?.('debug', `CO-RE: wrote ${file} (${fs.statSync(file).size} bytes)`);
}

/** A load relocated from `file` failed: that file is not used again (this process) and is removed. */
export function coreBtfFailed(objectDir: string, file: string, why: string): void {
  state.set(objectDir, { off: `a load failed with it: ${why}` });
  fs.rmSync(file, { force: true });
}
