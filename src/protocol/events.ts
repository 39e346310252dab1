/**
 * Events as the CLI prints them (--json, one per line) and the helper sends
 * them (trace/events). PIDs: `pid`/`tid` are at the container's PID namespace
 * level (what `ps` inside it shows); `hostPid`/`hostTid` are the host's.
 * `pid` is the process (thread group), `tid` the thread.
 */

export type GadgetName = 'exec';
export const GADGETS: readonly GadgetName[] = ['exec'];

export interface ContainerLabel {
  id: string;
  name: string;
}

export interface EventBase {
  gadget: GadgetName;
  /** RFC 3339 with nanoseconds, UTC. */
  time: string;
  container: ContainerLabel;
  pid: number;
  tid: number;
  hostPid: number;
  hostTid: number;
  comm: string;
}

export interface ExecEvent extends EventBase {
  gadget: 'exec';
  /** Parent process in the container; 0 when it is outside (docker exec). */
  ppid: number;
  hostPpid: number;
  uid: number;
  gid: number;
  /** The path as the caller passed it: the container's view. */
  filename: string;
  args: string[];
  /** More arguments than kept, or one cut at its length limit. */
  argsTruncated: boolean;
  /** 0, or the negative errno of a failed exec. */
  ret: number;
  /** errno name when ret < 0, e.g. ENOENT. */
  error?: string;
}

export type TraceEvent = ExecEvent;
