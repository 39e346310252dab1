/** oomkill: the kernel's OOM killer takes a process of the container. The client part (the root part: ./root). BPF: bpf/oomkill.bpf.c, bpf/oomkill.h. */
import type { OomkillEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { decodeOomkill } from './decode';
import { bytes, OomVictims } from './summary';

const who = (pid: number, hostPid: number, comm: string) => `${pid || `host ${hostPid}`} ${comm}`;

/** `rss 47.9 MiB: anon 47.5 MiB, file 412 KiB, shmem 0 B, page tables 132 KiB` */
function memory(e: OomkillEvent): string {
  if (e.rssBytes === null) return 'memory not given by this kernel';
  return `rss ${bytes(e.rssBytes)}: anon ${bytes(e.anonRssBytes!)}, file ${bytes(e.fileRssBytes!)}, shmem ${bytes(e.shmemRssBytes!)}, page tables ${bytes(e.pgtablesBytes ?? 0)}`;
}

/** `cgroup 48.0 MiB of limit 48.0 MiB` (`… set 1 level up` when an ancestor's limit was reached). */
export function cgroupText(e: OomkillEvent): string {
  if (e.limitBytes !== null) return `cgroup ${bytes(e.usageBytes ?? 0)} of limit ${bytes(e.limitBytes)}${e.limitDepth ? ` (set ${e.limitDepth} level${e.limitDepth > 1 ? 's' : ''} up)` : ''}`;
  if (e.usageBytes !== null) return `cgroup ${bytes(e.usageBytes)}, no limit: the machine's memory ran out`;
  return 'no memory cgroup';
}

export default defineClientKind<OomkillEvent>({
  name: 'oomkill',
  decode: decodeOomkill,
  what: "the kernel's OOM kills: the victim, its memory at the kill, the cgroup's limit and usage, who triggered it",
  icon: 'error',
  summary: () => new OomVictims(),
  text: (e) =>
    `OOM killer took ${who(e.victimPid, e.victimHostPid, e.victimComm)} (${memory(e)}; ${cgroupText(e)}; triggered by ${who(e.triggerPid, e.triggerHostPid, e.triggerComm)}${e.triggerOutside ? ', outside the scope' : ''})`,
  failed: () => true,
});
