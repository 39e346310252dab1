/**
 * syscall: an event as strace -f -tt -T (with -y's descriptor names) writes
 * it: `[pid 7] 12:00:01.123456 openat(AT_FDCWD, "/etc/passwd",
 * O_RDONLY|O_CLOEXEC) = 3</etc/passwd> <0.000012>`. Strings escaped as
 * strace does (C escapes, other bytes in octal), `...` after one that was
 * cut. Times are UTC.
 */
import type { SyscallArg, SyscallEvent } from '../../protocol';
import { ERRNO_MESSAGES, SYSCALL_TABLE } from './table';
import { RESTART_ERRNOS } from './flags';

const ESC: Record<number, string> = { 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

/** A string's bytes quoted as strace quotes them. */
export function straceQuote(s: string): string {
  // Plain printable ASCII (the common case) as it is.
  if (/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(s)) return `"${s}"`;
  const b = Buffer.from(s, 'utf8');
  let out = '"';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    const e = ESC[c];
    if (e) out += e;
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else {
      // The shortest octal, unless the next character is an octal digit.
      const next = b[i + 1];
      out += next !== undefined && next >= 0x30 && next <= 0x37 ? '\\' + c.toString(8).padStart(3, '0') : '\\' + c.toString(8);
    }
  }
  return out + '"';
}

function fdText(a: { fd: number; path?: string }): string {
  return a.path === undefined ? String(a.fd) : `${a.fd}<${a.path}>`;
}

function sockaddrText(a: { family: string; address?: string; port?: number; path?: string }): string {
  if (a.family === 'AF_INET') return `{sa_family=AF_INET, sin_port=htons(${a.port}), sin_addr=inet_addr("${a.address}")}`;
  if (a.family === 'AF_INET6') return `{sa_family=AF_INET6, sin6_port=htons(${a.port}), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "${a.address}", &sin6_addr), sin6_scope_id=0}`;
  if (a.family === 'AF_UNIX') return `{sa_family=AF_UNIX, sun_path=${straceQuote(a.path ?? '')}}`;
  return `{sa_family=${a.family}}`;
}

/** One argument as strace writes it. */
export function argText(kind: string, a: SyscallArg, cut: boolean, more: boolean): string {
  if (a === null) return 'NULL';
  if (typeof a === 'number') return String(a);
  if (typeof a === 'string') {
    if (kind === 'wstatus') return `[${a}]`;
    // getrandom's bytes: strace writes them in hex.
    if (kind === 'randout') return '"' + a.replace(/(..)/g, '\\x$1') + '"' + (cut ? '...' : '');
    if (kind === 'path' || kind === 'str' || kind === 'bufout' || kind.startsWith('bufin:')) return straceQuote(a) + (cut ? '...' : '');
    return a;
  }
  if (Array.isArray(a)) {
    if (kind === 'pipefd') return `[${a.join(', ')}]`;
    return '[' + a.map((s) => straceQuote(s)).join(', ') + (more || cut ? ', ...' : '') + ']';
  }
  if ('fd' in a) return fdText(a);
  if ('family' in a) return sockaddrText(a);
  if ('st_mode' in a) return `{st_mode=${a.st_mode}, st_size=${a.st_size}, ...}`;
  return String(a);
}

/** `name(args)`: the call as strace writes it, before its result. */
export function callText(e: SyscallEvent): string {
  const spec = SYSCALL_TABLE[e.nr];
  const kinds = spec?.args ?? [];
  const names = Object.keys(e.args);
  const kindOf = (i: number) => kinds[i]?.[1] ?? 'hex';
  const text = (i: number) => {
    const n = names[i];
    const a = e.args[n];
    const k = kindOf(i);
    // Unread strings and buffers come as addresses: strace writes those bare.
    if (typeof a === 'string' && (e.unread?.includes(n) ?? false)) return a;
    return argText(k, a, !!e.truncated && n in e.truncated, false);
  };
  if (e.name === 'clone') {
    const flags = e.args.clone_flags as string;
    const parts = [`child_stack=${argText('ptr', e.args.newsp, false, false)}`, `flags=${flags}`];
    if (flags.includes('CLONE_PARENT_SETTID')) parts.push(`parent_tid=${argText('ptr', e.args.parent_tidptr, false, false)}`);
    if (flags.includes('CLONE_CHILD_SETTID') || flags.includes('CLONE_CHILD_CLEARTID')) parts.push(`child_tidptr=${argText('ptr', e.args.child_tidptr, false, false)}`);
    if (flags.includes('CLONE_SETTLS')) parts.push(`tls=${argText('ptr', e.args.tls, false, false)}`);
    return `clone(${parts.join(', ')})`;
  }
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) {
    // open/openat's mode only with O_CREAT or O_TMPFILE (the decoder leaves it null otherwise).
    if (kindOf(i) === 'mode' && e.args[names[i]] === null) continue;
    if (kindOf(i) === 'envp') {
      out.push(`${argText('ptr', e.args[names[i]], false, false)}`);
      continue;
    }
    out.push(text(i));
  }
  return `${e.name}(${out.join(', ')})`;
}

/** ` = 3</etc/passwd>`, ` = -1 ENOENT (No such file or directory)`, ` = ?`. */
export function resultText(e: SyscallEvent): string {
  if (e.ret === null) return ' = ?';
  if (e.error) {
    const restart = RESTART_ERRNOS[-e.ret];
    if (restart) return ` = ? ${restart[0]} (${restart[1]})`;
    return ` = -1 ${e.error} (${ERRNO_MESSAGES[e.error] ?? 'Unknown error ' + -e.ret})`;
  }
  const spec = SYSCALL_TABLE[e.nr];
  if (spec?.ret === 'ptr') return ` = 0x${e.ret.toString(16)}`;
  if (e.retPath !== undefined) return ` = ${e.ret}<${e.retPath}>`;
  return ` = ${e.ret}`;
}

/** The whole line. */
export function straceLine(e: SyscallEvent): string {
  const dur = e.ret === null ? '' : ` <${(e.durationNs / 1e9).toFixed(6)}>`;
  return `[pid ${e.tid}] ${e.time.slice(11, 26)} ${callText(e)}${resultText(e)}${dur}`;
}
