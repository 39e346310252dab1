/** uprobe: the root part, what the helper opens, loads and attaches (the client part: ./client). BPF: bpf/uprobe.bpf.c, bpf/uprobe.h. */
import { uprobeTarget } from '../../uprobe/target';
import { defineRootKind } from '../root-part';
import { UPROBE_LAYOUT } from './decode';

export default defineRootKind({
  name: 'uprobe',
  object: 'uprobe.bpf.o',
  layout: UPROBE_LAYOUT,
  needs: ['uprobe', 'tracepoint'],
  // Through the traced process's own root and maps (its libc), else the container init's.
  file: (hostPid, options, onePid) => uprobeTarget(hostPid, options.target!, options.function!, onePid),
  attach: {
    programs: ['uprobe_entry', 'uprobe_return'],
    run: (obj, spec) => {
      if (!spec.uprobe) throw new Error('uprobe needs a target and a function');
      obj.attachUprobe('uprobe_entry', false, spec.pid, spec.uprobe.hostPath, spec.uprobe.offset);
      obj.attachUprobe('uprobe_return', true, spec.pid, spec.uprobe.hostPath, spec.uprobe.offset);
    },
  },
});
