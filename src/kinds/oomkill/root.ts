/** oomkill: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/oomkill.bpf.c, bpf/oomkill.h. */
import { developmentOverride } from '../../engine/system';
import { defineRootKind } from '../root-part';
import { OOMKILL_LAYOUT } from './decode';

export default defineRootKind({
  name: 'oomkill',
  object: 'oomkill.bpf.o',
  layout: OOMKILL_LAYOUT,
  needs: [],
  // The raw tracepoint gives the victim's task (its PIDs in the container, its mm and cgroup, whoever triggered the kill);
  // the tracepoint only its host PID and (6.9+) memory figures, the task itself only when it is the trigger.
  variants: [
    { type: 'raw_tp', programs: ['oomkill_mark_victim', 'oomkill_sigkill'] },
    { type: 'tracepoint', programs: ['oomkill_mark_victim_tp'] },
  ],
  // Diagnostic (tests): the victim found as before 6.9, by its PID and the SIGKILL sent to it, on any kernel.
  knobs: () => ({ oom_by_pid: developmentOverride('CONTAINER_TRACE_OOMKILL_BY_PID') === '1' }),
  failedRecord: () => true,
});
