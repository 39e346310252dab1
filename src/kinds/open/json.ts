/**
 * open: a record straight to its JSON line, with no decoded object and no
 * string escaping, when its comm, container label and path are plain ASCII
 * (the common case); undefined otherwise, and the caller decodes. The line
 * is exactly eventJson(decodeOpen(…)): a unit test holds the two equal.
 */
import { errnoName, type DecodeContext } from '../shared/decode';
import { plainAscii, recordHeadJson, sharedArray } from '../shared/json';
import { OPEN_LAYOUT, OPEN_SYSCALLS, openFlags } from './decode';

const F = OPEN_LAYOUT.fields;
const PATH_LEN = OPEN_LAYOUT.sizes.path;
const TWO32 = 2 ** 32;

const modes = new Map<number, string>();

export function openRecordJson(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext): string | undefined {
  const head = recordHeadJson('open', dv, bytes, at, ctx);
  if (head === undefined) return undefined;
  const eflags = dv.getUint32(at + F.eflags, true);
  const path = eflags & 2 ? '(not readable at entry)' : plainAscii(bytes, at + F.path, Math.max(0, Math.min(PATH_LEN, len - F.path)));
  if (path === undefined) return undefined;
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
    head +
    `,"path":"${path}","pathTruncated":${(eflags & 1) !== 0},"flags":${sharedArray(openFlags(flags))},"mode":${mode},` +
    `"dirfd":${dirfd === -100 ? '"AT_FDCWD"' : dirfd},"syscall":"${OPEN_SYSCALLS[dv.getUint32(at + F.syscall, true)] ?? 'openat'}"` +
    (ret < 0 ? `,"errno":"${errnoName(ret)}"}` : `,"fd":${ret}}`)
  );
}
