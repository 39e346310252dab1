/** Host preparation and facts: tracefs/bpffs mounts, BPF object location. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INSTALL_DIR } from '../install';

export type Logger = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

const TRACEFS = '/sys/kernel/tracing';
const BPFFS = '/sys/fs/bpf';

function mounted(fstype: string, at: string): boolean {
  try {
    return fs
      .readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .some((line) => {
        const [, target, type] = line.split(' ');
        return target === at && type === fstype;
      });
  } catch {
    return false;
  }
}

export function tracefsMounted(): boolean {
  return mounted('tracefs', TRACEFS) || fs.existsSync(path.join(TRACEFS, 'events'));
}

export function bpffsMounted(): boolean {
  return mounted('bpf', BPFFS);
}

/** Whether tracefs lists a tracepoint such as syscalls/sys_enter_open. */
export function tracepointExists(name: string): boolean {
  return fs.existsSync(path.join(TRACEFS, 'events', name)) || fs.existsSync(path.join('/sys/kernel/debug/tracing/events', name));
}

/** Mount tracefs and bpffs where missing (needs root), saying so. */
export function prepareHost(log: Logger): void {
  // Deferred import: callers that only read facts never load native code.
  const { lib, lastErrno, errnoMessage } = require('../bpf/native') as typeof import('../bpf/native');
  const mount = (fstype: string, at: string) => {
    if (lib().mount(fstype, at, fstype, 0, null) === 0) {
      log('info', `mounted ${fstype} at ${at} (it was not mounted; tracepoints need it)`);
    } else {
      log('warn', `cannot mount ${fstype} at ${at}: ${errnoMessage(lastErrno())}`);
    }
  };
  if (!tracefsMounted()) mount('tracefs', TRACEFS);
  if (!bpffsMounted() && fs.existsSync(BPFFS)) mount('bpf', BPFFS);
}

/** Directory holding the compiled BPF objects (dist/bpf). */
export function bpfObjectDir(): string {
  const candidates = [developmentOverride('CONTAINER_TRACE_BPF_DIR'), path.join(__dirname, 'bpf')];
  for (let dir = __dirname, i = 0; i < 5; i++, dir = path.dirname(dir)) candidates.push(path.join(dir, 'dist', 'bpf'));
  for (const c of candidates) {
    if (c && fs.existsSync(path.join(c, 'exec.bpf.o'))) return c;
  }
  throw new Error('the compiled BPF objects are missing (dist/bpf/*.bpf.o): run `npm run build`');
}


/** Kernel dev_t encoding of a user-space st_dev (what BPF helpers expect). */
export function kernelDev(stDev: number): bigint {
  const dev = BigInt(stDev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return (major << 20n) | minor;
}

/**
 * A CONTAINER_TRACE_* setting for development and tests; never honoured by
 * the installed (root-owned) helper, whatever its environment says.
 */
export function developmentOverride(name: string): string | undefined {
  if (__dirname.startsWith(INSTALL_DIR + '/')) return undefined;
  return process.env[name];
}
