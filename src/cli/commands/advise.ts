/**
 * `container-trace advise seccomp --container C [--duration S] --output FILE
 * [--format docker|kubernetes] [--restart]`: a seccomp profile of exactly
 * the syscalls a container made, traced with the syscalls kind (as root in
 * this process, or through the helper), and how to use it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BAD_INPUT_CODES, type TraceEvent } from '../../protocol';
import { ContainerNotRunningError, createRuntimes, describeContainer, findContainer, RuntimeError, type ContainerInfo, type ContainerRuntime } from '../../runtime';
import { visible } from '../../kinds/shared/text';
import { adviseSeccomp } from '../../kinds/syscalls/advise';
import { SeccompError, seccompJson, seccompModeLine, seccompProfile, seccompUsage } from '../../kinds/syscalls/seccomp';
import { engineBackend, helperBackend } from '../backend';
import { elevationFlag, parse, UsageError } from '../args';

const FLAGS = {
  container: { type: 'string', short: 'c' },
  duration: { type: 'string', short: 'd' },
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  restart: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  elevate: { type: 'string' },
  'allow-uninstalled': { type: 'boolean' },
} as const;

export const ADVISE_USAGE = `container-trace advise seccomp --container <ref> --output <file> [--duration <seconds>]
                  [--format docker|kubernetes] [--restart]
    a seccomp profile allowing exactly the syscalls the container made while traced (default 30s);
    --restart: the trace starts first, then the container is restarted, so its runtime's init and
    its entrypoint are seen from their first syscall; without it the container must be running and
    the start set (what a container's start needs, measured once) is added. The file is Docker's
    and Podman's profile format, which is also a Kubernetes Localhost profile (--format kubernetes
    also prints the Pod's securityContext and where the file goes).`;

/** Seconds a restart gives the container to stop before it is killed. */
const STOP_SECONDS = 5;
const DEFAULT_SECONDS = 30;

interface AdviseArgs {
  ref: string;
  seconds: number;
  output: string;
  format: 'docker' | 'kubernetes';
  restart: boolean;
  verbose: boolean;
  values: ReturnType<typeof parse>['values'];
}

export function adviseRequest(argv: string[]): AdviseArgs {
  const { values, positionals } = parse(argv, FLAGS);
  if (positionals[0] !== 'seccomp' || positionals.length !== 1) {
    throw new UsageError(`advise needs what to advise: seccomp (${positionals.length ? `not "${positionals.join(' ')}"` : 'none given'}); see container-trace --help`);
  }
  if (typeof values.container !== 'string' || !values.container) throw new UsageError('advise seccomp needs --container <name|id|pod/container|runtime:…>');
  if (typeof values.output !== 'string' || !values.output) throw new UsageError('advise seccomp needs --output <file> (where the profile is written, e.g. seccomp-web.json)');
  const format = values.format ?? 'docker';
  if (format !== 'docker' && format !== 'kubernetes') throw new UsageError(`--format must be docker or kubernetes, not "${String(format)}"`);
  let seconds = DEFAULT_SECONDS;
  if (values.duration !== undefined) {
    seconds = Number(values.duration);
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > 86400) throw new UsageError(`--duration must be 1 to 86400 seconds, not "${String(values.duration)}"`);
  }
  const output = path.resolve(values.output);
  const dir = path.dirname(output);
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    /* missing */
  }
  if (!isDir) throw new UsageError(`cannot write ${output}: the directory ${dir} does not exist (make it first, or give another --output)`);
  if (fs.existsSync(output) && fs.statSync(output).isDirectory()) throw new UsageError(`--output ${output} is a directory: give a file name in it (e.g. ${path.join(output, 'seccomp.json')})`);
  // The syscall names come from the x86_64 table (src/kinds/syscalls/names.ts).
  if (process.arch !== 'x64') throw new UsageError(`advise seccomp names syscalls by the x86_64 table: this machine is ${process.arch}, whose numbers differ`);
  return { ref: values.container, seconds, output, format, restart: !!values.restart, verbose: !!values.verbose, values };
}

