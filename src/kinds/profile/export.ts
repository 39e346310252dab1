/**
 * A profile's stacks in the formats profilers read: pprof (gzipped
 * profile.proto: `go tool pprof`, Parca, Pyroscope, speedscope open it),
 * with one location per address and its inlined functions as its lines,
 * a mapping per file with its build ID, samples labelled by process; and
 * folded stacks (`comm;outer;…;leaf count` lines: flamegraph.pl, speedscope,
 * inferno), kernel frames marked `_[k]`.
 */
import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Mapping, Profile, Sample, StringTable, ValueType, Label } from 'pprof-format';
import type { ProfileEvent, ProfileFrame } from '../../protocol';
import { frameName, weightOf } from './top';

/** Nanoseconds since the epoch of an RFC 3339 time with nanoseconds. */
function timeNanos(time: string): bigint {
  const ms = Date.parse(time.slice(0, 19) + 'Z');
  const frac = /^\.(\d{1,9})/.exec(time.slice(19));
  return BigInt(Number.isFinite(ms) ? ms : 0) * 1_000_000n + BigInt(frac ? frac[1].padEnd(9, '0') : 0);
}

/** The frames of a stack grouped by address, leaf first: each group's inlined frames, then the function they were inlined into. */
function locations(stack: ProfileFrame[]): ProfileFrame[][] {
  const out: ProfileFrame[][] = [];
  let group: ProfileFrame[] = [];
  for (const f of stack) {
    group.push(f);
    if (!f.inlined) {
      out.push(group);
      group = [];
    }
  }
  if (group.length) out.push(group);
  return out;
}

/** A gzipped pprof profile of the events' samples (`hz`: the sampling rate, for the CPU time each sample stands for). */
export function pprofProfile(events: readonly ProfileEvent[], hz: number): Buffer {
  const strings = new StringTable();
  const s = (v: string) => strings.dedup(v);
  const periodNs = Math.round(1e9 / Math.max(1, hz));
  const mappings = new Map<string, Mapping>();
  const functions = new Map<string, PprofFunction>();
  const locs = new Map<string, Location>();
  const samples: Sample[] = [];
  const mappingOf = (f: ProfileFrame) => {
    const key = `${f.module}\u0000${f.buildId ?? ''}`;
    let m = mappings.get(key);
    if (!m) {
      m = new Mapping({ id: mappings.size + 1, filename: s(f.module), buildId: s(f.buildId ?? ''), hasFunctions: !!f.function, hasFilenames: !!f.file, hasLineNumbers: !!f.line, hasInlineFrames: true });
      mappings.set(key, m);
    }
    return m;
  };
  const functionOf = (f: ProfileFrame) => {
    const name = frameName(f) + (f.kernel ? ' [kernel]' : '');
    const key = `${name}\u0000${f.file ?? ''}`;
    let fn = functions.get(key);
    if (!fn) {
      fn = new PprofFunction({ id: functions.size + 1, name: s(name), systemName: s(name), filename: s(f.file ?? '') });
      functions.set(key, fn);
    }
    return fn;
  };
  const locationOf = (group: ProfileFrame[]) => {
    const outer = group[group.length - 1];
    const key = `${outer.module}\u0000${outer.buildId ?? ''}\u0000${outer.offset}\u0000${group.map((f) => `${frameName(f)}:${f.line ?? 0}`).join('\u0001')}`;
    let loc = locs.get(key);
    if (!loc) {
      loc = new Location({ id: locs.size + 1, mappingId: mappingOf(outer).id, address: outer.offset, line: group.map((f) => new Line({ functionId: functionOf(f).id, line: f.line ?? 0 })) });
      locs.set(key, loc);
    }
    return loc;
  };
  const pidKey = s('pid');
  const hostPidKey = s('host_pid');
  const commKey = s('comm');
  let first: bigint | undefined;
  let last = 0n;
  for (const e of events) {
    const at = timeNanos(e.time);
    if (first === undefined || at - BigInt(e.interval) * 1_000_000n < first) first = at - BigInt(e.interval) * 1_000_000n;
    if (at > last) last = at;
    const ids = locations(e.stack).map((g) => locationOf(g).id);
    samples.push(
      new Sample({
        locationId: ids,
        value: [e.samples, e.blockedNs ?? e.samples * periodNs],
        label: [new Label({ key: pidKey, num: e.pid }), new Label({ key: hostPidKey, num: e.hostPid }), new Label({ key: commKey, str: s(e.comm) })],
      }),
    );
  }
  // Off-CPU: the times off the CPU and how long they took (pprof's convention for wall/off-CPU profiles).
  const off = events.some((e) => e.blockedNs !== undefined);
  const profile = new Profile({
    sampleType: off
      ? [new ValueType({ type: s('blocks'), unit: s('count') }), new ValueType({ type: s('off-cpu'), unit: s('nanoseconds') })]
      : [new ValueType({ type: s('samples'), unit: s('count') }), new ValueType({ type: s('cpu'), unit: s('nanoseconds') })],
    sample: samples,
    mapping: [...mappings.values()],
    location: [...locs.values()],
    function: [...functions.values()],
    stringTable: strings,
    timeNanos: first ?? 0n,
    durationNanos: first === undefined ? 0 : last - first,
    periodType: new ValueType({ type: s(off ? 'off-cpu' : 'cpu'), unit: s('nanoseconds') }),
    period: off ? 1 : periodNs,
  });
  return gzipSync(profile.encode());
}

/** Folded stacks: one line per distinct (process, stack), outermost frame first, with its samples (off-CPU: nanoseconds off the CPU); busiest first. */
export function foldedStacks(events: readonly ProfileEvent[]): string {
  const counts = new Map<string, number>();
  const clean = (name: string) => name.replace(/[;\r\n]/g, '_').replace(/ (?=\d+$)/, '_');
  for (const e of events) {
    const frames = [...e.stack].reverse().map((f) => clean(frameName(f)) + (f.kernel ? '_[k]' : ''));
    if (e.lost?.length) frames.push(`[${e.lost.join('_and_')}_stack_lost]`);
    const line = [clean(e.comm), ...frames].join(';');
    counts.set(line, (counts.get(line) ?? 0) + weightOf(e));
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([line, n]) => `${line} ${n}`)
    .join('\n') + (counts.size ? '\n' : '');
}
