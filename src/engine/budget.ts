/**
 * The budget of traces and ring-buffer memory, host-wide and per user: every
 * root engine on this host (each helper, a root CLI) accounts in one ledger,
 * so starting more helpers buys no more kernel memory. The ledger is a
 * root-only directory with one file per running trace, named by its owner's
 * PID and start time (a dead owner's files are stale and removed); a
 * reservation is checked and written under an flock, released when the
 * trace ends, and every file of a process goes when it exits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const LEDGER_DIR = '/run/container-trace/budget';

export interface BudgetLimits {
  /** Traces at once on this host, and per user. */
  hostSessions: number;
  userSessions: number;
  /** Ring-buffer bytes on this host, and per user. */
  hostBytes: number;
  userBytes: number;
}

export const BUDGET: BudgetLimits = { hostSessions: 16, userSessions: 12, hostBytes: 512 << 20, userBytes: 384 << 20 };

export class BudgetError extends Error {}

export interface Ticket {
  bytes: number;
  release(): void;
}

interface Entry {
  uid: number;
  bytes: number;
}

const mib = (n: number) => `${Math.round(n / (1 << 20))} MiB`;

/** A process's start time (clock ticks since boot): with its PID, a name no later process has. */
export function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export class HostBudget {
  private seq = 0;
  private readonly mine = new Set<string>();
  private readonly self: string;

  constructor(
    /** The user this engine works for (the sudo/pkexec caller; 0 for root itself: host limits only). */
    private readonly uid: number,
    private readonly limits: BudgetLimits = BUDGET,
    private readonly dir = LEDGER_DIR,
  ) {
    this.self = `${process.pid}.${startTime(process.pid) ?? '0'}`;
    process.on('exit', () => this.releaseAll());
  }

  /** Reserve one trace of `bytes`, or throw a BudgetError that says who holds what. */
  reserve(bytes: number): Ticket {
    this.ready();
    return this.locked(() => {
      const entries = this.entries();
      const host = entries.reduce((n, e) => n + e.bytes, 0);
      const user = entries.filter((e) => e.uid === this.uid);
      const userBytes = user.reduce((n, e) => n + e.bytes, 0);
      const limitedUser = this.uid !== 0;
      if (entries.length >= this.limits.hostSessions) {
        throw new BudgetError(`at most ${this.limits.hostSessions} traces run at once on this host (all helpers together); stop one first`);
      }
      if (limitedUser && user.length >= this.limits.userSessions) {
        throw new BudgetError(`at most ${this.limits.userSessions} traces run at once per user (uid ${this.uid} has ${user.length}, in every helper); stop one first`);
      }
      if (host + bytes > this.limits.hostBytes) {
        throw new BudgetError(
          `not enough kernel memory for ring buffers: ${mib(host)} in use of ${mib(this.limits.hostBytes)} on this host (all helpers together), this trace asks ${mib(bytes)}; stop a trace or ask a smaller buffer`,
        );
      }
      if (limitedUser && userBytes + bytes > this.limits.userBytes) {
        throw new BudgetError(
          `not enough kernel memory for ring buffers: uid ${this.uid} holds ${mib(userBytes)} of its ${mib(this.limits.userBytes)}, this trace asks ${mib(bytes)}; stop a trace or ask a smaller buffer`,
        );
      }
      const name = `${this.self}.${++this.seq}`;
      fs.writeFileSync(path.join(this.dir, name), `${this.uid} ${bytes}\n`, { mode: 0o600, flag: 'wx' });
      this.mine.add(name);
      let held = true;
      return {
        bytes,
        release: () => {
          if (!held) return;
          held = false;
          this.drop(name);
        },
      };
    });
  }

  /** Every reservation of this process (on exit). */
  releaseAll(): void {
    for (const name of [...this.mine]) this.drop(name);
  }

  private drop(name: string): void {
    this.mine.delete(name);
    fs.rmSync(path.join(this.dir, name), { force: true });
  }

  /** The live entries; files of processes that are gone are removed. */
  private entries(): Entry[] {
    const out: Entry[] = [];
    const alive = new Map<string, boolean>();
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^(\d+)\.(\d+)\.\d+$/.exec(name);
      if (!m) continue;
      const owner = `${m[1]}.${m[2]}`;
      if (!alive.has(owner)) alive.set(owner, owner === this.self || startTime(Number(m[1])) === m[2]);
      if (!alive.get(owner)) {
        fs.rmSync(path.join(this.dir, name), { force: true });
        continue;
      }
      const [uid, bytes] = fs.readFileSync(path.join(this.dir, name), 'latin1').trim().split(' ').map(Number);
      if (Number.isSafeInteger(uid) && Number.isSafeInteger(bytes)) out.push({ uid, bytes });
    }
    return out;
  }

  /** The ledger directory: made root-only, refused when anyone else could write it. */
  private ready(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (let d = this.dir; d !== '/'; d = path.dirname(d)) {
      const st = fs.lstatSync(d);
      if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
        throw new BudgetError(`${d} is not a root-owned directory only root can write: the host-wide trace budget cannot be kept; remove it`);
      }
    }
  }

  /** `fn` under an exclusive flock on the ledger (short: waits at most 2 s for another engine). */
  private locked<T>(fn: () => T): T {
    const { tryLockExclusive } = require('../bpf/native') as typeof import('../bpf/native');
    const fd = fs.openSync(path.join(this.dir, '.lock'), fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
    try {
      const nap = new Int32Array(new SharedArrayBuffer(4));
      for (let waited = 0; !tryLockExclusive(fd); waited += 2) {
        if (waited >= 2000) throw new BudgetError('the host-wide trace budget is locked by another helper for more than 2 s; try again');
        Atomics.wait(nap, 0, 0, 2);
      }
      return fn();
    } finally {
      fs.closeSync(fd); // releases the lock
    }
  }
}
