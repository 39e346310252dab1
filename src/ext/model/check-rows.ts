/**
 * The system check's lines as the extension shows them: a missing feature
 * that no trace kind needs (kprobes, fentry, bpffs: the check says so) is
 * information, not a warning; a fix that names `container-trace` names the
 * CLI the way this user can run it (its real path). No VS Code here.
 */
import type { CheckItem } from '../../protocol';

export type CheckLevel = CheckItem['status'] | 'info';

export interface CheckRow extends CheckItem {
  level: CheckLevel;
}

/** The check's own words for "nothing needs this". */
const NOT_NEEDED = /no trace kind needs|not needed to trace/i;

/** `program`: the shell words that run the CLI (e.g. `/usr/bin/node …/dist/cli.js`). */
export function checkRows(items: CheckItem[], program: string): CheckRow[] {
  return items.map((i) => {
    const level: CheckLevel = i.status === 'warn' && NOT_NEEDED.test(`${i.detail} ${i.fix ?? ''}`) ? 'info' : i.status;
    const fix = i.fix?.replace(/(^|[\s("])container-trace(?=[\s)"]|$)/g, `$1${program}`);
    return { ...i, level, ...(fix !== undefined ? { fix } : {}) };
  });
}
