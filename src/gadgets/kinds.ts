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
import type { KindName } from '../protocol';
import type { Kind } from './kind';

export const KINDS = [exec, exit, open, signal, tcp, syscalls, uprobe, proctree, bind] as const;

/** A kind by name. */
export const KIND_BY_NAME: Record<string, Kind> = Object.fromEntries(KINDS.map((k) => [k.spec.name, k as unknown as Kind]));

/** What each kind shows, in a few words (CLI help, pickers). */
export const KIND_INFO: Record<KindName, { what: string; icon: string }> = Object.fromEntries(
  KINDS.map((k) => [k.spec.name, { what: k.spec.what, icon: k.spec.icon }]),
) as Record<KindName, { what: string; icon: string }>;
