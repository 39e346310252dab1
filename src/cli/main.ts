/**
 * `container-trace`: the engine headless. Exit codes: 0 done, 1 the host
 * cannot do it (not root, BPF refused, runtime unreachable), 2 bad input
 * (arguments, unknown or stopped container, unknown PID).
 */
import { ContainerNotFoundError, ContainerNotRunningError, RuntimeError } from '../runtime';
import { UntrustedTargetError } from '../runtime/verify';
import { ContainerGoneError } from '../proc/container';
import { KIND_NAMES } from '../protocol';
import { CLIENT_KINDS } from '../kinds/client-registry';
import { optionsHelp } from '../kinds/options';
import { VERSION } from '../version';
import { ElevationError } from '../client/elevation';
import { HelperStartError } from '../client/helper-process';
import { fail, parse, UsageError } from './args';
import { list } from './commands/list';
import { ps } from './commands/ps';
import { trace } from './commands/trace';
import { installCommand } from './commands/install';
import { check } from './commands/check';
import { advise, ADVISE_USAGE } from './commands/advise';

export { after } from './args';

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
                  --wait (--from-start): the container need not run yet; traced from its first
                  exec, followed when restarted (--no-restarts: the trace ends when it exits);
                  containers a selector matches are always traced from their first exec
${optionsHelp('                  ')}
                  profile: --output <file> [--format pprof|folded]  every stack also written
                  to a file at the end (pprof, gzipped; folded for flamegraph.pl)
                  syscalls --stream: each call as strace -f shows it (the syscall kind),
                  [--class %file,...] [--syscall openat,...]
  ${ADVISE_USAGE}
  container-trace check [--json]                     what this host supports, with fixes
  container-trace install-helper [--elevate <mode>]  install the helper root-owned, with a polkit action
  container-trace uninstall-helper
  container-trace helper                             JSON-RPC helper on stdio (used by the extension)

Trace kinds:
${KIND_NAMES.map((g) => `  ${g.padEnd(10)} ${CLIENT_KINDS[g].what}`).join('\n')}
PIDs are the ones seen inside the container (as its \`ps\` shows them).
Options: --docker-host <url> (default: $DOCKER_HOST or unix:///var/run/docker.sock)
         --elevate auto|pkexec|sudo|none  how a non-root trace starts the helper (default auto)
         --allow-uninstalled  run a helper that is not installed (files your user can change) as root`;

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
      case 'advise':
        return await advise(rest);
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
    if (err instanceof ContainerNotFoundError || err instanceof ContainerNotRunningError || err instanceof UntrustedTargetError) fail(err.message, 2);
    if (err instanceof RuntimeError) fail(err.message, 1);
    fail((err as Error).message, 1);
  }
}

if (require.main === module) void main(process.argv.slice(2));
