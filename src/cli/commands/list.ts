/** `container-trace list`: containers of every runtime (and, with --helper, those only root reads). */
import { createRuntimes, listAll, type ContainerInfo } from '../../runtime';
import { MAX_LISTED_CONTAINERS, RuntimesList } from '../../protocol';
import { visible } from '../../kinds/shared/text';
import { table } from '../format';
import { startElevatedHelper } from '../backend';
import { elevationFlag, fail, parse } from '../args';

export async function list(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' }, helper: { type: 'boolean' }, elevate: { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, 'allow-uninstalled': { type: 'boolean' } });
  let listings: { kind: string; node?: string; endpoint: string; error?: string; containers: ContainerInfo[] }[] = (
    await listAll(createRuntimes({ dockerHost: values['docker-host'] }))
  ).map((l) => ({ kind: l.runtime.kind, node: l.runtime.node?.name, endpoint: l.runtime.endpoint, error: l.error, containers: l.containers }));
  const rootOnly = (l: { error?: string }) => /read by root/.test(l.error ?? '');
  if (values.helper && process.getuid?.() !== 0) {
    // What only root reads, through the helper (its runtimes/list).
    const h = await startElevatedHelper(elevationFlag(values.elevate), !!values.verbose, (level, m) => values.verbose && process.stderr.write(`${level}: ${m}\n`), !!values['allow-uninstalled']);
    try {
      const r = await h.connection.sendRequest(RuntimesList);
      const seen = new Set(listings.filter((l) => !l.error).map((l) => `${l.kind}|${l.endpoint}|${l.node ?? ''}`));
      listings = listings.filter((l) => !l.error);
      for (const l of r.listings) {
        const k = `${l.status.kind}|${l.status.endpoint}|${l.status.node?.name ?? ''}`;
        if (!seen.has(k)) listings.push({ kind: l.status.kind, node: l.status.node?.name, endpoint: l.status.endpoint, error: l.status.reachable ? undefined : l.status.error, containers: l.containers });
      }
      if (r.truncated) process.stderr.write(`note: the helper lists at most ${MAX_LISTED_CONTAINERS} containers; the rest were left out\n`);
    } finally {
      h.child.stdin?.end();
    }
  }
  const all = listings.flatMap((l) => l.containers);
  const errors = listings.filter((l) => l.error).map((l) => `${l.kind}${l.node ? ` in ${l.node}` : ''} (${l.endpoint}): ${l.error}`);
  if (listings.some(rootOnly) && process.getuid?.() !== 0 && !values.helper) errors.push('runtimes only root reads: `container-trace list --helper` lists them through the helper');
  if (errors.length && !all.length) fail(errors.join('; '), 1);
  if (values.json) {
    process.stdout.write(JSON.stringify(all, null, 2) + '\n');
  } else {
    process.stdout.write(
      table(
        ['RUNTIME', 'NAMESPACE', 'POD', 'NAME', 'ID', 'STATE', 'HOSTPID', 'IMAGE', 'NODE'],
        all.map((c) => [c.runtime, c.namespace ?? '-', c.pod ?? '-', c.name, c.id.slice(0, 12), c.state, c.hostPid || '-', c.image, c.node?.name ?? '-']),
      ) + '\n',
    );
  }
  for (const e of errors) process.stderr.write(`note: not listed: ${visible(e)}\n`);
}

