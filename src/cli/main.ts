/**
 * `container-trace`: the engine headless. Exit codes: 0 done, 1 the host
 * cannot do it (not root, BPF refused, runtime unreachable), 2 bad input
 * (arguments, unknown or stopped container, unknown PID).
 */
import { parseArgs } from 'node:util';
import { createRuntimes, findRunningContainer, listAll, RuntimeError, type ContainerInfo } from '../runtime';
import { scanContainer, ContainerGoneError } from '../proc/container';
import { checkSystem } from '../engine/check';
import { ErrorCode, GADGETS, GADGET_INFO, MAX_LISTED_CONTAINERS, RuntimesList, type ContainerSelector, type GadgetName, type TraceEvent, type TraceEndedParams, type TraceOptions } from '../protocol';
import { VERSION } from '../version';
import { table } from './format';
import { visible } from '../gadgets/text';
import { header, line } from './event-format';
import { engineBackend, helperBackend, startElevatedHelper, writeBatch } from './backend';
import { ELEVATION_MODES, ElevationError, nodeBinary, onPath, type ElevationMode } from '../client/elevation';
import { HelperStartError } from '../client/helper-process';
import { INSTALL_DIR, LAUNCHER, POLKIT_ACTION, POLKIT_POLICY, installHelper, uninstallHelper } from '../client/install';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

class UsageError extends Error {}

const USAGE = `container-trace ${VERSION} — see what a process inside a container is doing

Usage:
  container-trace list [--json] [--helper]           containers of every reachable runtime (--helper: also
                                                     those only root reads, through the elevated helper)
  container-trace ps <container> [--json]            its processes: PID inside, host PID, NSpid
  container-trace trace <kind> --container <ref> [--pid <pid>] [--follow] [--tid <tid>]
                  [--duration <seconds>] [--json]    stream events (root)
                  <ref>: name, id prefix, pod/container, namespace/pod/container,
                         any of them after runtime: (docker, podman, podman-rootless, containerd, cri)
                  many containers instead of --container (those started later join):
                  [--pod <pod>] [-l key=value,...] [-n <namespace>] [--names a,b] [--runtime <r>]
                  [--compose-project <p>] [--compose-service <s>]
                  open: [--failed]                   only failed opens
                  syscalls: [--interval <s>] [--top <n>]   report period, entries per report
                  uprobe: --target <path|library> --function <symbol>
  container-trace check [--json]                     what this host supports, with fixes
  container-trace install-helper [--elevate <mode>]  install the helper root-owned, with a polkit action
  container-trace uninstall-helper
  container-trace helper                             JSON-RPC helper on stdio (used by the extension)

Trace kinds:
${GADGETS.map((g) => `  ${g.padEnd(10)} ${GADGET_INFO[g].what}`).join('\n')}
PIDs are the ones seen inside the container (as its \`ps\` shows them).
Options: --docker-host <url> (default: $DOCKER_HOST or unix:///var/run/docker.sock)
         --elevate auto|pkexec|sudo|none  how a non-root trace starts the helper (default auto)
         --allow-uninstalled  run a helper that is not installed (files your user can change) as root`;

function fail(message: string, code: number): never {
  process.stderr.write(`container-trace: ${visible(message)}\n`);
  process.exit(code);
}

type Flags = Record<string, { type: 'string' | 'boolean'; short?: string }>;
type Values = Record<string, string | boolean | undefined> & { 'docker-host'?: string };

function parse(argv: string[], options: Flags): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, 'docker-host': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}; see container-trace --help`);
  }
}

function intFlag(value: unknown, name: string, max = 4_194_304): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(String(value)) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, not "${String(value)}"`);
  return n;
}

