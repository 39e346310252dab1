/**
 * Every kind's client part, one line each (src/kinds/<kind>/client.ts), and
 * what reads an event by its kind: its text, whether it failed, its JSON.
 * The compiler checks the registry against the list of kind names
 * (src/protocol/events.ts). The extension, the CLI and the helper's request
 * checks read this one; the root parts are in ./root-registry.
 */
import { KIND_NAMES, type KindName, type TraceEvent } from '../protocol';
import type { ClientKind, ClientKinds } from './client-part';
import { eventHeadJson } from './shared/json';
import exec from './exec/client';
import exit from './exit/client';
import open from './open/client';
import signal from './signal/client';
import tcp from './tcp/client';
import syscalls from './syscalls/client';
import uprobe from './uprobe/client';
import proctree from './proctree/client';
import bind from './bind/client';
import profile from './profile/client';
import dns from './dns/client';
import oomkill from './oomkill/client';
import syscall from './syscall/client';

export const CLIENT_KINDS: ClientKinds = { exec, exit, open, signal, tcp, syscalls, uprobe, proctree, bind, profile, dns, oomkill, syscall };

/** The registry for dispatch by an event's kind (each part takes its own events: loosened here). */
export const CLIENT_KIND_BY_NAME = CLIENT_KINDS as unknown as Record<KindName, ClientKind>;

/** Every kind's client part, in the order of the names (CLI help, pickers). */
export const CLIENT_KIND_LIST: readonly ClientKind[] = KIND_NAMES.map((name) => CLIENT_KIND_BY_NAME[name]);

/** The kind-specific part of an event, one line (each kind's client part says how). */
export function details(e: TraceEvent): string {
  return CLIENT_KIND_BY_NAME[e.gadget].text(e);
}

/** Whether the event reports a failure. */
export function failed(e: TraceEvent): boolean {
  return CLIENT_KIND_BY_NAME[e.gadget].failed?.(e) ?? false;
}

/** The errno name a failed event reports (ENOENT), or ''. */
export function errnoName(e: TraceEvent): string {
  return CLIENT_KIND_BY_NAME[e.gadget].errno?.(e) ?? '';
}

/** One event as JSON (no newline): the kind's own writer after the common fields, else JSON.stringify. */
export function eventJson(e: TraceEvent): string {
  const tail = CLIENT_KIND_BY_NAME[e.gadget].jsonTail;
  if (!tail) return JSON.stringify(e);
  // --stack: the frames after the kind's fields, as profile's lines carry them.
  return eventHeadJson(e) + tail(e) + (e.stack && e.gadget !== 'profile' ? `,"stack":${JSON.stringify(e.stack)}` : '') + '}';
}
