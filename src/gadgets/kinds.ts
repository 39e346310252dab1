/**
 * Every trace kind, one line each: the registry, the list of names and the
 * name type are derived from these (src/gadgets/<kind>/index.ts).
 */
import exec from './exec';
import exit from './exit';
import open from './open';
import signal from './signal';
import tcp from './tcp';
import syscalls from './syscalls';
import uprobe from './uprobe';
import proctree from './proctree';
import bind from './bind';
import type { Kind } from './kind';

export const KINDS = [exec, exit, open, signal, tcp, syscalls, uprobe, proctree, bind] as const;

type KindEvent<K> = K extends Kind<infer E> ? E : never;
/** Every event, one type per kind (each kind's event shape is in src/protocol/events.ts: a contract). */
export type KindsEvent = KindEvent<(typeof KINDS)[number]>;

export const GADGET_NAMES = KINDS.map((k) => k.spec.name);

/** A kind by name. */
export const KIND_BY_NAME: Record<string, Kind> = Object.fromEntries(KINDS.map((k) => [k.spec.name, k as unknown as Kind]));
