/** Merging the extension's own runtime listings with the helper's (no VS Code here: unit-tested). */
import type { ContainerInfo, RuntimeStatus } from '../runtime/types';

export interface RuntimeListing {
  status: RuntimeStatus;
  containers: ContainerInfo[];
  /** Listed by the helper (root) rather than by the extension. */
  viaHelper?: boolean;
  /** Only root can read it, and the helper is not running: listing it starts the helper. */
  needsHelper?: boolean;
}

/** One runtime: its kind, endpoint and the node it runs in. */
export const listingKey = (s: RuntimeStatus) => `${s.kind}|${s.endpoint}|${s.node?.id ?? ''}`;

/** Own listings, with what the helper could read where the extension could not, and what only the helper sees. */
export function mergeListings(own: RuntimeListing[], fromHelper: RuntimeListing[]): RuntimeListing[] {
  const out = own.map((l) => ({ ...l }));
  for (const h of fromHelper) {
    const at = out.findIndex((l) => listingKey(l.status) === listingKey(h.status));
    if (at < 0) out.push({ ...h, viaHelper: true });
    else if (!out[at].status.reachable && h.status.reachable) out[at] = { ...h, viaHelper: true };
  }
  return out;
}
