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
import { decodeProfileEntry, PROFILE_GENS, PROFILE_KEY_LAYOUT, PROFILE_LAYOUT, PROFILE_MAP_BYTES, PROFILE_MAX_DEPTH, PROFILE_STACK_BYTES, stackAddresses, stackMissing, type ProfileEntry } from './decode';

type StackMap = 'stacks0' | 'stacks1' | 'stacks2';
type Maps = MapReader<'gen' | 'counts' | StackMap>;
const STACK_MAPS: StackMap[] = ['stacks0', 'stacks1', 'stacks2'];

/**
 * Per loaded object: the generation samples go to; what the read before
 * reported of each entry of the generation then left (by key); each
 * process's maps as last read (a process gone keeps its last).
 */
interface State {
  gens: Generations;
  reported: Map<string, number>;
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
  attach: {
    programs: ['profile_sample'],
    run: (obj, spec) => {
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
  collect: (obj, ctx, { intervalMs, files, final }) => {
    const maps = obj as Maps;
    let st = states.get(obj);
    if (!st) states.set(obj, (st = { gens: new Generations(PROFILE_GENS, 'gen'), reported: new Map(), maps: new Map(), round: 0 }));
    // Samples go to the next generation from now on (../shared/generations); the one before the
    // generation left is deleted with its stacks.
    const { read, before } = st.gens.advance(maps, final);
    const reported = new Map<string, number>();
    const entries: ProfileEntry[] = [];
    for (const { key, value } of maps.readHash('counts', PROFILE_KEY_LAYOUT.size, PROFILE_LAYOUT.size)) {
      const e = decodeProfileEntry(key, value);
      const id = key.toString('latin1');
      const how = read(e.gen);
      if (how === 'later') continue; // the generation just begun
      if (how === 'keep') reported.set(id, e.count);
      else {
        if (how === 'since') e.count -= st.reported.get(id) ?? 0;
        maps.deleteKey('counts', key);
      }
      entries.push(e);
    }
    st.reported = reported;
    const live = entries.filter((e) => e.count > 0);
    // Stacks by generation and id (each generation has its own stack map).
    const stacks = new Map<string, bigint[] | undefined>();
    for (const e of live)
      for (const id of [e.ustack, e.kstack]) {
        const k = `${e.gen}:${id}`;
        if (id >= 0 && !stacks.has(k)) {
          const v = maps.lookupU32Key(STACK_MAPS[e.gen] ?? 'stacks0', id, PROFILE_STACK_BYTES);
          stacks.set(k, v && stackAddresses(v));
        }
      }
    // The generation before is emptied whole (stacks of samples that found the counts full too).
    // The last read leaves them: the object goes with the trace.
    if (!final) maps.drainHash(STACK_MAPS[before], 4, PROFILE_STACK_BYTES);
    st.round++;
    return report(live, stacks, st, files, ctx, intervalMs);
  },
});

function report(entries: ProfileEntry[], stacks: Map<string, bigint[] | undefined>, st: State, files: FileRegistry, ctx: DecodeContext, intervalMs: number): ProfileEvent[] {
  const total = entries.reduce((n, e) => n + e.count, 0);
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
  for (const e of entries.sort((a, b) => b.count - a.count)) {
    const lost: ('user' | 'kernel')[] = [];
    const frames: ProfileFrame[] = [];
    const kernelStack = stacks.get(`${e.gen}:${e.kstack}`);
    const k = stackMissing(e.kstack) ?? (kernelStack ? undefined : 'lost');
    if (k === 'lost') lost.push('kernel');
    const kernel = k ? [] : kernelStack!;
    for (let i = 0; i < kernel.length; i++) frames.push(kernelFrame(kernel[i], i > 0));
    const userStack = stacks.get(`${e.gen}:${e.ustack}`);
    const u = stackMissing(e.ustack) ?? (userStack ? undefined : 'lost');
    if (u === 'lost') lost.push('user');
    const user = u ? [] : userStack!;
    const ranges = user.length ? rangesOf(e.hostPid) : undefined;
    // Walking frame pointers ends on what the last frame held: not a user address, no frame.
    for (const a of user) if (a < USER_LIMIT) frames.push(userFrame(Number(a), ranges, e, files));
    out.push({
      gadget: 'profile',
      time,
      container: ctx.container,
      pid: e.pid,
      tid: 0,
      hostPid: e.hostPid,
      hostTid: 0,
      comm: e.comm,
      interval: intervalMs,
      samples: e.count,
      totalSamples: total,
      stack: frames,
      ...(lost.length ? { lost } : {}),
      ...(kernel.length >= PROFILE_MAX_DEPTH || user.length >= PROFILE_MAX_DEPTH ? { truncated: true as const } : {}),
    });
  }
  // Processes not seen for a while: their maps go (bounded).
  for (const [pid, m] of st.maps) if (st.round - m.seen > 2 || st.maps.size > 4096) st.maps.delete(pid);
  return out;
}
