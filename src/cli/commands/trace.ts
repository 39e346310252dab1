/** `container-trace trace <kind>`: stream events from a container, a pod or a selector. */
import { BAD_INPUT_CODES, GADGETS, type ContainerSelector, type GadgetName, type TraceEndedParams, type TraceEvent, type TraceOptions } from '../../protocol';
import { visible } from '../../gadgets/text';
import { header, line } from '../event-format';
import { engineBackend, helperBackend, writeBatch } from '../backend';
import { after, elevationFlag, fail, intFlag, parse, UsageError, type Values } from '../args';
import { KIND_OPTIONS, REQUIRED_OPTIONS, optionFlags } from '../../gadgets/options';

export async function trace(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    container: { type: 'string', short: 'c' },
    pid: { type: 'string', short: 'p' },
    tid: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    duration: { type: 'string', short: 'd' },
    json: { type: 'boolean' },
    'buffer-bytes': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },

    elevate: { type: 'string' },
    'allow-uninstalled': { type: 'boolean' },
    pod: { type: 'string' },
    selector: { type: 'string', short: 'l' },
    namespace: { type: 'string', short: 'n' },
    names: { type: 'string' },
    runtime: { type: 'string' },
    'compose-project': { type: 'string' },
    'compose-service': { type: 'string' },
    // every kind's own flags, from its options (../../gadgets/options)
    ...Object.fromEntries(optionFlags().map((o) => [o.flag, { type: o.boolean ? ('boolean' as const) : ('string' as const) }])),
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
        fail(err.message, BAD_INPUT_CODES.includes(err.code ?? 0) ? 2 : 1);
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

/** Kind-specific flags → protocol options, from each kind's option specs (a flag of another kind is refused). */
function traceOptions(kind: string, values: Values): TraceOptions | undefined {
  const options: Record<string, unknown> = {};
  for (const o of optionFlags()) {
    const text = values[o.flag];
    if (text === undefined) continue;
    if (!o.kinds.includes(kind as GadgetName)) throw new UsageError(`--${o.flag} only goes with trace ${o.kinds.join(' or ')}`);
    const spec = KIND_OPTIONS[kind as GadgetName]!.find((s) => s.flag === o.flag)!;
    try {
      options[spec.key] = spec.fromFlag(text as string | true);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const required = REQUIRED_OPTIONS[kind as GadgetName];
  if (required && required.keys.some((k) => options[k] === undefined)) {
    const flags = (KIND_OPTIONS[kind as GadgetName] ?? []).filter((s) => required.keys.includes(s.key)).map((s) => `--${s.flag} <${s.arg}>`);
    throw new UsageError(`trace ${kind} needs ${flags.join(' and ')}`);
  }
  return Object.keys(options).length ? (options as TraceOptions) : undefined;
}

