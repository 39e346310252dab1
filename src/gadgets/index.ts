/** The registry the engine runs from: every kind by name (derived from ./kinds). */
import type { KindName } from '../protocol';
import type { Kind, KindHelper } from './kind';
import { KINDS } from './kinds';

export type { AttachSpec, Collector, Decoder, Kind, KindHelper, KindSpec } from './kind';

/** A kind's helper part with its name: what the engine loads, attaches and reads. */
export type Gadget = KindHelper & { name: KindName };

export const gadgets = Object.fromEntries(KINDS.map((k) => [k.spec.name, { ...(k as unknown as Kind).helper, name: k.spec.name }])) as Record<KindName, Gadget>;

export { KINDS, KIND_BY_NAME } from './kinds';
export { WallClock, type DecodeContext } from './decode';
