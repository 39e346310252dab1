/** exit: process and thread exits. BPF: bpf/exit.bpf.c, bpf/exit.h. */
import type { ExitEvent } from '../../protocol';
import { defineKind } from '../kind';
import { ProcessTree } from '../proctree/summary';
import { decodeExit, EXIT_LAYOUT } from './decode';

export default defineKind<ExitEvent>({
  spec: {
    summary: () => new ProcessTree(),
    name: 'exit',
    what: 'process and thread exits: exit code or signal, lifetime',
    icon: 'debug-stop',
    text: (e) => {
      const how = e.signal ? `killed by ${e.signal}${e.coreDumped ? ' (core dumped)' : ''}` : `exit ${e.exitCode}`;
      return `${e.thread ? 'thread' : 'process'} ${how} after ${e.lifetimeMs} ms`;
    },
    failed: (e) => e.signal !== null || (e.exitCode ?? 0) !== 0,
  },
  helper: { object: 'exit.bpf.o', needs: ['tracepoint'], layout: EXIT_LAYOUT, source: { ring: decodeExit } },
});
