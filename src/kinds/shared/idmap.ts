/** Host ids seen from inside a container's user namespace (its uid_map/gid_map ranges, as the helper read them). */
import type { IdRange } from '../../protocol';

/** The id the kernel shows for a host id not mapped into the namespace (overflowuid). */
export const OVERFLOW_ID = 65534;

/** `hostId` as the container sees it: its range's inside id, or the overflow id when no range maps it. */
export function idInside(ranges: readonly IdRange[], hostId: number): number {
  for (const [inside, outside, count] of ranges) if (hostId >= outside && hostId - outside < count) return inside + (hostId - outside);
  return OVERFLOW_ID;
}
