/** Messages between a live view and the extension, typed on both sides. */
import type { Panel } from './panels';

/**
 * One display row: [time, pid, tid, hostPid, comm, kind, details, failed,
 * runtime (the container runtime's own task), errno name or '', and with
 * --stack its frames, one a line, leaf first; each frame's source (its
 * key in the view's sources and line, '' when it names no file); the path
 * the details show and its source key].
 */
export type Row = [string, number, number, number, string, string, string, 0 | 1, 0 | 1, string, string?, ([key: string, line: number] | 0)[]?, [path: string, key: string]?, string?];

/** A path or a frame's file as the view shows it: a link (opened by the extension, by key) with how it was mapped, or why it maps nowhere. */
export interface SourceInfo {
  /** Whether it opens a workspace file. */
  ok: boolean;
  /** The mapping used, or why there is none (hover). */
  tip: string;
  /** The workspace file, relative to its folder (shown in hovers). */
  rel?: string;
}

/** A source's key: a path inside a container (`p`) or a frame's file name (`f`), of one container of a selector trace. */
export const sourceKey = (kind: 'p' | 'f', name: string, container?: string) => `${container ? `${container}\u0001` : ''}${kind}:${name}`;

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
  | { type: 'cleared' }
  /** How paths and frames the view shows map to workspace files (added to what it has). */
  | { type: 'sources'; entries: Record<string, SourceInfo> };

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
  /** A source link was clicked: open its workspace file (at the line, for a frame). */
  | { type: 'openSource'; key: string; line?: number }
  /** A PID link was clicked: reveal the process in the Containers view. */
  | { type: 'reveal'; pid: number; hostPid: number };