/** The runtime that runs `c` (to restart it), or why none can. */
function runtimeOf(runtimes: ContainerRuntime[], c: ContainerInfo): ContainerRuntime & { restart: NonNullable<ContainerRuntime['restart']> } {
  const rt = runtimes.find((r) => r.kind === c.runtime && !r.node && !c.node);
  if (!rt?.restart) throw new UsageError(`cannot restart ${describeContainer(c)} through ${c.runtime}${c.node ? ` in ${c.node.name}` : ''}: restart it yourself while a trace waits for it (container-trace trace syscalls --wait), or leave out --restart`);
  return rt as ContainerRuntime & { restart: NonNullable<ContainerRuntime['restart']> };
}

export async function advise(argv: string[]): Promise<void> {
  const req = adviseRequest(argv);
  const runtimes = createRuntimes({ dockerHost: req.values['docker-host'] });
  const container = await findContainer(runtimes, req.ref);
  if (!req.restart && (container.state !== 'running' || !container.hostPid)) {
    throw new ContainerNotRunningError(`container ${describeContainer(container)} is ${container.state}, not running: start it, or give --restart (the trace waits for it and restarts it)`);
  }
  const runtime = req.restart ? runtimeOf(runtimes, container) : undefined;
  const log = (level: string, message: string) => {
    if (req.verbose || level === 'error' || level === 'warn') process.stderr.write(`${level}: ${visible(message)}\n`);
  };
  const backend =
    process.getuid?.() === 0
      ? await engineBackend(req.values['docker-host'], req.verbose, log)
      : await helperBackend(elevationFlag(req.values.elevate), req.verbose, log, !!req.values['allow-uninstalled']);
  // Ctrl-C: the trace stops early, and what it saw is written (said so).
  let interrupted = false;
  process.on('SIGINT', () => (interrupted = true));
  process.on('SIGTERM', () => (interrupted = true));
  let result: Awaited<ReturnType<typeof adviseSeccomp>>;
  try {
    result = await adviseSeccomp(
      {
        start: (params, onEvents: (b: TraceEvent[]) => void, onEnded) => backend.start(params, onEvents, onEnded),
        stop: (id) => backend.stop(id),
      },
      {
        // Waited for by its name in its runtime: the restarted run is the same container.
        ref: req.restart ? `${container.runtime}:${container.name}` : req.ref,
        seconds: req.seconds,
        restart: runtime && (() => runtime.restart(container.id, STOP_SECONDS)),
        progress: (m) => process.stderr.write(visible(`${describeContainer(container)}: ${m}`) + '\n'),
        cancelled: () => interrupted,
      },
    );
  } catch (err) {
    backend.close();
    const e = err as { code?: number; message: string };
    if (err instanceof RuntimeError || err instanceof UsageError) throw err;
    if (e.code !== undefined && BAD_INPUT_CODES.includes(e.code)) throw new UsageError(e.message);
    throw err;
  }
  backend.close();
  const { ended, seen } = result;
  if (result.early) process.stderr.write(visible(`warn: the trace ended early: ${result.early}`) + '\n');
  if (ended.dropped) process.stderr.write(`warn: ${ended.dropped} counts were dropped (kernel ${ended.droppedKernel}, transport ${ended.droppedTransport}): the profile may miss syscalls; trace again\n`);
  if (result.unnamed.length) process.stderr.write(visible(`warn: left out, not named by the x86_64 table: ${result.unnamed.join(', ')}`) + '\n');
  let profile;
  try {
    profile = seccompProfile(result.names, process.arch === 'x64' ? 'x86_64' : process.arch);
  } catch (err) {
    if (err instanceof SeccompError) throw new RuntimeError(`${err.message} (the trace saw ${seen.calls} calls in ${seen.reports} reports)`);
    throw err;
  }
  try {
    fs.writeFileSync(req.output, seccompJson(profile));
  } catch (err) {
    throw new RuntimeError(`cannot write ${req.output}: ${(err as Error).message}`);
  }
  const out = [
    `wrote ${req.output}: ${seccompModeLine(result.mode, result.names.length, result.seconds)}`,
    ...(result.added.length ? [`allowed without being seen: ${result.added.join(', ')}`] : []),
    ...(seen.blocked.size ? [`blocked in when the trace ended (allowed): ${[...seen.blocked].sort().join(', ')}`] : []),
    'refused with EPERM: every other syscall. Only names are matched, not arguments.',
    '',
    seccompUsage(req.output, req.format, container.image || 'IMAGE'),
  ];
  process.stdout.write(out.join('\n').split('\n').map(visible).join('\n') + '\n', () => process.exit(0));
}
