/** `container-trace trace <kind>`: stream events from a container, a pod or a selector. */
import { BAD_INPUT_CODES, KIND_NAMES, type ContainerSelector, type KindName, type TraceEndedParams, type ProfileEvent, type TraceEvent, type TraceOptions, type TraceStartParams, type TraceStartResult } from '../../protocol';
import { visible } from '../../kinds/shared/text';
import { stackLines } from '../../kinds/shared/stack';
import { header, line } from '../event-format';
import { engineBackend, helperBackend, writeBatch, type TraceBackend } from '../backend';
import { after, elevationFlag, fail, intFlag, parse, UsageError, type Values } from '../args';
import { KIND_OPTIONS, REQUIRED_OPTIONS, optionFlags } from '../../kinds/options';
import { CLIENT_KIND_BY_NAME, eventJson } from '../../kinds/client-registry';
import { StackSymbolizer } from '../../client/symbolize';
import { foldedStacks, pprofProfile } from '../../kinds/profile/export';
import * as fs from 'node:fs';

const FLAGS = {
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
  wait: { type: 'boolean', short: 'w' },
  'from-start': { type: 'boolean' },
  'no-restarts': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  // `trace syscalls --stream`: each call as strace shows it (the syscall kind), not counts.
  stream: { type: 'boolean' },
} as const;

/** What the command line asks for, checked. */
interface TraceRequest {
  kind: KindName;
  params: TraceStartParams;
  many: boolean;
  duration?: number;
  json: boolean;
  verbose: boolean;
  values: Values;
  /** Kinds with stacks: every stack also written to this file at the end, in this format. */
  output?: { file: string; format: 'pprof' | 'folded' };
}

export async function trace(argv: string[]): Promise<void> {
  const req = request(argv);
  const log = (level: string, message: string) => {
    if (req.verbose || level === 'error' || level === 'warn') process.stderr.write(`${level}: ${visible(message)}\n`);
  };
  // Root traces in this process; anyone else through the helper, elevated.
  const backend =
    process.getuid?.() === 0
      ? await engineBackend(req.values['docker-host'], req.verbose, log)
      : await helperBackend(elevationFlag(req.values.elevate), req.verbose, log, !!req.values['allow-uninstalled']);
  const started = Date.now();
  const { ended, stopping } = await stream(req, backend);
  backend.close();
  summary(ended, stopping(), started);
  process.stdout.write('', () => process.exit(ended.reason === 'error' ? 1 : 0));
}

/** Parse and check the flags (exit 2 on any mistake, before anything starts). */
export function request(argv: string[]): TraceRequest {
  const { values, positionals } = parse(argv, {
    ...FLAGS,
    // every kind's own flags, from its options (../../kinds/options)
    ...Object.fromEntries(optionFlags().map((o) => [o.flag, { type: o.boolean ? ('boolean' as const) : ('string' as const) }])),
  });
  let kind = positionals[0];
  if (values.stream) {
    if (kind !== 'syscalls' && kind !== 'syscall') throw new UsageError(`--stream goes with trace syscalls (each call as strace shows it), not ${kind ?? 'no kind'}`);
    kind = 'syscall';
  }
  if (!kind || positionals.length > 1) throw new UsageError(`trace needs one kind (${KIND_NAMES.join(', ')}): container-trace trace exec --container <name>`);
  if (!(KIND_NAMES as readonly string[]).includes(kind)) throw new UsageError(`unknown trace kind "${kind}"; choose one of: ${KIND_NAMES.join(', ')}`);
  const selector = selectorFlags(values);
  if (selector && values.container) throw new UsageError('give --container, or selector flags (--pod, -l, -n, --names, --compose-project, --compose-service), not both');
  if (!selector && !values.container) throw new UsageError('trace needs --container <name|id|pod/container|namespace/pod/container> or selector flags (--pod, -l app=web -n shop, --names, --compose-project)');
  const pid = intFlag(values.pid, 'pid');
  const tid = intFlag(values.tid, 'tid');
  if (values.follow && pid === undefined) throw new UsageError('--follow needs --pid <pid-in-container>');
  if (pid !== undefined && tid !== undefined) throw new UsageError('give --pid or --tid, not both');
  const wait = !!values.wait || !!values['from-start'];
  if (values['no-restarts'] && !(wait && values.container)) throw new UsageError('--no-restarts goes with --wait and --container');
  if (wait && values.container && (pid !== undefined || tid !== undefined)) throw new UsageError('--wait traces the whole container from its first exec: it takes no --pid or --tid');
  let duration: number | undefined;
  if (values.duration !== undefined) {
    duration = Number(values.duration);
    if (!Number.isFinite(duration) || duration <= 0 || duration > 31 * 86400) throw new UsageError(`--duration must be a number of seconds, not "${values.duration}"`);
  }
  let output: TraceRequest['output'];
  if (values.output !== undefined || values.format !== undefined) {
    if (!CLIENT_KIND_BY_NAME[kind as KindName].stacks) throw new UsageError(`--output and --format write stacks: they go with profile, not ${kind}`);
    if (typeof values.output !== 'string' || !values.output) throw new UsageError('--format needs --output <file>');
    const format = values.format ?? (/\.folded$|\.txt$/.test(values.output) ? 'folded' : 'pprof');
    if (format !== 'pprof' && format !== 'folded') throw new UsageError(`--format must be pprof or folded, not "${format}"`);
    output = { file: values.output, format };
  }
  return {
    output,
    kind: kind as KindName,
    params: {
      gadget: kind as KindName,
      container: values.container === undefined ? undefined : qualifiedRef(values),
      selector,
      scope: pid !== undefined || tid !== undefined ? { pid, tid, follow: values.follow as boolean | undefined } : undefined,
      bufferBytes: intFlag(values['buffer-bytes'], 'buffer-bytes', 256 << 20),
      options: traceOptions(kind, values),
      ...(wait ? { wait: true } : {}),
      ...(values['no-restarts'] ? { followRestarts: false } : {}),
    },
    // A container waited for is found as a selector finds one: each line says which run it is.
    many: !!selector || (wait && !!values.container),
    duration,
    json: !!values.json,
    verbose: !!values.verbose,
    values,
  };
}

