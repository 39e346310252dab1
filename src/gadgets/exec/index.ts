/** exec: programs started (execve/execveat), failed ones too. BPF: bpf/exec.bpf.c, bpf/exec.h. */
import type { ExecEvent } from '../../protocol';
import { defineKind } from '../kind';
import { ProcessTree } from '../proctree/summary';
import { execCommand } from '../text';
import { decodeExec, EXEC_LAYOUT } from './decode';

export default defineKind<ExecEvent>({
  spec: {
    summary: () => new ProcessTree(false),
    name: 'exec',
    what: 'programs started (execve/execveat), failed ones too',
    icon: 'rocket',
    text: (e) => (e.ret < 0 ? `${execCommand(e)}  → ${e.error ?? e.ret}` : execCommand(e)),
    failed: (e) => e.ret < 0,
    columns: {
      head: [
        ['PID', 7],
        ['TID', 7],
        ['HOSTPID', 8],
        ['PPID', 7],
        ['UID', 5],
        ['COMM', 16],
        ['RET', 7],
      ],
      values: (e) => [e.pid, e.tid, e.hostPid, e.ppid, e.uid, e.comm, e.ret < 0 ? e.error ?? String(e.ret) : '0'],
      rest: 'ARGS',
      restValue: (e) => execCommand(e),
    },
  },
  helper: { object: 'exec.bpf.o', needs: ['tracepoint'], layout: EXEC_LAYOUT, source: { ring: decodeExec } },
});