async function list(argv: string[]): Promise<void> {
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

async function ps(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('ps needs one container name or id: container-trace ps <container>');
  const runtimes = createRuntimes({ dockerHost: values['docker-host'] });
  const container = await findRunningContainer(runtimes, positionals[0]);
  const scan = scanContainer(container);
  const rows = scan.processes.map((p) => ({
    pid: p.pid,
    hostPid: p.hostPid,
    nspids: p.nspids,
    ppid: p.ppid,
    hostPpid: p.hostPpid,
    uid: p.uid,
    comm: p.comm,
    cmdline: p.cmdline,
    nested: p.nested,
    threads: p.threads,
  }));
  if (values.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    table(
      ['PID', 'HOSTPID', 'PPID', 'THR', 'UID', 'NSPID', 'COMM', 'CMDLINE'],
      rows.map((p) => [p.pid, p.hostPid, p.ppid, p.threads.length, p.uid, p.nspids.join('/'), p.comm, p.cmdline.join(' ')]),
    ) + '\n',
  );
  if (scan.membership === 'cgroup') process.stderr.write('note: found through the container cgroup (run as root to use its PID namespace)\n');
}

async function trace(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    container: { type: 'string', short: 'c' },
    pid: { type: 'string', short: 'p' },
    tid: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    duration: { type: 'string', short: 'd' },
    json: { type: 'boolean' },
    'buffer-bytes': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
    failed: { type: 'boolean' },
    elevate: { type: 'string' },
    'allow-uninstalled': { type: 'boolean' },
    interval: { type: 'string' },
    top: { type: 'string' },
    target: { type: 'string' },
    function: { type: 'string' },
    pod: { type: 'string' },
    selector: { type: 'string', short: 'l' },
    namespace: { type: 'string', short: 'n' },
    names: { type: 'string' },
    runtime: { type: 'string' },
    'compose-project': { type: 'string' },
    'compose-service': { type: 'string' },
  });
  const kind = positionals[0];
  if (!kind || positionals.length > 1) throw new UsageError(`trace needs one kind (${GADGETS.join(', ')}): container-trace trace exec --container <name>`);
  if (!(GADGETS as readonly string[]).includes(kind)) throw new UsageError(`unknown trace kind "${kind}"; choose one of: ${GADGETS.join(', ')}`);
  const selector = selectorFlags(values);
  if (selector && values.container) throw new UsageError('give --container, or selector flags (--pod, -l, -n, --names, --compose-project, --compose-service), not both');
  if (!selector && !values.container) throw new UsageError('trace needs --container <name|id|pod/container|namespace/pod/container> or selector flags (--pod, -l app=web -n shop, --names, --compose-project)');
  const pid = intFlag(values.pid, 'pid');
  const tid = intFlag(values.tid, 'tid');
  if (values.follow && pid === undefined) throw new UsageError('--follow needs --pid <pid-in-container>');
  if (pid !== undefined && tid !== undefined) throw new UsageError('give --pid or --tid, not both');
  let duration: number | undefined;
  if (values.duration !== undefined) {
    duration = Number(values.duration);
    if (!Number.isFinite(duration) || duration <= 0 || duration > 31 * 86400) throw new UsageError(`--duration must be a number of seconds, not "${values.duration}"`);
  }
  const verbose = !!values.verbose;
  const log = (level: string, message: string) => {
    if (verbose || level === 'error' || level === 'warn') process.stderr.write(`${level}: ${visible(message)}\n`);
  };
  const elevate = elevationFlag(values.elevate);
  // Root traces in this process; anyone else through the helper, elevated.
  const backend =
    process.getuid?.() === 0 ? await engineBackend(values['docker-host'], verbose, log) : await helperBackend(elevate, verbose, log, !!values['allow-uninstalled']);
  const json = !!values.json;
  const write = (batch: TraceEvent[]) => {
    const text = json ? batch.map((e) => JSON.stringify(e)).join('\n') : batch.map((e) => line(e, !!selector)).join('\n');
    writeBatch(text + '\n');
  };
  const started = Date.now();
  let stopping: string | undefined;
  let last: TraceEndedParams | undefined;
  let received = 0;
  const done = new Promise<TraceEndedParams>((resolve) => {
    void backend
      .start(
        {
          gadget: kind as GadgetName,
          container: values.container === undefined ? undefined : qualifiedRef(values),
          selector,
          scope: pid !== undefined || tid !== undefined ? { pid, tid, follow: values.follow as boolean | undefined } : undefined,
          bufferBytes: intFlag(values['buffer-bytes'], 'buffer-bytes', 256 << 20),
          options: traceOptions(kind, values),
        },
        (batch) => {
          received += batch.length;
          write(batch);
        },
        (ended) => {
          last ??= ended.sessionId ? ended : { ...ended, received };
          resolve(last);
        },
      )
      .then((result) => {
        const target = result.target ? `, ${result.target.tid !== undefined ? 'thread ' + result.target.tid : 'PID ' + result.target.pid} (host ${result.target.hostTid ?? result.target.hostPid}, ${result.target.comm})` : '';
        if (verbose) process.stderr.write(visible(`tracing ${kind} in ${result.container.name}${target}${values.follow ? ' and descendants' : ''}`) + '\n');
        if (result.matched) {
          const names = result.matched.map((m) => [m.namespace, m.pod, m.name].filter(Boolean).join('/'));
          process.stderr.write(visible(`tracing ${result.container.name}: ${names.length ? names.join(', ') : 'no container matches yet; waiting for one to start'}`) + '\n');
        }
        process.stderr.write('ready\n');
        if (!json) process.stdout.write(header(kind as GadgetName, !!selector) + '\n');
        const stop = (why: string) => {
          stopping ??= why;
          backend.stop(result.sessionId);
        };
        if (duration !== undefined) after(duration * 1000, () => stop(`${duration}s elapsed`));
        process.on('SIGINT', () => stop('interrupted'));
        process.on('SIGTERM', () => stop('terminated'));
        process.stdout.on('error', () => stop('output closed'));
      })
      .catch((err: { code?: number; message: string }) => {
        const usage = [ErrorCode.InvalidParams, ErrorCode.ContainerNotFound, ErrorCode.ContainerNotRunning, ErrorCode.UnknownPid] as number[];
        fail(err.message, usage.includes(err.code ?? 0) ? 2 : 1);
      });
  });
  const ended = await done;
  backend.close();
  const why = ended.reason === 'stopped' ? stopping ?? 'stopped' : ended.message ?? ended.reason;
  process.stderr.write(
    `summary: ${ended.received} events received, ${ended.dropped} dropped (kernel ${ended.droppedKernel}, transport ${ended.droppedTransport}) ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)}s; ended: ${ended.reason}${why !== ended.reason ? ` (${why})` : ''}` +
      (ended.unfollowed ? `; ${ended.unfollowed} descendants not followed (follow map full)` : '') + '\n',
  );
  process.stdout.write('', () => process.exit(ended.reason === 'error' ? 1 : 0));
}

