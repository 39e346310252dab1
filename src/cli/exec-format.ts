/** Column layout of exec events for the CLI's plain output. */
import type { ExecEvent } from '../protocol';
import { row } from './format';
import { execCommand } from '../gadgets/text';

const COLUMNS: [string, number][] = [
  ['TIME', 12],
  ['PID', 7],
  ['TID', 7],
  ['HOSTPID', 8],
  ['PPID', 7],
  ['UID', 5],
  ['COMM', 16],
  ['RET', 7],
];

export function execHeader(): string {
  return row(COLUMNS.map(([h, w]) => [h, w]), 'ARGS');
}

export function execLine(e: ExecEvent): string {
  const time = e.time.slice(11, 23);
  const ret = e.ret < 0 ? e.error ?? String(e.ret) : '0';
  const values: (string | number)[] = [time, e.pid, e.tid, e.hostPid, e.ppid, e.uid, e.comm, ret];
  return row(
    values.map((v, i) => [v, COLUMNS[i][1]]),
    execCommand(e),
  );
}
