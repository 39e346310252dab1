/** open: files opened, failures kept first. BPF: bpf/open.bpf.c, bpf/open.h. */
import type { OpenEvent } from '../../protocol';
import { defineKind } from '../kind';
import { OpenByPath } from './summary';
import { quote, sharedArray } from '../json';
import { decodeOpen, OPEN_LAYOUT } from './decode';
import { openRecordJson } from './json';

export default defineKind<OpenEvent>({
  spec: {
    summary: () => new OpenByPath(),
    name: 'open',
    what: 'files opened: path, flags, fd or errno (failures kept first)',
    icon: 'file',
    options: [
      {
        key: 'failedOnly',
        flag: 'failed',
        help: 'only failed opens',
        check: (v) => (typeof v === 'boolean' ? undefined : 'failedOnly must be true or false'),
        fromFlag: () => true,
      },
    ],
    presets: [{ label: 'failed only', options: { failedOnly: true } }],
    text: (e) => {
      const result = e.errno ? `→ ${e.errno}` : `→ fd ${e.fd}`;
      return `${e.path}${e.pathTruncated ? '…' : ''}  ${e.flags.join('|')}${e.mode ? ` ${e.mode}` : ''}  ${result}`;
    },
    // Only the path comes from the container; flags, mode, dirfd, syscall and errno are names of ours.
    jsonTail: (e) =>
      `,"path":${quote(e.path)},"pathTruncated":${e.pathTruncated},"flags":${sharedArray(e.flags)},"mode":${e.mode === null ? 'null' : `"${e.mode}"`}` +
      `,"dirfd":${typeof e.dirfd === 'number' ? e.dirfd : `"${e.dirfd}"`},"syscall":"${e.syscall}"` +
      (e.fd !== undefined ? `,"fd":${e.fd}` : '') +
      (e.errno !== undefined ? `,"errno":"${e.errno}"` : ''),
    failed: (e) => e.errno !== undefined,
  },
  helper: {
    object: 'open.bpf.o',
    needs: ['tracepoint'],
    layout: OPEN_LAYOUT,
    source: { ring: decodeOpen },
    jsonRecord: openRecordJson,
    optional: [
      { program: 'open_enter_open', tracepoint: 'syscalls/sys_enter_open' },
      { program: 'open_exit_open', tracepoint: 'syscalls/sys_exit_open' },
      { program: 'open_enter_openat2', tracepoint: 'syscalls/sys_enter_openat2' },
      { program: 'open_exit_openat2', tracepoint: 'syscalls/sys_exit_openat2' },
    ],
    knobs: (params) => ({ failed_only: !!params.options?.failedOnly }),
    // ret (s64) < 0: its high word is negative.
    failedRecord: (dv, at) => dv.getInt32(at + OPEN_LAYOUT.fields.ret + 4, true) < 0,
  },
});
