/** uprobe kind: decoder for `struct uprobe_event` (bpf/uprobe.h). */
import type { UprobeEvent } from '../../protocol';
import { readHeader, type DecodeContext, type Layout } from '../shared/decode';

export const UPROBE_LAYOUT = {
  struct: 'uprobe_event',
  fields: { hdr: 0, latency_ns: 48, calls: 56, args: 64, ret: 112 },
  sizes: { args: 6 * 8 },
} satisfies Layout;

const F = UPROBE_LAYOUT.fields;

/** A signed 64-bit register value as a JSON-safe number or decimal string. */
function int64(v: bigint): number | string {
  const s = BigInt.asIntN(64, v);
  return s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s.toString();
}

export function decodeUprobe(dv: DataView, bytes: Buffer, at: number, _len: number, ctx: DecodeContext): UprobeEvent {
  const args: (number | string)[] = [];
  for (let i = 0; i < UPROBE_LAYOUT.sizes.args / 8; i++) args.push(int64(dv.getBigUint64(at + F.args + 8 * i, true)));
  const h = readHeader(dv, bytes, at, ctx);
  return {
    gadget: 'uprobe', time: h.time, container: h.container, pid: h.pid, tid: h.tid, hostPid: h.hostPid, hostTid: h.hostTid, comm: h.comm, runtime: h.runtime,
    target: ctx.uprobe?.path ?? '',
    function: ctx.uprobe?.function ?? '',
    calls: Number(dv.getBigUint64(at + F.calls, true)),
    latencyNs: Number(dv.getBigUint64(at + F.latency_ns, true)),
    args,
    ret: int64(dv.getBigUint64(at + F.ret, true)),
  };
}
