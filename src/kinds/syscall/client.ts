/** syscall: each syscall of the scope as strace shows it. The client part (the root part: ./root). BPF: bpf/syscall.bpf.c, bpf/syscall.h. */
import type { SyscallEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { quote } from '../shared/json';
import { decodeSyscall } from './decode';
import { parseSyscallClasses, parseSyscallNames, SYSCALL_CLASSES } from './filter';
import { SyscallTable } from './summary';
import { straceLine } from './text';
import { SYSCALL_TABLE } from './table';

const tagCache = new Map<number, string>();
/** `openat %desc %file`: the filter box's syscall: and %class terms match these. */
function syscallTags(nr: number, name: string): string {
  let t = tagCache.get(nr);
  if (t === undefined) {
    t = [name, ...(SYSCALL_TABLE[nr]?.classes ?? []).map((c) => `%${c}`)].join(' ').toLowerCase();
    if (tagCache.size < 1024) tagCache.set(nr, t);
  }
  return t;
}

const listCheck = (key: string, parse: (t: string) => string[]) => (v: unknown) => {
  if (!Array.isArray(v) || !v.length || v.length > 512 || v.some((s) => typeof s !== 'string')) return `${key} must be a list of names`;
  try {
    parse(v.join(','));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

export default defineClientKind<SyscallEvent>({
  name: 'syscall',
  decode: decodeSyscall,
  what: 'each syscall as strace prints it: decoded arguments, result, time (also: trace syscalls --stream)',
  icon: 'terminal',
  summary: () => new SyscallTable(),
  options: [
    {
      key: 'syscallClasses',
      flag: 'class',
      arg: '%file,…',
      help: `only these strace classes (${SYSCALL_CLASSES.filter((c) => !/stat/.test(c)).join(', ')}, …); with --syscall, both`,
      check: listCheck('syscallClasses', parseSyscallClasses),
      fromFlag: (t) => parseSyscallClasses(String(t)),
      toFlag: (v) => (v as string[]).join(','),
    },
    {
      key: 'syscallNames',
      flag: 'syscall',
      arg: 'openat,…',
      help: 'only these syscalls (x86_64 names); with --class, both',
      check: listCheck('syscallNames', parseSyscallNames),
      fromFlag: (t) => parseSyscallNames(String(t)),
      toFlag: (v) => (v as string[]).join(','),
    },
  ],
  presets: [
    { label: 'files (%file)', options: { syscallClasses: ['%file'] } },
    { label: 'network (%network)', options: { syscallClasses: ['%network'] } },
    { label: 'processes and signals (%process, %signal)', options: { syscallClasses: ['%process', '%signal'] } },
  ],
  columns: { head: [], rest: 'SYSCALL (strace -f -tt -T)', values: () => [], restValue: (e) => straceLine(e) },
  text: straceLine,
  // Strings come from the container (quoted); the rest are names and numbers of ours.
  jsonTail: (e) =>
    `,"name":${quote(e.name)},"nr":${e.nr},"args":${JSON.stringify(e.args)},"ret":${e.ret}` +
    (e.retPath !== undefined ? `,"retPath":${quote(e.retPath)}` : '') +
    (e.error !== undefined ? `,"error":"${e.error}"` : '') +
    `,"durationNs":${e.durationNs}` +
    (e.truncated !== undefined ? `,"truncated":${JSON.stringify(e.truncated)}` : '') +
    (e.unread !== undefined ? `,"unread":${JSON.stringify(e.unread)}` : ''),
  tags: (e) => syscallTags(e.nr, e.name),
  errno: (e) => e.error,
  failed: (e) => e.error !== undefined,
  path: (e) => {
    const p = e.args.filename ?? e.args.pathname ?? e.args.path;
    return typeof p === 'string' && !(e.truncated && ('filename' in e.truncated || 'pathname' in e.truncated)) && !e.unread?.length ? p : undefined;
  },
});
