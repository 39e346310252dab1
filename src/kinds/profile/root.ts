/**
 * profile: the root part (the client part: ./client). BPF: bpf/profile.bpf.c,
 * bpf/profile.h. One software cpu-clock perf event per online CPU, the
 * sampling program attached to each; every interval the generation the
 * program counts into moves on (one of three, as syscalls': no sample is lost
 * to the read), the one left is reported with the stacks it names, and the
 * one before it deleted. User frames become (file inside the
 * container, file offset, build ID, a handle for the file's bytes: ../../engine/files)
 * from the process's maps — nothing of a container file is parsed here
 * beyond its program headers — kernel frames a function and offset from
 * kallsyms. The client symbolizes.
 */
import * as fs from 'node:fs';
import { openCpuClock, errnoMessage } from '../../bpf/native';
import { BpfError } from '../../bpf/object';
import { mapRanges, type MapRange } from '../../proc/maps';
import { kernelFrame, userFrame, USER_LIMIT } from '../../engine/frames';
import type { ProfileEvent, ProfileFrame } from '../../protocol';
import type { FileRegistry } from '../../engine/files';
import { defineRootKind, type MapReader } from '../root-part';
import { Generations } from '../shared/generations';
import type { DecodeContext } from '../shared/decode';
import { isTracerFrame } from '../shared/stack';
import { decodeOffcpuStart, decodeProfileEntry, OFFCPU_START_LAYOUT, PROFILE_GENS, PROFILE_KEY_LAYOUT, PROFILE_LAYOUT, PROFILE_MAP_BYTES, PROFILE_MAX_DEPTH, PROFILE_STACK_BYTES, stackAddresses, stackMissing, type ProfileEntry } from './decode';

type StackMap = 'stacks0' | 'stacks1' | 'stacks2';
type Maps = MapReader<'gen' | 'counts' | 'offcpu_starts' | StackMap>;
const STACK_MAPS: StackMap[] = ['stacks0', 'stacks1', 'stacks2'];

/**
 * Per loaded object: the generation samples go to; what the read before
 * reported of each entry of the generation then left (by key); each
 * process's maps as last read (a process gone keeps its last).
 */
interface State {
  gens: Generations;
  reported: Map<string, { count: number; blockedNs: number }>;
  maps: Map<number, { ranges: MapRange[]; seen: number }>;
  round: number;
}
const states = new WeakMap<object, State>();

/** Online CPUs, from /sys/devices/system/cpu/online ("0-3,5"). */
export function onlineCpus(text = fs.readFileSync('/sys/devices/system/cpu/online', 'utf8')): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a)) continue;
    for (let c = a; c <= (Number.isInteger(b) ? b : a) && cpus.length < 4096; c++) cpus.push(c);
  }
  return cpus;
}

export default defineRootKind({
  name: 'profile',
  object: 'profile.bpf.o',
  layout: PROFILE_LAYOUT,
  needs: [],
  intervalMs: 5000,
  mapBytes: PROFILE_MAP_BYTES,
  // On-CPU samples, or (--off-cpu) the scope's context switches: one program or the other.
  unused: (options) => (options.offCpu ? ['profile_sample'] : ['offcpu_switch']),
  attach: {
    programs: ['profile_sample', 'offcpu_switch'],
    run: (obj, spec) => {
      if (spec.options.offCpu) {
        obj.attachProgram('offcpu_switch');
        return;
      }
      // Every task on every CPU: the program's scope filter decides.
      let attached = 0;
      for (const cpu of onlineCpus()) {
        const pfd = openCpuClock(cpu, spec.hz);
        if (pfd === -19 /* ENODEV: went offline */) continue;
        if (pfd < 0) throw new BpfError(`cannot open a cpu-clock perf event on CPU ${cpu}: ${errnoMessage(pfd)}`, -pfd);
        obj.attachPerfEvent('profile_sample', pfd);
        attached++;
      }
      if (!attached) throw new BpfError('no online CPU to sample');
    },
  },
  collect: (obj, ctx, { intervalMs, files, final, options }) => {
    const maps = obj as Maps;
    // Off-CPU: every stack is in stacks0, kept the whole trace (a block may span any number of reads).
    const offCpu = !!options.offCpu;
    let st = states.get(obj);
    if (!st) states.set(obj, (st = { gens: new Generations(PROFILE_GENS, 'gen'), reported: new Map(), maps: new Map(), round: 0 }));
    // Samples go to the next generation from now on (../shared/generations); the one before the
    // generation left is deleted with its stacks.
    const { read, before } = st.gens.advance(maps, final);
    const reported: State['reported'] = new Map();
    const entries: ProfileEntry[] = [];
    for (const { key, value } of maps.readHash('counts', PROFILE_KEY_LAYOUT.size, PROFILE_LAYOUT.size)) {
      const e = decodeProfileEntry(key, value);
      const id = key.toString('latin1');
      const how = read(e.gen);
      if (how === 'later') continue; // the generation just begun
      if (how === 'keep') reported.set(id, { count: e.count, blockedNs: e.blockedNs });
      else {
        if (how === 'since') {
          const had = st.reported.get(id);
          e.count -= had?.count ?? 0;
          e.blockedNs -= had?.blockedNs ?? 0;
        }
        maps.deleteKey('counts', key);
      }
      entries.push(e);
    }
    st.reported = reported;
    const live = entries.filter((e) => e.count > 0);
    // Off-CPU, the last read: threads still off the CPU count until now (the programs are detached).
    const still = new Map<ProfileEntry, number>();
    if (offCpu && final) {
      const now = process.hrtime.bigint();
      // The entry of the same process and stacks (by key, not a search per block: up to 16384 of them).
      const keyOf = (e: ProfileEntry) => `${e.hostPid}:${e.pid}:${e.pidns}:${e.ustack}:${e.kstack}`;
      const byKey = new Map(live.map((e) => [keyOf(e), e]));
      for (const { value } of maps.readHash('offcpu_starts', 4, OFFCPU_START_LAYOUT.size)) {
        const b = decodeOffcpuStart(value, now, 0);
        let e = byKey.get(keyOf(b));
        if (!e) {
          live.push((e = b));
          byKey.set(keyOf(b), b);
        } else {
          e.count++;
          e.blockedNs += b.blockedNs;
        }
        still.set(e, (still.get(e) ?? 0) + 1);
      }
    }
    // Stacks by generation and id (each generation has its own stack map; off-CPU: stacks0).
    const stacks = new Map<string, bigint[] | undefined>();
    const mapOf = (e: ProfileEntry) => (offCpu ? 0 : e.gen);
    for (const e of live)
      for (const id of [e.ustack, e.kstack]) {
        const k = `${mapOf(e)}:${id}`;
        if (id >= 0 && !stacks.has(k)) {
          const v = maps.lookupU32Key(STACK_MAPS[mapOf(e)] ?? 'stacks0', id, PROFILE_STACK_BYTES);
          stacks.set(k, v && stackAddresses(v));
        }
      }
    // The generation before is emptied whole (stacks of samples that found the counts full too).
    // The last read leaves them: the object goes with the trace. Off-CPU's stacks stay.
    if (!final && !offCpu) maps.drainHash(STACK_MAPS[before], 4, PROFILE_STACK_BYTES);
    st.round++;
    return report(live, (e, id) => stacks.get(`${mapOf(e)}:${id}`), st, files, ctx, intervalMs, offCpu ? still : undefined);
  },
});

