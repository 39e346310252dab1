/** syscall: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/syscall.bpf.c, bpf/syscall.h. */
import { defineRootKind } from '../root-part';
import { SYSCALL_LAYOUT } from './decode';
import { syscallMask, syscallNumbers } from './filter';

export default defineRootKind({
  name: 'syscall',
  object: 'syscall.bpf.o',
  layout: SYSCALL_LAYOUT,
  needs: [],
  variants: [
    { type: 'raw_tp', programs: ['syscall_enter', 'syscall_exit'] },
    { type: 'tracepoint', programs: ['syscall_enter_tp', 'syscall_exit_tp'] },
  ],
  // --class, --syscall: the kernel traces only those numbers (checked by the client part).
  knobs: (params) => {
    const nrs = syscallNumbers(params.options?.syscallClasses, params.options?.syscallNames);
    if (!nrs) return {};
    const m = syscallMask(nrs);
    return { sc_filter: true, sc_mask_0: m[0], sc_mask_1: m[1], sc_mask_2: m[2], sc_mask_3: m[3], sc_mask_4: m[4], sc_mask_5: m[5], sc_mask_6: m[6], sc_mask_7: m[7] };
  },
  // ret (s64) in -4095..-1: its high word is negative.
  failedRecord: (dv, at) => dv.getInt32(at + SYSCALL_LAYOUT.fields.ret + 4, true) < 0,
});
