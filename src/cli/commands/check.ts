/** `container-trace check`: what this host supports, each problem with its fix. */
import { createRuntimes } from '../../runtime';
import { checkSystem } from '../../check';
import { parse } from '../args';

export async function check(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  try {
    (await import('../../bpf/native')).routeLibbpfLog(() => undefined, 'none'); // probes fail on purpose
  } catch {
    /* reported by the libbpf line */
  }
  const items = await checkSystem(createRuntimes({ dockerHost: values['docker-host'] }));
  if (values.json) {
    process.stdout.write(JSON.stringify(items, null, 2) + '\n');
  } else {
    const mark = { ok: '✔', warn: '!', fail: '✘', unknown: '?' } as const;
    for (const i of items) {
      process.stdout.write(`${mark[i.status]} ${i.name.padEnd(18)} ${i.detail}\n`);
      if (i.status !== 'ok' && i.fix && i.fix !== i.detail) process.stdout.write(`  ${''.padEnd(18)} fix: ${i.fix}\n`);
    }
  }
  process.exitCode = items.some((i) => i.status === 'fail') ? 1 : 0;
}

