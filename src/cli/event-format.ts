/** Column layout of events for the CLI's plain output: each kind's own columns, or the common ones with its text. */
import type { KindName, TraceEvent } from '../protocol';
import { row } from './format';
import { CLIENT_KIND_BY_NAME, details } from '../kinds/client-registry';

const TIME: [string, number] = ['TIME', 12];
const COMMON: [string, number][] = [
  ['PID', 7],
  ['TID', 7],
  ['HOSTPID', 8],
  ['COMM', 16],
];
const CONTAINER: [string, number] = ['CONTAINER', 24];

/** `many`: a selector trace, whose lines start with the event's container (pod/name). */
export function header(kind: KindName, many = false): string {
  const own = CLIENT_KIND_BY_NAME[kind].columns;
  return row([...(many ? [CONTAINER] : []), TIME, ...(own?.head ?? COMMON)], own?.rest ?? 'DETAILS');
}

export function line(e: TraceEvent, many = false): string {
  const own = CLIENT_KIND_BY_NAME[e.gadget].columns;
  const heads = own?.head ?? COMMON;
  const values = own ? own.values(e) : [e.pid, e.tid, e.hostPid, e.comm];
  const lead: [string | number, number][] = many ? [[e.container.pod ? `${e.container.pod}/${e.container.name}` : e.container.name, CONTAINER[1]]] : [];
  const rest = own ? own.restValue(e) : details(e);
  // The container runtime's own task (its init before it exec'd the container's program).
  return row([...lead, [e.time.slice(11, 23), TIME[1]], ...values.map((v, i): [string | number, number] => [v, heads[i][1]])], e.runtime ? `${rest}  [runtime]` : rest);
}
