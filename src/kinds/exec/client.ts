/** exec: programs started (execve/execveat), failed ones too. The client part (the root part: ./root). BPF: bpf/exec.bpf.c, bpf/exec.h. */
import type { ExecEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { STACK_PRESET, stackOption } from '../shared/options';
import { ProcessTree } from '../shared/process-tree';
import { execCommand } from '../shared/text';
import { decodeExec } from './decode';

export default defineClientKind<ExecEvent>({
  name: 'exec',
  decode: decodeExec,
  what: 'programs started (execve/execveat), failed ones too',
  icon: 'rocket',
  options: [stackOption],
  presets: [STACK_PRESET],
  summary: () => new ProcessTree(false),
  text: (e) => (e.ret < 0 ? `${execCommand(e)}  → ${e.error ?? e.ret}` : execCommand(e)),
  errno: (e) => e.error,
  failed: (e) => e.ret < 0,
  path: (e) => e.filename || undefined,
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
    // A container with its own user namespace: its uid, then the host's (0/1001).
    values: (e) => [e.pid, e.tid, e.hostPid, e.ppid, e.hostUid === undefined ? e.uid : `${e.uid}/${e.hostUid}`, e.comm, e.ret < 0 ? e.error ?? String(e.ret) : '0'],
    rest: 'ARGS',
    restValue: (e) => execCommand(e),
  },
});
