/** Messages between a live view and the extension, typed on both sides. */
import type { Panel } from './panels';

/**
 * One display row: [time, pid, tid, hostPid, comm, kind, details, failed,
 * runtime (the container runtime's own task), errno name or '', and with
 * --stack its frames, one a line, leaf first].
 */
export type Row = [string, number, number, number, string, string, string, 0 | 1, 0 | 1, string, string?];

export interface Counters {
  received: number;
  dropped: number;
  /** Received but not sent to the view (more than it can show per second); export has them. */
  unshown: number;
  rate: number;
  state: 'starting' | 'running' | 'stopping' | 'ended';
  /** Why it ended, in words. */
  ended?: string;
  /** What the helper said it sent (once a second; its final count once ended). */
  sent?: number;
}

export type ToView =
  | { type: 'init'; title: string; scope: string; maxRows: number; rows: Row[]; counters: Counters; summary: boolean }
  | { type: 'panels'; panels: Panel[] }
  | { type: 'rows'; rows: Row[]; counters: Counters }
  | { type: 'counters'; counters: Counters }
  | { type: 'cleared' };

export type FromView =
  | { type: 'ready' }
  /** A rows, panels or counters message was handled (the extension sends at most two ahead). */
  | { type: 'ack' }
  /** Which tab is shown (panels are sent while the Summary is). */
  | { type: 'tab'; summary: boolean }
  /** A group of the process tree opened or closed. */
  | { type: 'expand'; key: string; open: boolean }
  | { type: 'clear' }
  | { type: 'export' }
  | { type: 'stop' }
  | { type: 'copyCli' }
  /** A PID link was clicked: reveal the process in the Containers view. */
  | { type: 'reveal'; pid: number; hostPid: number };
