/** open: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/open.bpf.c, bpf/open.h. */
import { defineRootKind, stackKnob } from '../root-part';
import { OPEN_LAYOUT } from './decode';

export default defineRootKind({
  name: 'open',
  object: 'open.bpf.o',
  layout: OPEN_LAYOUT,
  needs: ['tracepoint'],
  // open(2) is not on every architecture (arm64), openat2 not on every kernel.
  optional: [
    { program: 'open_enter_open', tracepoint: 'syscalls/sys_enter_open' },
    { program: 'open_exit_open', tracepoint: 'syscalls/sys_exit_open' },
    { program: 'open_enter_openat2', tracepoint: 'syscalls/sys_enter_openat2' },
    { program: 'open_exit_openat2', tracepoint: 'syscalls/sys_exit_openat2' },
  ],
  knobs: (params) => ({ failed_only: !!params.options?.failedOnly, ...stackKnob(params) }),
  // ret (s64) < 0: its high word is negative.
  failedRecord: (dv, at) => dv.getInt32(at + OPEN_LAYOUT.fields.ret + 4, true) < 0,
});
