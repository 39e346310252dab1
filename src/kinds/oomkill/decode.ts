/** oomkill kind: decoder for `struct oomkill_event` (bpf/oomkill.h). */
import type { OomkillEvent } from '../../protocol';
import { cstring, readHeader, type DecodeContext, type Layout } from '../shared/decode';

export const OOMKILL_LAYOUT = {
  struct: 'oomkill_event',
  fields: {
    hdr: 0,
    trigger: 48,
    trigger_comm: 72,
    anon_bytes: 88,
    file_bytes: 96,
    shmem_bytes: 104,
    pgtables_bytes: 112,
    total_vm_bytes: 120,
    limit_bytes: 128,
    usage_bytes: 136,
    oom_score_adj: 144,
    uid: 148,
    flags: 152,
    memcg_depth: 156,
  },
  sizes: { trigger_comm: 16 },
} satisfies Layout;

const F = OOMKILL_LAYOUT.fields;
// bpf/oomkill.h OOMKILL_*
const TRIGGER_IN = 1;
const VICTIM_TASK = 2;
const MEM = 4;
const MEMCG = 8;
const LIMITED = 16;

const u64 = (dv: DataView, at: number) => Number(dv.getBigUint64(at, true));

export function decodeOomkill(dv: DataView, bytes: Buffer, at: number, _len: number, ctx: DecodeContext): OomkillEvent {
  const flags = dv.getUint32(at + F.flags, true);
  const mem = (flags & MEM) !== 0;
  const anon = mem ? u64(dv, at + F.anon_bytes) : null;
  const file = mem ? u64(dv, at + F.file_bytes) : null;
  const shmem = mem ? u64(dv, at + F.shmem_bytes) : null;
  const limited = (flags & LIMITED) !== 0;
  const h = readHeader(dv, bytes, at, ctx);
  return {
    gadget: 'oomkill', time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime,
    victimPid: h.pid,
    victimHostPid: h.hostPid,
    victimComm: h.comm,
    rssBytes: mem ? anon! + file! + shmem! : null,
    anonRssBytes: anon,
    fileRssBytes: file,
    shmemRssBytes: shmem,
    pgtablesBytes: mem ? u64(dv, at + F.pgtables_bytes) : null,
    totalVmBytes: mem ? u64(dv, at + F.total_vm_bytes) : null,
    oomScoreAdj: flags & (VICTIM_TASK | MEM) ? dv.getInt32(at + F.oom_score_adj, true) : null,
    limitBytes: limited ? u64(dv, at + F.limit_bytes) : null,
    usageBytes: flags & (MEMCG | LIMITED) ? u64(dv, at + F.usage_bytes) : null,
    limitDepth: limited ? dv.getUint32(at + F.memcg_depth, true) : null,
    triggerPid: dv.getUint32(at + F.trigger, true),
    triggerHostPid: dv.getUint32(at + F.trigger + 8, true),
    triggerComm: cstring(bytes, at + F.trigger_comm, OOMKILL_LAYOUT.sizes.trigger_comm),
    triggerOutside: (flags & TRIGGER_IN) === 0,
  };
}
