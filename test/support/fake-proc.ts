/**
 * Builds procfs-shaped fixture trees in a temporary directory: status files
 * with NSpid chains, cmdline, ns/pid links, tasks, cgroup.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface FakeTask {
  /** PIDs outermost first, e.g. [5000, 7, 1] for a nested namespace. */
  nspid: number[];
  name: string;
  ppid: number;
  uid?: number;
  /** Inode of its PID namespace; omit to make the link unreadable. */
  pidns?: number;
  cmdline?: string[];
  cgroup?: string;
  /** Extra threads: their NSpid chains. */
  threads?: number[][];
}

function status(name: string, nspid: number[], nstgid: number[], ppid: number, uid: number, threads: number): string {
  return [
    `Name:\t${name}`,
    'Umask:\t0022',
    'State:\tS (sleeping)',
    `Tgid:\t${nstgid[0]}`,
    'Ngid:\t0',
    `Pid:\t${nspid[0]}`,
    `PPid:\t${ppid}`,
    'TracerPid:\t0',
    `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`,
    `Gid:\t${uid}\t${uid}\t${uid}\t${uid}`,
    `NStgid:\t${nstgid.join('\t')}`,
    `NSpid:\t${nspid.join('\t')}`,
    `NSpgid:\t${nstgid.join('\t')}`,
    `Threads:\t${threads}`,
    '',
  ].join('\n');
}

/** `selfPidns`: the reader's own PID namespace (its ns/pid link; none by default). */
export function makeProcTree(tasks: FakeTask[], selfNspid: number[] = [999999], selfPidns?: number): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-proc-'));
  const write = (dir: string, t: FakeTask, nspid: number[], threads: number) => {
    fs.mkdirSync(path.join(dir, 'ns'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'status'), status(t.name, nspid, t.nspid, t.ppid, t.uid ?? 0, threads));
    fs.writeFileSync(path.join(dir, 'comm'), t.name + '\n');
    if (t.pidns !== undefined) fs.symlinkSync(`pid:[${t.pidns}]`, path.join(dir, 'ns', 'pid'));
  };
  for (const t of tasks) {
    const dir = path.join(root, String(t.nspid[0]));
    const threads = [t.nspid, ...(t.threads ?? [])];
    write(dir, t, t.nspid, threads.length);
    fs.writeFileSync(path.join(dir, 'cmdline'), (t.cmdline ?? [t.name]).map((a) => a + '\0').join(''));
    fs.writeFileSync(path.join(dir, 'cgroup'), t.cgroup ?? '0::/\n');
    for (const th of threads) write(path.join(dir, 'task', String(th[0])), { ...t }, th, threads.length);
  }
  const self = path.join(root, 'self');
  fs.mkdirSync(self);
  fs.writeFileSync(path.join(self, 'status'), status('node', selfNspid, selfNspid, 1, 0, 1));
  if (selfPidns !== undefined) {
    fs.mkdirSync(path.join(self, 'ns'));
    fs.symlinkSync(`pid:[${selfPidns}]`, path.join(self, 'ns', 'pid'));
  }
  return root;
}
