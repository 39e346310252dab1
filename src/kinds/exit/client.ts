/** exit: process and thread exits. The client part (the root part: ./root). BPF: bpf/exit.bpf.c, bpf/exit.h. */
import type { ExitEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { STACK_PRESET, stackOption } from '../shared/options';
import { ProcessTree } from '../shared/process-tree';
import { decodeExit } from './decode';

export default defineClientKind<ExitEvent>({
  name: 'exit',
  decode: decodeExit,
  what: 'process and thread exits: exit code or signal, lifetime',
  icon: 'debug-stop',
  options: [stackOption],
  presets: [STACK_PRESET],
  summary: () => new ProcessTree(),
  text: (e) => {
    const how = e.signal ? `killed by ${e.signal}${e.oomKilled ? ' (OOM killer)' : ''}${e.coreDumped ? ' (core dumped)' : ''}` : `exit ${e.exitCode}`;
    return `${e.thread ? 'thread' : 'process'} ${how} after ${e.lifetimeMs} ms`;
  },
  failed: (e) => e.signal !== null || (e.exitCode ?? 0) !== 0,
});
