/** How events read in the output channel and the live view. */
import type { TraceEvent } from '../protocol';
import { visible } from '../kinds/shared/text';
import { details } from '../kinds/client-registry';
import { stackLines } from '../kinds/shared/stack';

export { visible } from '../kinds/shared/text';
export { details, errnoName, failed } from '../kinds/client-registry';

let clockSecond = '';
let clockPrefix = '';

/** HH:MM:SS.mmm of an RFC 3339 time, in local time (the events' own form, YYYY-MM-DDTHH:MM:SS.fffZ, read once a second). */
export function clock(time: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  if (time.length >= 24 && time[19] === '.' && time.endsWith('Z')) {
    const second = time.slice(0, 19);
    if (second === clockSecond) return clockPrefix + time.slice(20, 23);
    const d = new Date(second + 'Z');
    if (!Number.isNaN(d.getTime())) {
      clockSecond = second;
      clockPrefix = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.`;
      return clockPrefix + time.slice(20, 23);
    }
  }
  const d = new Date(time);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** One aligned output-channel line: time, PID/TID in the container, host PID, comm, details (`many`: a selector trace, which names each event's container). */
export function outputLine(e: TraceEvent, many = false): string {
  // --stack: the frames under the line (a profile's are its report's table).
  return visible(rawLine(e, many)) + (e.stack && e.gadget !== 'profile' ? stackLines(e.stack, visible) : '');
}

function rawLine(e: TraceEvent, many: boolean): string {
  // A report of the whole scope (syscalls, uprobe counts) is no process's: its PID columns stay empty.
  const none = !e.hostPid && !e.pid;
  const ids = none ? '' : e.pid === e.tid ? String(e.pid) : `${e.pid}/${e.tid}`;
  const host = e.hostPid === e.hostTid ? String(e.hostPid) : `${e.hostPid}/${e.hostTid}`;
  // Wide enough for a host PID/TID pair and the longest kind name: the columns stay under the header.
  // The output lists every event; the container runtime's own end with [runtime], as the CLI's do (the live view hides them).
  return `${clock(e.time)}  ${ids.padStart(11)}  ${none ? ' '.repeat(18) : `host ${host.padEnd(13)}`} ${e.comm.padEnd(16)} ${e.gadget.padEnd(8)} ${many ? where(e) : ''}${details(e)}${e.runtime ? '  [runtime]' : ''}`;
}

/** `[web-1/nginx] `: which container of a selector trace an event comes from. */
export function where(e: TraceEvent): string {
  return `[${e.container.pod ? `${e.container.pod}/` : ''}${e.container.name}] `;
}

export const OUTPUT_HEADER = `${'TIME'.padEnd(12)}  ${'PID'.padStart(11)}  ${'HOST PID'.padEnd(18)} ${'COMM'.padEnd(16)} ${'KIND'.padEnd(8)} DETAILS`;

/** An output line's PID link: time, PID[/TID] in the container, then `host <pid>[/<tid>]` (host 0: no process, no link). */
export const EVENT_LINE = /^(\d\d:\d\d:\d\d\.\d{3}\s+\d+(?:\/\d+)?\s+)(host ([1-9]\d*))/;
