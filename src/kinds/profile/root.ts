/**
 * profile: the root part (the client part: ./client). BPF: bpf/profile.bpf.c,
 * bpf/profile.h. One software cpu-clock perf event per online CPU, the
 * sampling program attached to each; every interval the generation of maps
 * the program writes is switched, and the one left is read and emptied: its
 * counts, the stacks they name. User frames become (file inside the
 * container, file offset, build ID, a handle for the file's bytes: ../../engine/files)
 * from the process's maps — nothing of a container file is parsed here
 * beyond its program headers — kernel frames a function and offset from
 * kallsyms. The client symbolizes.
 */
import * as fs from 'node:fs';
import { openCpuClock, errnoMessage } from '../../bpf/native';
import { BpfError } from '../../bpf/object';
import { Kallsyms } from '../../proc/kallsyms';
import { mapRanges, rangeOf, type MapRange } from '../../proc/maps';
import type { ProfileEvent, ProfileFrame } from '../../protocol';
import type { FileRegistry } from '../../engine/files';
import { defineRootKind, type MapReader } from '../root-part';
import type { DecodeContext } from '../shared/decode';
import { decodeProfileEntry, PROFILE_KEY_LAYOUT, PROFILE_LAYOUT, PROFILE_MAP_BYTES, PROFILE_MAX_DEPTH, PROFILE_STACK_BYTES, stackAddresses, stackMissing, type ProfileEntry } from './decode';

/** User addresses lie below this (47 bits on x86-64, 48 on arm64). */
const USER_LIMIT = 1n << 48n;

type Maps = MapReader<'gen' | 'counts0' | 'counts1' | 'stacks0' | 'stacks1'>;

/** Per loaded object: the generation samples go to, and each process's maps as last read (a process gone keeps its last). */
interface State {
  gen: 0 | 1;
  maps: Map<number, { ranges: MapRange[]; seen: number }>;
  round: number;
}
const states = new WeakMap<object, State>();

let kallsyms: Kallsyms | undefined | null = null;
function kernelSymbols(): Kallsyms | undefined {
  if (kallsyms === null) kallsyms = Kallsyms.load();
  return kallsyms;
}

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
  collect: (obj, ctx, { intervalMs, files }) => {
    const maps = obj as Maps;
    let st = states.get(obj);
    if (!st) states.set(obj, (st = { gen: 0, maps: new Map(), round: 0 }));
    // Samples go to the other generation from now on; this one is read and emptied.
    const old = st.gen;
    st.gen = old ? 0 : 1;
    const flip = Buffer.alloc(4);
    flip.writeUInt32LE(st.gen);
    maps.putU32Key('gen', 0, flip);
    const entries = maps
      .drainHash(old ? 'counts1' : 'counts0', PROFILE_KEY_LAYOUT.size, PROFILE_LAYOUT.size)
      .map(({ key, value }) => decodeProfileEntry(key, value))
      .filter((e) => e.count > 0);
    const stacksMap = old ? 'stacks1' : 'stacks0';
    const stacks = new Map<number, bigint[] | undefined>();
    const stack = (id: number) => {
      if (!stacks.has(id)) {
        const v = maps.lookupU32Key(stacksMap, id, PROFILE_STACK_BYTES);
        stacks.set(id, v && stackAddresses(v));
      }
      return stacks.get(id);
    };
    for (const e of entries) {
      if (e.ustack >= 0) stack(e.ustack);
      if (e.kstack >= 0) stack(e.kstack);
    }
    // Emptied whole: stacks of samples that found their counts map full go too.
    maps.drainHash(stacksMap, 4, PROFILE_STACK_BYTES);
    st.round++;
    return report(entries, stacks, st, files, ctx, intervalMs);
  },
});

function report(entries: ProfileEntry[], stacks: Map<number, bigint[] | undefined>, st: State, files: FileRegistry, ctx: DecodeContext, intervalMs: number): ProfileEvent[] {
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
    const k = stackMissing(e.kstack) ?? (stacks.get(e.kstack) ? undefined : 'lost');
    if (k === 'lost') lost.push('kernel');
    const kernel = k ? [] : stacks.get(e.kstack)!;
    for (let i = 0; i < kernel.length; i++) frames.push(kernelFrame(kernel[i], i > 0));
    const u = stackMissing(e.ustack) ?? (stacks.get(e.ustack) ? undefined : 'lost');
    if (u === 'lost') lost.push('user');
    const user = u ? [] : stacks.get(e.ustack)!;
    const ranges = user.length ? rangesOf(e.hostPid) : undefined;
    // Walking frame pointers ends on what the last frame held: not a user address, no frame.
    for (const a of user) if (a < USER_LIMIT) frames.push(userFrame(Number(a), ranges, e.hostPid, files));
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

/** A kernel address as function+offset (a return address looked up one byte back, in the call). */
function kernelFrame(address: bigint, returnAddress: boolean): ProfileFrame {
  const sym = kernelSymbols()?.resolve(returnAddress ? address - 1n : address);
  if (!sym) return { function: null, file: null, line: null, module: '[kernel]', offset: 0, kernel: true };
  return { function: sym.function, file: null, line: null, module: sym.module, offset: sym.offset + (returnAddress ? 1 : 0), kernel: true };
}

/** A user address as its file and file offset (with the file's build ID and handle), or where it lies. */
function userFrame(address: number, ranges: MapRange[] | undefined, hostPid: number, files: FileRegistry): ProfileFrame {
  const r = ranges && rangeOf(ranges, address);
  if (!r) return { function: null, file: null, line: null, module: ranges ? '[unmapped]' : '[unknown: process gone]', offset: address };
  if (!r.path.startsWith('/')) {
    const module = r.path || '[anon]';
    return { function: null, file: null, line: null, module, offset: module === '[vdso]' ? address - r.start : address };
  }
  const module = r.path.endsWith(' (deleted)') ? r.path.slice(0, -' (deleted)'.length) : r.path;
  const frame: ProfileFrame = { function: null, file: null, line: null, module, offset: address - r.start + r.offset };
  if (r.path.endsWith(' (deleted)')) return frame;
  const shared = files.share(hostPid, r);
  if (shared.buildId) frame.buildId = shared.buildId;
  if (shared.fileId) frame.fileId = shared.fileId;
  return frame;
}
