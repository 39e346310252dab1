/**
 * syscall: --class (strace's classes: %file, %network, ...) and --syscall
 * (names) into the set of syscall numbers the kernel traces (their union;
 * every syscall when neither is given), with errors that name what exists.
 */
import { SYSCALL_TABLE } from './table';

const BY_NAME = new Map<string, number>();
const CLASSES = new Map<string, number[]>();
for (const [nr, spec] of Object.entries(SYSCALL_TABLE)) {
  BY_NAME.set(spec.name, Number(nr));
  for (const c of spec.classes) {
    const key = c.startsWith('%') ? `%${c}` : `%${c}`;
    const list = CLASSES.get(key) ?? [];
    list.push(Number(nr));
    CLASSES.set(key, list);
  }
}
/** The classes, as strace spells them (%file, %network, %process, %signal, %memory, %desc, %ipc, %creds, %clock, %pure, %stat, …). */
export const SYSCALL_CLASSES: readonly string[] = [...CLASSES.keys()].sort();

/** Names closest to `name` (edit distance, then shared prefix), at most 3. */
function nearest(name: string, among: Iterable<string>): string[] {
  const scored: [string, number][] = [];
  for (const c of among) scored.push([c, distance(name, c) - (c.startsWith(name.slice(0, 3)) ? 0.5 : 0)]);
  return scored.sort((a, b) => a[1] - b[1]).slice(0, 3).filter(([, d]) => d <= Math.max(2, name.length / 2)).map(([c]) => c);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** A comma list of syscall names, checked; throws the message that names near matches. */
export function parseSyscallNames(text: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new Error('--syscall wants syscall names, e.g. --syscall openat,connect');
  for (const n of names) {
    if (BY_NAME.has(n)) continue;
    const near = nearest(n, BY_NAME.keys());
    throw new Error(`unknown syscall "${n}"${near.length ? `; did you mean ${near.join(', ')}?` : ''} (x86_64 names, as strace -e trace= takes them)`);
  }
  return names;
}

/** A comma list of strace classes (%file or file), checked; as strace spells them. */
export function parseSyscallClasses(text: string): string[] {
  const out = text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (s.startsWith('%') ? s : `%${s}`));
  if (!out.length) throw new Error(`--class wants strace classes, e.g. --class %file,%network (one of ${SYSCALL_CLASSES.join(', ')})`);
  for (const c of out) if (!CLASSES.has(c)) throw new Error(`unknown syscall class "${c}"; strace's classes are ${SYSCALL_CLASSES.join(', ')}`);
  return out;
}

/** Whether a syscall (by name) is in a class. */
export function inClass(name: string, cls: string): boolean {
  const nr = BY_NAME.get(name);
  return nr !== undefined && (CLASSES.get(cls.startsWith('%') ? cls : `%${cls}`)?.includes(nr) ?? false);
}

/** The numbers to trace; undefined: every syscall. */
export function syscallNumbers(classes: readonly string[] | undefined, names: readonly string[] | undefined): Set<number> | undefined {
  if (!classes?.length && !names?.length) return undefined;
  const out = new Set<number>();
  for (const c of classes ?? []) for (const nr of CLASSES.get(c.startsWith('%') ? c : `%${c}`) ?? []) out.add(nr);
  for (const n of names ?? []) {
    const nr = BY_NAME.get(n);
    if (nr !== undefined) out.add(nr);
  }
  return out;
}

/** The numbers as the eight 64-bit words of bpf/syscall.bpf.c's mask (sc_mask_0..7). */
export function syscallMask(nrs: Set<number>): bigint[] {
  const words = Array.from({ length: 8 }, () => 0n);
  for (const nr of nrs) if (nr >= 0 && nr < 512) words[nr >> 6] |= 1n << BigInt(nr & 63);
  return words;
}
