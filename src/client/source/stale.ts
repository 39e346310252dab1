/**
 * Whether a container's binary may not match the workspace's code: the
 * workspace has a build output of the same name (a file beside its sources)
 * with another GNU build ID — rebuilt since the container started it, or
 * never deployed. The container running the workspace's very file (through
 * a bind mount) is never stale.
 */

export interface LocalBuild {
  /** Its path on this host, and as the workspace names it. */
  path: string;
  rel: string;
  /** Its GNU build ID (undefined: not ELF, or none). */
  buildId: string | undefined;
}

/** Why the binary is stale (a sentence for its lens and a warning), or undefined. */
export function staleReason(container: string, binary: string, buildId: string | undefined, locals: LocalBuild[], sameFile: string | undefined): string | undefined {
  if (!buildId || (sameFile && locals.some((l) => l.path === sameFile))) return undefined;
  const other = locals.find((l) => l.buildId && l.buildId !== buildId);
  if (!other || locals.some((l) => l.buildId === buildId)) return undefined;
  return `${container}'s ${binary} (build ID ${buildId.slice(0, 12)}…) is not the workspace's ${other.rel} (build ID ${other.buildId!.slice(0, 12)}…): rebuilt since it started? Lines may not match the code here.`;
}
