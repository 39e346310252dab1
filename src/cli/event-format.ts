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

const CONTAINER: [string, number] = ['CONTAINER', 24];

/** `many`: a selector trace, whose lines start with the event's container (pod/name). */
export function header(gadget: GadgetName, many = false): string {
  const cols = gadget === 'exec' ? EXEC : COMMON;
  return row(many ? [CONTAINER, ...cols] : cols, gadget === 'exec' ? 'ARGS' : 'DETAILS');
}

export function line(e: TraceEvent, many = false): string {
  const time = e.time.slice(11, 23);
  const lead: [string | number, number][] = many ? [[e.container.pod ? `${e.container.pod}/${e.container.name}` : e.container.name, CONTAINER[1]]] : [];
  if (e.gadget === 'exec') {
    const ret = e.ret < 0 ? e.error ?? String(e.ret) : '0';
    const values = [time, e.pid, e.tid, e.hostPid, e.ppid, e.uid, e.comm, ret];
    return row([...lead, ...values.map((v, i): [string | number, number] => [v, EXEC[i][1]])], execCommand(e));
  }
  const values = [time, e.pid, e.tid, e.hostPid, e.comm];
  return row([...lead, ...values.map((v, i): [string | number, number] => [v, COMMON[i][1]])], details(e));
}
