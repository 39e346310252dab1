/** Checks of requests from outside (CLI flags, helper messages): hostile until proven otherwise. */
import {
  DEFAULT_BUFFER_BYTES,
  MAX_PROFILE_CHUNK_BYTES,
  MAX_PROFILE_FILE_BYTES,
  type ProfileDebugParams,
  type ProfileFileParams,
  KIND_NAMES,
  MAX_BUFFER_BYTES,
  MIN_BUFFER_BYTES,
  RUNTIME_KINDS,
  type ContainerSelector,
  type KindName,
  type TraceOptions,
  type TraceStartParams,
} from '../protocol';
import { KIND_OPTIONS, REQUIRED_OPTIONS } from '../kinds/options';
import { CLIENT_KINDS } from '../kinds/client-registry';

export class InvalidParamsError extends Error {}

export const PID_MAX = 4_194_304; // PID_MAX_LIMIT on 64-bit

function isPid(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) > 0 && (v as number) <= PID_MAX;
}

function keysOnly(obj: object, allowed: string[], where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new InvalidParamsError(`${where}: unknown field "${k}"`);
  }
}

/** A normalized copy of trace/start parameters, or InvalidParamsError. */
export function validateStart(raw: unknown): Required<Pick<TraceStartParams, 'gadget' | 'bufferBytes'>> & TraceStartParams {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidParamsError('trace/start: params must be an object');
  const p = raw as Record<string, unknown>;
  keysOnly(p, ['gadget', 'container', 'selector', 'scope', 'bufferBytes', 'options', 'wait', 'followRestarts'], 'trace/start');
  if (typeof p.gadget !== 'string' || !(KIND_NAMES as readonly string[]).includes(p.gadget)) {
    throw new InvalidParamsError(`unknown trace kind "${String(p.gadget)}"; choose one of: ${KIND_NAMES.join(', ')}`);
  }
  if ((p.container === undefined) === (p.selector === undefined)) throw new InvalidParamsError('give a container or a selector (one of them)');
  if (p.container !== undefined && (typeof p.container !== 'string' || !/^[\w.\-/:]{1,512}$/.test(p.container))) {
    throw new InvalidParamsError('container must be a container reference: name, id, pod/container, namespace/pod/container, runtime:…');
  }
  const out: ReturnType<typeof validateStart> = {
    gadget: p.gadget as TraceStartParams['gadget'],
    container: p.container as string | undefined,
    bufferBytes: DEFAULT_BUFFER_BYTES,
  };
  if (p.selector !== undefined) {
    out.selector = validateSelector(p.selector);
    if (p.scope !== undefined) throw new InvalidParamsError('a selector traces every process of its containers: it takes no PID, thread or follow scope');
    if (CLIENT_KINDS[out.gadget].oneContainer) throw new InvalidParamsError(`the ${out.gadget} trace runs on one container; name it with a container reference instead of a selector`);
  }
  if (p.wait !== undefined || p.followRestarts !== undefined) {
    if (p.wait !== undefined && typeof p.wait !== 'boolean') throw new InvalidParamsError('wait must be true or false');
    if (p.followRestarts !== undefined && typeof p.followRestarts !== 'boolean') throw new InvalidParamsError('followRestarts must be true or false');
    if (p.followRestarts !== undefined && !(p.wait && out.container !== undefined)) throw new InvalidParamsError('followRestarts goes with wait and a container');
    if (p.wait && out.container !== undefined) {
      // Waited for, a container is traced as the selector that finds it whenever it starts.
      if (p.scope !== undefined) throw new InvalidParamsError('a container waited for is traced whole, from its first exec: it takes no PID, thread or follow scope');
      if (CLIENT_KINDS[out.gadget].oneContainer && !CLIENT_KINDS[out.gadget].waits) throw new InvalidParamsError(`the ${out.gadget} trace needs its container running (it attaches to that one); wait works for the kinds that follow containers as they start`);
    }
    if (p.wait) out.wait = true;
    if (p.followRestarts !== undefined) out.followRestarts = p.followRestarts as boolean;
  }
  if (p.bufferBytes !== undefined) {
    const b = p.bufferBytes;
    if (!Number.isInteger(b) || (b as number) < MIN_BUFFER_BYTES || (b as number) > MAX_BUFFER_BYTES || ((b as number) & ((b as number) - 1)) !== 0) {
      throw new InvalidParamsError(`bufferBytes must be a power of two from ${MIN_BUFFER_BYTES} to ${MAX_BUFFER_BYTES}`);
    }
    out.bufferBytes = b as number;
  }
  if (p.options !== undefined) out.options = validateOptions(out.gadget, p.options);
  const required = REQUIRED_OPTIONS[out.gadget];
  if (required && required.keys.some((k) => out.options?.[k] === undefined)) throw new InvalidParamsError(required.why);
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

const NAME = /^[\w.-]{1,253}$/;
const LABEL_KEY = /^[\w.\-/]{1,317}$/;
const LABEL_VALUE = /^[\w.-]{0,63}$/;

/** A normalized selector, or InvalidParamsError: names and labels as Kubernetes and Docker allow them, bounded. */
export function validateSelector(raw: unknown): ContainerSelector {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidParamsError('selector must be an object');
  const s = raw as Record<string, unknown>;
  keysOnly(s, ['runtime', 'namespace', 'pod', 'labels', 'names', 'composeProject', 'composeService'], 'selector');
  const out: ContainerSelector = {};
  if (s.runtime !== undefined) {
    if (typeof s.runtime !== 'string' || !(RUNTIME_KINDS as readonly string[]).includes(s.runtime)) throw new InvalidParamsError(`selector.runtime must be one of ${RUNTIME_KINDS.join(', ')}`);
    out.runtime = s.runtime;
  }
  for (const k of ['namespace', 'pod', 'composeProject', 'composeService'] as const) {
    if (s[k] === undefined) continue;
    if (typeof s[k] !== 'string' || !NAME.test(s[k] as string)) throw new InvalidParamsError(`selector.${k} must be a name (letters, digits, . _ -)`);
    out[k] = s[k] as string;
  }
  if (s.labels !== undefined) {
    if (typeof s.labels !== 'object' || s.labels === null || Array.isArray(s.labels)) throw new InvalidParamsError('selector.labels must be an object of key: value');
    const entries = Object.entries(s.labels as Record<string, unknown>);
    if (entries.length > 16) throw new InvalidParamsError('selector.labels: at most 16 labels');
    for (const [k, v] of entries) {
      if (!LABEL_KEY.test(k) || typeof v !== 'string' || !LABEL_VALUE.test(v)) throw new InvalidParamsError(`selector.labels: "${k}" is not a label key with a label value`);
    }
    out.labels = Object.fromEntries(entries) as Record<string, string>;
  }
  if (s.names !== undefined) {
    if (!Array.isArray(s.names) || s.names.length < 1 || s.names.length > 64 || !s.names.every((n) => typeof n === 'string' && NAME.test(n))) {
      throw new InvalidParamsError('selector.names must be 1 to 64 container names');
    }
    out.names = [...(s.names as string[])];
  }
  if (!Object.keys(out).some((k) => k !== 'runtime')) throw new InvalidParamsError('a selector needs a namespace, pod, labels, names or a Compose project/service');
  return out;
}

function validateOptions(kind: KindName, raw: unknown): TraceOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidParamsError('options must be an object');
  const checks = Object.fromEntries((KIND_OPTIONS[kind] ?? []).map((o) => [o.key, o.check]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const check = checks[k];
    if (!check) {
      const known = Object.keys(checks);
      throw new InvalidParamsError(`${kind} takes no option "${k}"${known.length ? `; its options: ${known.join(', ')}` : ''}`);
    }
    const problem = check(v);
    if (problem) throw new InvalidParamsError(problem);
    out[k] = v;
  }
  return out as TraceOptions;
}

/** profile/file parameters: a handle the helper gave out, a position in the file, a bounded length. */
export function validateFileRead(raw: unknown): ProfileFileParams {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidParamsError('profile/file: params must be an object');
  const p = raw as Record<string, unknown>;
  keysOnly(p, ['fileId', 'offset', 'length'], 'profile/file');
  if (typeof p.fileId !== 'string' || !/^[0-9a-f]{32}$/.test(p.fileId)) throw new InvalidParamsError('profile/file: fileId must be a handle from a profile frame');
  if (!Number.isInteger(p.offset) || (p.offset as number) < 0 || (p.offset as number) > MAX_PROFILE_FILE_BYTES) throw new InvalidParamsError(`profile/file: offset must be 0 to ${MAX_PROFILE_FILE_BYTES}`);
  if (!Number.isInteger(p.length) || (p.length as number) < 1 || (p.length as number) > MAX_PROFILE_CHUNK_BYTES) throw new InvalidParamsError(`profile/file: length must be 1 to ${MAX_PROFILE_CHUNK_BYTES}`);
  return { fileId: p.fileId, offset: p.offset as number, length: p.length as number };
}

/** profile/debug's params: a handle, and a .gnu_debuglink name that is a plain file name. */
export function validateDebugRead(raw: unknown): ProfileDebugParams {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidParamsError('profile/debug: params must be an object');
  const p = raw as Record<string, unknown>;
  keysOnly(p, ['fileId', 'debuglink'], 'profile/debug');
  if (typeof p.fileId !== 'string' || !/^[0-9a-f]{32}$/.test(p.fileId)) throw new InvalidParamsError('profile/debug: fileId must be a handle from a profile frame');
  if (p.debuglink === undefined) return { fileId: p.fileId };
  if (typeof p.debuglink !== 'string' || !/^[^/\0]{1,255}$/.test(p.debuglink) || p.debuglink === '.' || p.debuglink === '..') {
    throw new InvalidParamsError('profile/debug: debuglink must be a plain file name (no "/"), as .gnu_debuglink names it');
  }
  return { fileId: p.fileId, debuglink: p.debuglink };
}
