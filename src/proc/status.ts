/** Parsing of /proc/<pid>/status and friends; pure functions, no I/O. */

export interface ProcStatus {
  name: string;
  tgid: number;
  pid: number;
  ppid: number;
  uid: number;
  /** PID at every namespace level the reader can see, outermost first. */
  nspid: number[];
  /** Thread group id at every level, outermost first. */
  nstgid: number[];
  threads: number;
}

function ints(value: string | undefined): number[] {
  if (!value) return [];
  return value
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((v) => Number(v));
}

/** Parse a status file; throws when the fields every kernel has are missing. */
export function parseStatus(text: string): ProcStatus {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^\s+/, ''));
  }
  const pid = Number(fields.get('Pid'));
  const tgid = Number(fields.get('Tgid'));
  if (!Number.isInteger(pid) || !Number.isInteger(tgid)) throw new Error('status has no Pid/Tgid');
  // Kernels before 4.1 have no NSpid: then the only level is the reader's.
  const nspid = ints(fields.get('NSpid'));
  const nstgid = ints(fields.get('NStgid'));
  return {
    name: fields.get('Name') ?? '',
    tgid,
    pid,
    ppid: Number(fields.get('PPid') ?? 0),
    uid: ints(fields.get('Uid'))[0] ?? 0,
    nspid: nspid.length ? nspid : [pid],
    nstgid: nstgid.length ? nstgid : [tgid],
    threads: Number(fields.get('Threads') ?? 1),
  };
}

/** `pid:[4026532859]` → 4026532859 */
export function parseNsLink(link: string): number {
  const m = /^\w+:\[(\d+)\]$/.exec(link.trim());
  if (!m) throw new Error(`not a namespace link: ${link}`);
  return Number(m[1]);
}

/** NUL-separated cmdline → argv (kernel threads and zombies have none). */
export function parseCmdline(raw: Buffer | string): string[] {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (!text) return [];
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
