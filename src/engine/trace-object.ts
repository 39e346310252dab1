/**
 * A trace's BPF object: the kind's object loaded with the trace's knobs
 * (programs this kernel cannot attach left out), then, once the session has
 * filled its maps (followed processes, selector members: the kernel filters
 * from the first event), attached.
 */
import * as path from 'node:path';
import { BpfObject } from '../bpf/object';
import { ROOT_KINDS } from '../kinds/root-registry';
import type { KindName } from '../protocol';
import { bpfObjectDir, tracepointExists } from './system';
import type { ResolvedTrace } from './resolve';

/** The program that holds new PID namespaces pending (every object has it). */
const SCOPE_FORK = 'ct_scope_fork';

/** Ring buffer bytes a trace holds in the kernel (kinds that report from maps need almost none), and its maps' where a kind says. */
export function ringBytes(kind: KindName, bufferBytes: number): number {
  const k = ROOT_KINDS[kind];
  return (k.collect ? 64 << 10 : bufferBytes) + (k.mapBytes ?? 0);
}

export function loadTraceObject(trace: ResolvedTrace): BpfObject {
  const kind = ROOT_KINDS[trace.kind];
  // Programs whose tracepoint this kernel lacks are left out (open(2) on arm64).
  const skip = [
    ...(trace.skipPrograms ?? []),
    ...(kind.optional ?? []).filter((o) => !tracepointExists(o.tracepoint)).map((o) => o.program),
    ...(kind.unused?.(trace.options) ?? []),
  ];
  // New PID namespaces are watched for selector traces only (bpf/common.h ct_scope_fork).
  if (!trace.selector) skip.push(SCOPE_FORK);
  return BpfObject.load(path.join(bpfObjectDir(), kind.object), {
    rodata: trace.knobs,
    maxEntries: { events: kind.collect ? 64 << 10 : trace.bufferBytes },
    skip,
  });
}

/** Attach the loaded programs: the kind's own attach first (uprobes), the others by their section names. */
export function attachTraceObject(obj: BpfObject, trace: ResolvedTrace): void {
  const kind = ROOT_KINDS[trace.kind];
  if (kind.attach) {
    // The kernel filters by PID where one process is traced; otherwise
    // every process mapping the file fires and the BPF scope filter decides.
    const pid = trace.target && !trace.follow ? trace.target.hostPid : -1;
    kind.attach.run(obj, { pid, uprobe: trace.uprobe, hz: trace.hz, options: trace.options });
  }
  obj.attachAll(kind.attach?.programs);
}
