/** Reads of one procfs tree (the real /proc, or a fixture tree in tests). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCmdline, parseStatus, type ProcStatus } from './status';
import { namespaceOf } from './ns';

export class ProcFs {
  constructor(readonly root = '/proc') {}

  private p(...parts: (string | number)[]): string {
    return path.join(this.root, ...parts.map(String));
  }

  /** Numeric entries: every thread-group leader the reader can see. */
  pids(): number[] {
    return fs
      .readdirSync(this.root)
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .sort((a, b) => a - b);
  }

  tids(pid: number): number[] {
    try {
      return fs
        .readdirSync(this.p(pid, 'task'))
        .filter((d) => /^\d+$/.test(d))
        .map(Number)
        .sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  /** undefined when the process is gone (it raced with the scan). */
  status(pid: number, tid?: number): ProcStatus | undefined {
    try {
      const file = tid === undefined ? this.p(pid, 'status') : this.p(pid, 'task', tid, 'status');
      return parseStatus(fs.readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  cmdline(pid: number): string[] {
    try {
      return parseCmdline(fs.readFileSync(this.p(pid, 'cmdline')));
    } catch {
      return [];
    }
  }

  comm(pid: number, tid?: number): string {
    try {
      const file = tid === undefined ? this.p(pid, 'comm') : this.p(pid, 'task', tid, 'comm');
      return fs.readFileSync(file, 'utf8').replace(/\n$/, '');
    } catch {
      return '';
    }
  }

  /**
   * Inode of the PID namespace of `pid`: 'denied' when the reader may not
   * look (other users' processes without root), undefined when gone.
   */
  pidNamespace(pid: number | 'self'): number | 'denied' | undefined {
    return namespaceOf(pid, 'pid', this.root);
  }


  cgroup(pid: number): string {
    try {
      return fs.readFileSync(this.p(pid, 'cgroup'), 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Level of the reader's own PID namespace as its procfs shows it: 0 on the
   * host, and also 0 in a namespace with its own procfs (NSpid starts at
   * the procfs's level); the BPF side finds the true level (host_pidns_ino).
   */
  ownLevel(): number {
    const self = this.status('self' as unknown as number);
    return self ? self.nspid.length - 1 : 0;
  }
}