/** setTimeout for any delay: one timer holds at most 2^31-1 ms (24.8 days); longer ones are chained. */
export function after(ms: number, fn: () => void): void {
  const MAX = 2 ** 31 - 1;
  if (ms > MAX) setTimeout(() => after(ms - MAX, fn), MAX);
  else setTimeout(fn, ms);
}

function elevationFlag(v: unknown): ElevationMode {
  if (v === undefined) return 'auto';
  if (!ELEVATION_MODES.includes(v as ElevationMode)) throw new UsageError(`--elevate must be one of ${ELEVATION_MODES.join(', ')}`);
  return v as ElevationMode;
}

/** install-helper / uninstall-helper: as root, or re-run elevated. */
async function installCommand(argv: string[], remove: boolean): Promise<void> {
  const { values } = parse(argv, { elevate: { type: 'string' } });
  const mode = elevationFlag(values.elevate);
  const command = remove ? 'uninstall-helper' : 'install-helper';
  if (process.getuid?.() !== 0) {
    if (mode === 'none') fail(`${command} needs root`, 1);
    const tool = mode === 'pkexec' || (mode === 'auto' && !onPath('sudo')) ? onPath('pkexec') : onPath('sudo');
    if (!tool) fail(`${command} needs root, and neither sudo nor pkexec is installed: run it as root`, 1);
    process.stderr.write(`running ${command} as root with ${path.basename(tool)}\n`);
    const r = spawnSync(tool, [...(tool.endsWith('sudo') ? ['--'] : []), nodeBinary(), __filename, command], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  if (remove) {
    uninstallHelper();
    process.stdout.write(`removed ${INSTALL_DIR} and ${POLKIT_POLICY}\n`);
    return;
  }
  const packageRoot = path.dirname(path.dirname(__filename));
  const manifest = installHelper({ packageRoot, node: process.execPath, version: VERSION });
  process.stdout.write(
    `installed the helper ${manifest.version} in ${INSTALL_DIR} (${Object.keys(manifest.files).length} files, SHA-256 manifest)\n` +
      `launcher: ${LAUNCHER}\npolkit action: ${POLKIT_ACTION}${fs.existsSync(POLKIT_POLICY) ? ` (${POLKIT_POLICY})` : ' (polkit is not installed: not written)'}\n`,
  );
}

/** --container with -n and --runtime in front: `-n shop --container web-1/nginx` is `shop/web-1/nginx`. */
function qualifiedRef(values: Values): string {
  let ref = String(values.container);
  if (typeof values.namespace === 'string' && !ref.includes(':')) ref = `${values.namespace}/${ref}`;
  if (typeof values.runtime === 'string' && !ref.includes(':')) ref = `${values.runtime}:${ref}`;
  return ref;
}

/** --pod, -l k=v[,k=v], -n, --names a,b, --runtime, --compose-project/-service → a selector; undefined when none is given. */
function selectorFlags(values: Values): ContainerSelector | undefined {
  const sel: ContainerSelector = {};
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  if (str('pod')) sel.pod = str('pod');
  if (str('namespace')) sel.namespace = str('namespace');
  if (str('runtime')) sel.runtime = str('runtime');
  if (str('compose-project')) sel.composeProject = str('compose-project');
  if (str('compose-service')) sel.composeService = str('compose-service');
  if (str('names')) sel.names = str('names')!.split(',').filter(Boolean);
  if (str('selector')) {
    sel.labels = {};
    for (const pair of str('selector')!.split(',')) {
      const m = /^([^=]+)=(.*)$/.exec(pair);
      if (!m) throw new UsageError(`-l wants key=value[,key=value], not "${pair}"`);
      sel.labels[m[1]] = m[2];
    }
  }
  if (!Object.keys(sel).length) return undefined;
  if (Object.keys(sel).every((k) => k === 'runtime' || k === 'namespace') && values.container) return undefined;
  return sel;
}

/** Kind-specific flags → protocol options (the engine refuses misplaced ones). */
function traceOptions(kind: string, values: Values): TraceOptions | undefined {
  const options: TraceOptions = {};
  const only = (flag: string, k: string) => {
    if (kind !== k) throw new UsageError(`--${flag} only goes with trace ${k}`);
  };
  if (values.failed !== undefined) {
    only('failed', 'open');
    options.failedOnly = !!values.failed;
  }
  if (values.interval !== undefined) {
    only('interval', 'syscalls');
    const s = Number(values.interval);
    if (!Number.isFinite(s) || s < 0.1 || s > 60) throw new UsageError('--interval must be 0.1 to 60 seconds');
    options.intervalMs = Math.round(s * 1000);
  }
  if (values.top !== undefined) {
    only('top', 'syscalls');
    options.top = intFlag(values.top, 'top', 100);
  }
  for (const f of ['target', 'function'] as const) {
    if (values[f] !== undefined) {
      only(f, 'uprobe');
      options[f] = String(values[f]);
    }
  }
  if (kind === 'uprobe' && (!options.target || !options.function)) {
    throw new UsageError('trace uprobe needs --target <path-in-container or library, e.g. libc> and --function <symbol>');
  }
  return Object.keys(options).length ? options : undefined;
}

async function check(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  try {
    (await import('../bpf/native')).routeLibbpfLog(() => undefined); // probes fail on purpose
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

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'list':
        return await list(rest);
      case 'ps':
        return await ps(rest);
      case 'trace':
        return await trace(rest);
      case 'check':
        return await check(rest);
      case 'install-helper':
        return await installCommand(rest, false);
      case 'uninstall-helper':
        return await installCommand(rest, true);
      case 'helper': {
        const { values } = parse(rest, { verbose: { type: 'boolean' } });
        if (values['docker-host'] !== undefined) {
          throw new UsageError('the helper reads only fixed, root-owned runtime sockets; --docker-host is for the CLI run as your own user');
        }
        const { runHelper } = await import('../helper/server');
        return runHelper({ verbose: !!values.verbose });
      }
      case 'version':
      case '--version':
        process.stdout.write(VERSION + '\n');
        return;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return;
      default:
        throw new UsageError(`unknown command "${command}"; see container-trace --help`);
    }
  } catch (err) {
    if (err instanceof UsageError) fail(err.message, 2);
    if (err instanceof ContainerGoneError) fail(err.message, 2);
    if (err instanceof ElevationError || err instanceof HelperStartError) fail(err.message, 1);
    if (err instanceof RuntimeError) fail(err.message, /no container|not running|matches|is not a container/.test(err.message) ? 2 : 1);
    fail((err as Error).message, 1);
  }
}

if (require.main === module) void main(process.argv.slice(2));
