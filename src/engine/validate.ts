/** Checks of requests from outside (CLI flags, helper messages): hostile until proven otherwise. */
import { GADGETS, type GadgetName, type TraceOptions, type TraceStartParams } from '../protocol';

export class InvalidParamsError extends Error {}

export const PID_MAX = 4_194_304; // PID_MAX_LIMIT on 64-bit
export const DEFAULT_BUFFER_BYTES = 8 << 20;
export const MIN_BUFFER_BYTES = 64 << 10;
export const MAX_BUFFER_BYTES = 256 << 20;

function isPid(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) > 0 && (v as number) <= PID_MAX;
}

function keysOnly(obj: object, allowed: string[], where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new InvalidParamsError(`${where}: unknown field "${k}"`);
  }
}

/** A normalized copy of trace/start parameters, or InvalidParamsError. */
export function validateStart(raw: unknown): Required<Pick<TraceStartParams, 'gadget' | 'container' | 'bufferBytes'>> & TraceStartParams {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidParamsError('trace/start: params must be an object');
  const p = raw as Record<string, unknown>;
  keysOnly(p, ['gadget', 'container', 'scope', 'bufferBytes', 'options'], 'trace/start');
  if (typeof p.gadget !== 'string' || !(GADGETS as readonly string[]).includes(p.gadget)) {
    throw new InvalidParamsError(`unknown trace kind "${String(p.gadget)}"; choose one of: ${GADGETS.join(', ')}`);
  }
  if (typeof p.container !== 'string' || !/^[\w.\-/:]{1,256}$/.test(p.container)) {
    throw new InvalidParamsError('container must be a container name or id');
  }
  const out: ReturnType<typeof validateStart> = {
    gadget: p.gadget as TraceStartParams['gadget'],
    container: p.container,
    bufferBytes: DEFAULT_BUFFER_BYTES,
  };
  if (p.bufferBytes !== undefined) {
    const b = p.bufferBytes;
    if (!Number.isInteger(b) || (b as number) < MIN_BUFFER_BYTES || (b as number) > MAX_BUFFER_BYTES || ((b as number) & ((b as number) - 1)) !== 0) {
      throw new InvalidParamsError(`bufferBytes must be a power of two from ${MIN_BUFFER_BYTES} to ${MAX_BUFFER_BYTES}`);
    }
    out.bufferBytes = b as number;
  }
  if (p.options !== undefined) out.options = validateOptions(out.gadget, p.options);
  if (out.gadget === 'uprobe' && (!out.options?.target || !out.options?.function)) {
    throw new InvalidParamsError('uprobe needs a target (a path inside the container, or a library such as libc) and a function');
  }
  if (p.scope !== undefined) {
    if (typeof p.scope !== 'object' || p.scope === null || Array.isArray(p.scope)) throw new InvalidParamsError('scope must be an object');
    const s = p.scope as Record<string, unknown>;
    keysOnly(s, ['pid', 'tid', 'follow'], 'scope');
    if (s.pid !== undefined && !isPid(s.pid)) throw new InvalidParamsError(`scope.pid must be a PID from 1 to ${PID_MAX}`);
    if (s.tid !== undefined && !isPid(s.tid)) throw new InvalidParamsError(`scope.tid must be a thread id from 1 to ${PID_MAX}`);
    if (s.follow !== undefined && typeof s.follow !== 'boolean') throw new InvalidParamsError('scope.follow must be true or false');
    if (s.follow && s.pid === undefined) throw new InvalidParamsError('follow needs a process: give its PID (--pid)');
    if (s.follow && s.tid !== undefined) throw new InvalidParamsError('follow and a thread (--tid) do not go together');
    out.scope = { pid: s.pid as number | undefined, tid: s.tid as number | undefined, follow: s.follow as boolean | undefined };
  }
  return out;
}

/** Which options each trace kind takes, and their checks. */
const OPTION_CHECKS: Partial<Record<GadgetName, Record<string, (v: unknown) => string | undefined>>> = {
  open: {
    failedOnly: (v) => (typeof v === 'boolean' ? undefined : 'failedOnly must be true or false'),
  },
  syscalls: {
    intervalMs: (v) => (Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 60_000 ? undefined : 'intervalMs must be 100 to 60000 milliseconds'),
    top: (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100 ? undefined : 'top must be 1 to 100'),
  },
  uprobe: {
    target: (v) =>
      typeof v === 'string' && /^[\w.+\-/@]{1,256}$/.test(v) && !v.split('/').includes('..')
        ? undefined
        : 'target must be a path inside the container (no "..") or a library or program name, e.g. libc',
    function: (v) => (typeof v === 'string' && /^[A-Za-z_][\w.$@]{0,255}$/.test(v) ? undefined : 'function must be a symbol name, e.g. malloc'),
  },
};

function validateOptions(gadget: GadgetName, raw: unknown): TraceOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidParamsError('options must be an object');
  const checks = OPTION_CHECKS[gadget] ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const check = checks[k];
    if (!check) {
      const known = Object.keys(checks);
      throw new InvalidParamsError(`${gadget} takes no option "${k}"${known.length ? `; its options: ${known.join(', ')}` : ''}`);
    }
    const problem = check(v);
    if (problem) throw new InvalidParamsError(problem);
    out[k] = v;
  }
  return out as TraceOptions;
}