/** Start, write every batch as it comes (JSON lines or columns), stop on a signal or the duration; resolves with the end. */
function stream(req: TraceRequest, backend: TraceBackend): Promise<{ ended: TraceEndedParams; stopping: () => string | undefined }> {
  let stopping: string | undefined;
  let received = 0;
  let last: TraceEndedParams | undefined;
  const kind = CLIENT_KIND_BY_NAME[req.kind];
  // Kinds with stacks: symbolized here, unprivileged, from the files the helper hands over (one batch after another).
  const symbols = kind.stacks || req.params.options?.stack ? new StackSymbolizer((id, offset, length) => backend.readFile(id, offset, length), undefined, (m) => process.stderr.write(`warn: ${visible(m)}\n`), undefined, (id, link) => backend.readDebug(id, link)) : undefined;
  let written: Promise<void> = Promise.resolve();
  const print = (batch: TraceEvent[]) => {
    if (req.json) writeBatch(batch.map((e) => eventJson(e) + '\n').join(''));
    else if (kind.report) {
      const text = kind.report(batch, req.params.options?.top ?? 20);
      if (text) writeBatch(text + '\n\n');
    } else writeBatch(batch.map((e) => line(e, req.many) + (e.stack ? stackLines(e.stack, visible) : '')).join('\n') + '\n');
  };
  // --output: every symbolized stack kept (bounded), written at the end.
  const kept: ProfileEvent[] = [];
  let keptDropped = 0;
  const keep = (batch: TraceEvent[]) => {
    if (!req.output) return;
    for (const e of batch) {
      if (kept.length < MAX_KEPT_STACKS) kept.push(e as ProfileEvent);
      else keptDropped++;
    }
  };
  const write = (batch: TraceEvent[]) => {
    received += batch.length;
    if (!symbols) return print(batch);
    written = written.then(() => symbols.symbolize(batch)).then((done) => {
      keep(done);
      print(done);
    }, (err: Error) => {
      process.stderr.write(`warn: symbols: ${visible(err.message)}\n`);
      print(batch);
    });
  };
  // --json: lines made by the receiver straight from the records; the buffer comes back when stdout took it.
  const json = (_id: string, lines: Buffer, count: number) => {
    received += count;
    writeBatch(lines);
    return { keep: process.stdout.writableLength > 0 };
  };
  return new Promise((resolve) => {
    const onEnded = (ended: TraceEndedParams) => {
      last ??= ended.sessionId ? ended : { ...ended, received };
      const done = last;
      // The last report is written (symbolized) before the summary.
      void written.then(() => {
        symbols?.close();
        if (req.output) writeStacks(req.output, kept, keptDropped, req.params.options?.hz ?? 99);
        resolve({ ended: done, stopping: () => stopping });
      });
    };
    backend
      .start(req.params, write, onEnded, req.json && !symbols ? json : undefined)
      .then((result) => {
        announce(req, result);
        const stop = (why: string) => {
          stopping ??= why;
          backend.stop(result.sessionId);
        };
        if (req.duration !== undefined) after(req.duration * 1000, () => stop(`${req.duration}s elapsed`));
        process.on('SIGINT', () => stop('interrupted'));
        process.on('SIGTERM', () => stop('terminated'));
        process.stdout.on('error', () => stop('output closed'));
      })
      .catch((err: { code?: number; message: string }) => fail(err.message, BAD_INPUT_CODES.includes(err.code ?? 0) ? 2 : 1));
  });
}

