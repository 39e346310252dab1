/**
 * debuginfod (the protocol elfutils, Fedora, Debian and Ubuntu serve debug
 * info by): `GET <server>/buildid/<build ID>/debuginfo` on each server of
 * $DEBUGINFOD_URLS (space-separated) in turn, when the user has set it —
 * never otherwise. Bounded in time ($DEBUGINFOD_TIMEOUT seconds, default 90,
 * as elfutils) and size (MAX_PROFILE_FILE_BYTES); the caller checks that
 * what came is the file's (its build ID). Runs on the unprivileged side.
 */
import { MAX_PROFILE_FILE_BYTES } from '../../protocol';

export type Debuginfod = (buildId: string) => Promise<{ bytes: Buffer; server: string } | { why: string }>;

/** The servers $DEBUGINFOD_URLS names (http and https only). */
export function debuginfodServers(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.DEBUGINFOD_URLS ?? '')
    .split(/\s+/)
    .filter((u) => /^https?:\/\/[^\s]+$/.test(u))
    .map((u) => u.replace(/\/+$/, ''));
}

/** A client of the servers $DEBUGINFOD_URLS names, or undefined when it names none. */
export function debuginfodClient(env: NodeJS.ProcessEnv = process.env): Debuginfod | undefined {
  const servers = debuginfodServers(env);
  if (!servers.length) return undefined;
  const timeoutMs = (Number(env.DEBUGINFOD_TIMEOUT) > 0 ? Number(env.DEBUGINFOD_TIMEOUT) : 90) * 1000;
  return async (buildId) => {
    if (!/^[0-9a-f]{8,128}$/.test(buildId)) return { why: 'no build ID to ask by' };
    const why: string[] = [];
    for (const server of servers) {
      const url = `${server}/buildid/${buildId}/debuginfo`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
        if (!res.ok || !res.body) {
          why.push(`${server}: ${res.status}`);
          continue;
        }
        const declared = Number(res.headers.get('content-length'));
        if (declared > MAX_PROFILE_FILE_BYTES) {
          why.push(`${server}: larger than ${MAX_PROFILE_FILE_BYTES >> 20} MiB`);
          continue;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.length;
          if (size > MAX_PROFILE_FILE_BYTES) {
            await reader.cancel();
            throw new Error(`larger than ${MAX_PROFILE_FILE_BYTES >> 20} MiB`);
          }
          chunks.push(Buffer.from(value));
        }
        return { bytes: Buffer.concat(chunks), server };
      } catch (err) {
        why.push(`${server}: ${(err as Error).message}`);
      }
    }
    return { why: why.join('; ') };
  };
}
