/**
 * Which attach types this kernel offers (tracepoint, raw_tp, tp_btf, kprobe,
 * fentry, uprobe): learned by loading and attaching a trivial program of
 * each alone (root only), kept for the life of the process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bpfObjectDir, developmentOverride } from '../engine/system';

export const ATTACH_TYPES = ['tracepoint', 'raw_tp', 'tp_btf', 'kprobe', 'fentry', 'uprobe'] as const;
export type AttachType = (typeof ATTACH_TYPES)[number];
const PROGRAM_PROBED = ['tracepoint', 'raw_tp', 'tp_btf', 'kprobe', 'fentry'] as const;

const probed = new Map<AttachType, string | true>();

/**
 * Diagnostic switch: attach types treated as missing (as on a kernel
 * without them), e.g. CONTAINER_TRACE_AVOID_ATTACH=raw_tp. Why, or undefined.
 */
export function attachAvoided(kind: AttachType): string | undefined {
  const avoided = (developmentOverride('CONTAINER_TRACE_AVOID_ATTACH') ?? '').split(',');
  return avoided.includes(kind) ? 'avoided by CONTAINER_TRACE_AVOID_ATTACH' : undefined;
}

/**
 * What the kernel offers, per attach type: true, or why not. Program types
 * are learned by loading and attaching a trivial program alone (root only);
 * results are kept for the life of the process.
 */
export function probeAttachTypes(kinds: readonly AttachType[] = ATTACH_TYPES): Map<AttachType, string | true> {
  const { BpfObject } = require('./object') as typeof import('./object');
  const file = path.join(bpfObjectDir(), 'probe.bpf.o');
  for (const kind of kinds) {
    const avoided = attachAvoided(kind);
    if (avoided) probed.set(kind, avoided);
    if (probed.has(kind)) continue;
    if (kind === 'uprobe') {
      probed.set(kind, fs.existsSync('/sys/bus/event_source/devices/uprobe') || 'no uprobe event source (CONFIG_UPROBE_EVENTS)');
      continue;
    }
    let obj: import('./object').BpfObject | undefined;
    try {
      obj = BpfObject.load(file, { skip: PROGRAM_PROBED.filter((k) => k !== kind).map((k) => `probe_${k}`) });
      obj.attachAll();
      probed.set(kind, true);
    } catch (err) {
      probed.set(kind, (err as Error).message);
    } finally {
      obj?.destroy();
    }
  }
  return new Map(kinds.map((k) => [k, probed.get(k)!]));
}