function report(
  entries: ProfileEntry[],
  stackOf: (e: ProfileEntry, id: number) => bigint[] | undefined,
  st: State,
  files: FileRegistry,
  ctx: DecodeContext,
  intervalMs: number,
  /** Off-CPU: the entries' blocks still going at the end. */
  still?: Map<ProfileEntry, number>,
): ProfileEvent[] {
  const total = entries.reduce((n, e) => n + e.count, 0);
  const totalBlockedNs = entries.reduce((n, e) => n + e.blockedNs, 0);
  // Each process's maps, read once a report (a process gone: as last read).
  const rangesOf = (hostPid: number) => {
    let m = st.maps.get(hostPid);
    if (!m || m.seen !== st.round) {
      const now = mapRanges(hostPid);
      if (now) st.maps.set(hostPid, (m = { ranges: now, seen: st.round }));
      else if (m) m.seen = st.round;
    }
    return m?.ranges;
  };
  const time = ctx.clock.format(process.hrtime.bigint());
  const out: ProfileEvent[] = [];
  for (const e of entries.sort(still ? (a, b) => b.blockedNs - a.blockedNs : (a, b) => b.count - a.count)) {
    const lost: ('user' | 'kernel')[] = [];
    const frames: ProfileFrame[] = [];
    const kernelStack = stackOf(e, e.kstack);
    const k = stackMissing(e.kstack) ?? (kernelStack ? undefined : 'lost');
    if (k === 'lost') lost.push('kernel');
    const kernel = k ? [] : kernelStack!;
    for (let i = 0; i < kernel.length; i++) {
      const f = kernelFrame(kernel[i], i > 0);
      // Off-CPU stacks are taken in the tracepoint: its frames and the program's go.
      if (!frames.length && isTracerFrame(f.function)) continue;
      frames.push(f);
    }
    const userStack = stackOf(e, e.ustack);
    const u = stackMissing(e.ustack) ?? (userStack ? undefined : 'lost');
    if (u === 'lost') lost.push('user');
    const user = u ? [] : userStack!;
    const ranges = user.length ? rangesOf(e.hostPid) : undefined;
    // Walking frame pointers ends on what the last frame held: not a user address, no frame.
    for (const a of user) if (a < USER_LIMIT) frames.push(userFrame(Number(a), ranges, e, files));
    out.push({
      gadget: 'profile',
      time,
      // A selector trace's member by its PID namespace.
      container: ctx.byPidns?.get(e.pidns) ?? ctx.container,
      pid: e.pid,
      tid: 0,
      hostPid: e.hostPid,
      hostTid: 0,
      comm: e.comm,
      interval: intervalMs,
      samples: e.count,
      totalSamples: total,
      ...(still ? { blockedNs: e.blockedNs, totalBlockedNs } : {}),
      ...(still?.get(e) ? { stillBlocked: still.get(e) } : {}),
      stack: frames,
      ...(lost.length ? { lost } : {}),
      ...(kernel.length >= PROFILE_MAX_DEPTH || user.length >= PROFILE_MAX_DEPTH ? { truncated: true as const } : {}),
    });
  }
  // Processes not seen for a while: their maps go (bounded).
  for (const [pid, m] of st.maps) if (st.round - m.seen > 2 || st.maps.size > 4096) st.maps.delete(pid);
  return out;
}
