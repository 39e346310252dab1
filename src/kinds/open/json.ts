/**
 * open: a record straight to its JSON line as bytes (./shared/json-bytes),
 * with no decoded object, no string and no escaping, when its comm,
 * container label and path are plain ASCII (the common case); false
 * otherwise, and the caller decodes. The line is exactly
 * eventJson(decodeOpen(…)): a unit test holds the two equal.
 */
import { errnoName, type DecodeContext } from '../shared/decode';
import { recordHeadBytes, sharedArray } from '../shared/json';
import { ascii, encodedJson, type JsonBytes } from '../shared/json-bytes';
import { OPEN_LAYOUT, OPEN_SYSCALLS, openFlags } from './decode';

const F = OPEN_LAYOUT.fields;
const PATH_LEN = OPEN_LAYOUT.sizes.path;
const TWO32 = 2 ** 32;

const PATH = ascii(',"path":"');
const UNREADABLE = ascii('(not readable at entry)');
const TRUNCATED = ascii('","pathTruncated":true,"flags":');
const WHOLE = ascii('","pathTruncated":false,"flags":');
const MODE = ascii(',"mode":');
const NULL = ascii('null');
const DIRFD = ascii(',"dirfd":');
const AT_FDCWD = ascii('"AT_FDCWD"');
const SYSCALL = OPEN_SYSCALLS.map((s) => ascii(`,"syscall":"${s}"`));
const FD = ascii(',"fd":');
const errnos = new Map<number, Buffer>();
const modes = new Map<number, Buffer>();
/** The last record's values from its path's end to its result, and the text they made. */
const tail = { truncated: -1, flags: -1, mode: -1, dirfd: 0, syscall: -1, bytes: undefined as Buffer | undefined };

export function openRecordBytes(dv: DataView, bytes: Buffer, at: number, len: number, ctx: DecodeContext, w: JsonBytes): boolean {
  if (!recordHeadBytes('open', dv, bytes, at, ctx, w)) return false;
  const eflags = dv.getUint32(at + F.eflags, true);
  w.raw(PATH);
  if (eflags & 2) w.raw(UNREADABLE);
  else if (!w.plain(bytes, at + F.path, Math.max(0, Math.min(PATH_LEN, len - F.path)))) return false;
  // From the path's end to the result (truncated, flags, mode, dirfd, syscall) as the last record
  // with the same values wrote it: a flood repeats one call.
  const flags = dv.getUint32(at + F.flags, true);
  const withMode = (flags & 0o100) !== 0 || (flags & 0o20200000) === 0o20200000;
  const m = withMode ? dv.getUint32(at + F.mode, true) & 0o7777 : -1;
  const dirfd = dv.getInt32(at + F.dirfd, true);
  const syscall = dv.getUint32(at + F.syscall, true);
  const t = tail;
  if (t.bytes === undefined || t.truncated !== (eflags & 1) || t.flags !== flags || t.mode !== m || t.dirfd !== dirfd || t.syscall !== syscall) {
    const from = w.at;
    w.raw(eflags & 1 ? TRUNCATED : WHOLE);
    const names = openFlags(flags);
    w.raw(encodedJson(names, () => sharedArray(names)));
    w.raw(MODE);
    if (m >= 0) {
      let mode = modes.get(m);
      if (mode === undefined) modes.set(m, (mode = ascii(`"0${m.toString(8).padStart(3, '0')}"`)));
      w.raw(mode);
    } else w.raw(NULL);
    w.raw(DIRFD);
    if (dirfd === -100) w.raw(AT_FDCWD);
    else w.int(dirfd);
    w.raw(SYSCALL[syscall] ?? SYSCALL[1]);
    t.truncated = eflags & 1;
    t.flags = flags;
    t.mode = m;
    t.dirfd = dirfd;
    t.syscall = syscall;
    t.bytes = Buffer.from(w.buf.subarray(from, w.at));
  } else w.raw(t.bytes);
  const ret = dv.getInt32(at + F.ret + 4, true) * TWO32 + dv.getUint32(at + F.ret, true);
  if (ret < 0) {
    let e = errnos.get(ret);
    if (e === undefined) {
      e = ascii(`,"errno":"${errnoName(ret)}"}`);
      if (errnos.size < 4096) errnos.set(ret, e);
    }
    w.raw(e);
  } else {
    w.raw(FD);
    w.uint(ret);
    w.byte(0x7d);
  }
  return true;
}
