/** Column layout of events for the CLI's plain output. */
import type { GadgetName, TraceEvent } from '../protocol';
import { row } from './format';
import { details, execCommand } from '../gadgets/text';

const COMMON: [string, number][] = [
  ['TIME', 12],
  ['PID', 7],
  ['TID', 7],
  ['HOSTPID', 8],
  ['COMM', 16],
];
const EXEC: [string, number][] = [
  ['TIME', 12],
  ['PID', 7],
  ['TID', 7],
  ['HOSTPID', 8],
  ['PPID', 7],
  ['UID', 5],
  ['COMM', 16],
  ['RET', 7],
];

export function header(gadget: GadgetName): string {
  return gadget === 'exec' ? row(EXEC, 'ARGS') : row(COMMON, 'DETAILS');
}

export function line(e: TraceEvent): string {
  const time = e.time.slice(11, 23);
  if (e.gadget === 'exec') {
    const ret = e.ret < 0 ? e.error ?? String(e.ret) : '0';
    const values = [time, e.pid, e.tid, e.hostPid, e.ppid, e.uid, e.comm, ret];
    return row(values.map((v, i) => [v, EXEC[i][1]]), execCommand(e));
  }
  const values = [time, e.pid, e.tid, e.hostPid, e.comm];
  return row(values.map((v, i) => [v, COMMON[i][1]]), details(e));
}
