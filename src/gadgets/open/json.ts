/**
 * open: a record straight to its JSON line, with no decoded object and no
 * string escaping, when its comm and path are plain ASCII (the common case);
 * undefined otherwise, and the caller decodes. The line is exactly
 * eventJson(decodeOpen(…)): a unit test holds the two equal.
 */
import type { DecodeContext } from '../decode';
import { HDR_LAYOUT } from '../decode';
import { asciiLabelJson, sharedArray } from '../json';
import { OPEN_LAYOUT, openFlags } from './decode';
import { errnoName } from '../decode';

const F = OPEN_LAYOUT.fields;
const PATH_LEN = OPEN_LAYOUT.sizes.path;
const SYSCALLS = ['open', 'openat', 'openat2'] as const;
const TWO32 = 2 ** 32;

/** The C string at `start` (at most `max` bytes) when it needs no escaping in JSON and no UTF-8 decoding; else undefined. */
export function plainAscii(bytes: Buffer, start: number, max: number): string | undefined {
  let end = start;
  const stop = start + max;
  for (; end < stop; end++) {
    const c = bytes[end];
    if (c === 0) break;
    if (c < 0x20 || c > 0x7f || c === 0x22 || c === 0x5c) return undefined;
  }
  return bytes.toString('latin1', start, end);
}

const modes = new Map<number, string>();

export function openRecordJson(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext): string | undefined {
  const comm = plainAscii(bytes, at + HDR_LAYOUT.comm, 16);
  if (comm === undefined) return undefined;
  const eflags = dv.getUint32(at + F.eflags, true);
  const path = eflags & 2 ? '(not readable at entry)' : plainAscii(bytes, at + F.path, Math.max(0, Math.min(PATH_LEN, len - F.path)));
  if (path === undefined) return undefined;
  const ids = at + HDR_LAYOUT.ids;
  const label = asciiLabelJson(ctx.byPidns ? (ctx.byPidns.get(dv.getUint32(ids + 16, true)) ?? ctx.container) : ctx.container);
  if (label === undefined) return undefined;
  const ret = dv.getInt32(at + F.ret + 4, true) * TWO32 + dv.getUint32(at + F.ret, true);
  const flags = dv.getUint32(at + F.flags, true);
  let mode = 'null';
  if ((flags & 0o100) !== 0 || (flags & 0o20200000) === 0o20200000) {
    const m = dv.getUint32(at + F.mode, true) & 0o7777;
    mode = modes.get(m) ?? `"0${m.toString(8).padStart(3, '0')}"`;
    if (modes.size < 4096) modes.set(m, mode);
  }
  const dirfd = dv.getInt32(at + F.dirfd, true);
  return (
    `{"gadget":"open","time":"${ctx.clock.formatAt(dv, at + HDR_LAYOUT.ts_ns)}","container":${label},` +
    `"pid":${dv.getUint32(ids, true)},"tid":${dv.getUint32(ids + 4, true)},"hostPid":${dv.getUint32(ids + 8, true)},"hostTid":${dv.getUint32(ids + 12, true)},` +
    `"comm":"${comm}","path":"${path}","pathTruncated":${(eflags & 1) !== 0},"flags":${sharedArray(openFlags(flags))},"mode":${mode},` +
    `"dirfd":${dirfd === -100 ? '"AT_FDCWD"' : dirfd},"syscall":"${SYSCALLS[dv.getUint32(at + F.syscall, true)] ?? 'openat'}"` +
    (ret < 0 ? `,"errno":"${errnoName(ret)}"}` : `,"fd":${ret}}`)
  );
}
