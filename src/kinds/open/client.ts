/** open: files opened, failures kept first. The client part (the root part: ./root). BPF: bpf/open.bpf.c, bpf/open.h. */
import type { OpenEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { STACK_PRESET, stackOption } from '../shared/options';
import { OpenByPath } from './summary';
import { quote, sharedArray } from '../shared/json';
import { decodeOpen } from './decode';
import { openRecordBytes } from './json';

export default defineClientKind<OpenEvent>({
  name: 'open',
  decode: decodeOpen,
  recordJson: openRecordBytes,
  what: 'files opened: path, flags, fd or errno (failures kept first)',
  icon: 'file',
  summary: () => new OpenByPath(),
  options: [
    {
      key: 'failedOnly',
      flag: 'failed',
      help: 'only failed opens',
      check: (v) => (typeof v === 'boolean' ? undefined : 'failedOnly must be true or false'),
      fromFlag: () => true,
    },
    stackOption,
  ],
  presets: [{ label: 'failed only', options: { failedOnly: true } }, { label: 'failed only, with stacks', options: { failedOnly: true, stack: true } }, STACK_PRESET],
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
  errno: (e) => e.errno,
  failed: (e) => e.errno !== undefined,
  path: (e) => (e.pathTruncated ? undefined : e.path),
});
