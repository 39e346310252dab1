/** `container-trace ps <container>`: its processes with every PID level. */
import { createRuntimes, findRunningContainer } from '../../runtime';
import { scanContainer } from '../../proc/container';
import { table } from '../format';
import { parse, UsageError } from '../args';

export async function ps(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('ps needs one container name or id: container-trace ps <container>');
  const runtimes = createRuntimes({ dockerHost: values['docker-host'] });
  const container = await findRunningContainer(runtimes, positionals[0]);
  const scan = scanContainer(container);
  const rows = scan.processes.map((p) => ({
    pid: p.pid,
    hostPid: p.hostPid,
    nspids: p.nspids,
    ppid: p.ppid,
    hostPpid: p.hostPpid,
    uid: p.uid,
    comm: p.comm,
    cmdline: p.cmdline,
    nested: p.nested,
    threads: p.threads,
  }));
  if (values.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    table(
      ['PID', 'HOSTPID', 'PPID', 'THR', 'UID', 'NSPID', 'COMM', 'CMDLINE'],
      rows.map((p) => [p.pid, p.hostPid, p.ppid, p.threads.length, p.uid, p.nspids.join('/'), p.comm, p.cmdline.join(' ')]),
    ) + '\n',
  );
  if (scan.membership === 'cgroup') process.stderr.write('note: found through the container cgroup (run as root to use its PID namespace)\n');
}