/** What is traced (verbose), the containers a selector matched, `ready`, and the column header. */
function announce(req: TraceRequest, result: TraceStartResult): void {
  const t = result.target;
  const target = t ? `, ${t.tid !== undefined ? 'thread ' + t.tid : 'PID ' + t.pid} (host ${t.hostTid ?? t.hostPid}, ${t.comm})` : '';
  if (req.verbose) process.stderr.write(visible(`tracing ${req.kind} in ${result.container.name}${target}${req.values.follow ? ' and descendants' : ''}`) + '\n');
  if (result.matched) {
    const names = result.matched.map((m) => [m.namespace, m.pod, m.name].filter(Boolean).join('/'));
    process.stderr.write(visible(`tracing ${result.container.name}: ${names.length ? names.join(', ') : 'no container matches yet; waiting for one to start'}`) + '\n');
  }
  process.stderr.write('ready\n');
  if (!req.json && !CLIENT_KIND_BY_NAME[req.kind].report) process.stdout.write(header(req.kind, req.many) + '\n');
}

/** Distinct stacks (one a process and report) --output keeps at most. */
const MAX_KEPT_STACKS = 2_000_000;

/** --output: the trace's stacks as a pprof or folded file; said on stderr. */
function writeStacks(out: { file: string; format: 'pprof' | 'folded' }, events: ProfileEvent[], dropped: number, hz: number): void {
  try {
    fs.writeFileSync(out.file, out.format === 'pprof' ? pprofProfile(events, hz) : foldedStacks(events));
    const samples = events.reduce((n, e) => n + e.samples, 0);
    process.stderr.write(visible(`wrote ${samples} samples (${events.length} stacks) to ${out.file} as ${out.format === 'pprof' ? 'a pprof profile' : 'folded stacks'}${dropped ? `; ${dropped} stacks past the bound of ${MAX_KEPT_STACKS} left out` : ''}`) + '\n');
  } catch (err) {
    process.stderr.write(visible(`error: cannot write ${out.file}: ${(err as Error).message}`) + '\n');
  }
}

/** The one line on stderr at the end: counts, drops, time, why it ended. */
function summary(ended: TraceEndedParams, stopping: string | undefined, started: number): void {
  const why = ended.reason === 'stopped' ? stopping ?? 'stopped' : ended.message ?? ended.reason;
  process.stderr.write(
    `summary: ${ended.received} events received, ${ended.dropped} dropped (kernel ${ended.droppedKernel}, transport ${ended.droppedTransport}) ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)}s; ended: ${ended.reason}${why !== ended.reason ? ` (${why})` : ''}` +
      (ended.unfollowed ? `; ${ended.unfollowed} descendants not followed (follow map full)` : '') +
      (ended.droppedHeld ? `; ${ended.droppedHeld} events of starting containers lost while they were identified` : '') +
      (ended.notMatched ? `; ${ended.notMatched} containers started outside the selector (${ended.notMatchedEvents ?? 0} events not reported)` : '') +
      (ended.unwatched ? `; ${ended.unwatched} new PID namespaces not held from their start (too many at once)` : '') +
      (ended.stacksLost ? `; ${ended.stacksLost} stacks lost (the stack map was full)` : '') +
      '\n',
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

/** Kind-specific flags → protocol options, from each kind's option specs (a flag of another kind is refused). */
function traceOptions(kind: string, values: Values): TraceOptions | undefined {
  const options: Record<string, unknown> = {};
  for (const o of optionFlags()) {
    const text = values[o.flag];
    if (text === undefined) continue;
    if (!o.kinds.includes(kind as KindName)) {
      if (kind === 'syscalls' && o.kinds.includes('syscall')) throw new UsageError(`--${o.flag} goes with the stream of calls: trace syscalls --stream --${o.flag} …`);
      throw new UsageError(`--${o.flag} only goes with trace ${o.kinds.join(' or ')}`);
    }
    const spec = KIND_OPTIONS[kind as KindName]!.find((s) => s.flag === o.flag)!;
    try {
      options[spec.key] = spec.fromFlag(text as string | true);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const required = REQUIRED_OPTIONS[kind as KindName];
  if (required && required.keys.some((k) => options[k] === undefined)) {
    const flags = (KIND_OPTIONS[kind as KindName] ?? []).filter((s) => required.keys.includes(s.key)).map((s) => `--${s.flag} <${s.arg}>`);
    throw new UsageError(`trace ${kind} needs ${flags.join(' and ')}`);
  }
  return Object.keys(options).length ? (options as TraceOptions) : undefined;
}

