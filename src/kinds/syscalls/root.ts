/** syscalls: the root part, what the helper loads and reads from its maps (the client part: ./client). BPF: bpf/syscalls.bpf.c, bpf/syscalls.h. */
import { defineRootKind } from '../root-part';
import { decodeSyscallsEntry, execName, syscallsReport, SYSCALLS_KEY_SIZE, SYSCALLS_LAYOUT, SYSCALLS_NAME_SIZE, SYSCALLS_VALUE_SIZE } from './decode';

/** Per loaded object: host PID → the name of its latest exec. */
const names = new WeakMap<object, Map<number, string>>();
function latestNames(obj: object): Map<number, string> {
  let m = names.get(obj);
  if (!m) names.set(obj, (m = new Map()));
  return m;
}

export default defineRootKind({
  name: 'syscalls',
  object: 'syscalls.bpf.o',
  layout: SYSCALLS_LAYOUT,
  needs: [],
  variants: [
    { type: 'raw_tp', programs: ['syscalls_enter', 'syscalls_exit'] },
    { type: 'tracepoint', programs: ['syscalls_enter_tp', 'syscalls_exit_tp'] },
  ],
  collect: (obj, ctx, { intervalMs, top }) => {
    // Names taken at exec since the last read: every row of that process goes by its latest.
    const latest = latestNames(obj);
    for (const { key, value } of obj.drainHash('names', 4, SYSCALLS_NAME_SIZE)) latest.set(key.readUInt32LE(0), execName(value));
    const entries = obj
      .drainPercpuHash('syscalls', SYSCALLS_KEY_SIZE, SYSCALLS_VALUE_SIZE)
      .map(({ key, values }) => decodeSyscallsEntry(key, values))
      .filter((e) => e.count > 0);
    for (const e of entries) if (!e.runtime) e.comm = latest.get(e.hostPid) ?? e.comm;
    if (latest.size > 4096) latest.clear(); // bounded: names come back at the next exec
    return [syscallsReport(entries, intervalMs, top, ctx)];
  },
});
