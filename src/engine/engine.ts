/** The trace engine the helper and the CLI share: sessions by id, bounded. */
import { randomUUID } from 'node:crypto';
import type { ContainerRuntime } from '../runtime';
import { ContainerNotFoundError, ContainerNotRunningError, RuntimeError } from '../runtime';
import { UntrustedTargetError } from '../runtime/verify';
import { scanContainer, ContainerGoneError } from '../proc/container';
import { PidTable, UnknownPidError } from '../proc/translate';
import { BpfError } from '../bpf/object';
import { ErrorCode, type ContainerBinariesResult, type EndReason, type ProfileDebugResult, type ProfileFileResult, type TraceCounters, type TraceStartResult } from '../protocol';
import { resolveTrace } from './resolve';
import { attachAvoided, probeAttachTypes, type AttachType } from '../bpf/probe';
import { ROOT_KINDS } from '../kinds/root-registry';
import type { KindName } from '../protocol';

const ATTACH_NAMES: Record<AttachType, string> = {
  tracepoint: 'tracepoints',
  raw_tp: 'raw tracepoints',
  tp_btf: 'BTF tracepoints',
  kprobe: 'kprobes',
  fentry: 'fentry',
  uprobe: 'uprobes',
};
import { TraceSession } from './session';
import { ringBytes } from './trace-object';
import { DEFAULT_LIMITS, type SessionLimits, type SessionSink } from './delivery';
import { prepareHost, type Logger } from './system';
import { InvalidParamsError, validateStart } from './validate';
import { UprobeTargetError } from '../uprobe/target';
import { BudgetError, HostBudget, BUDGET, type Ticket } from './budget';
import { callerUid } from '../runtime/sockets';
import { ElfError } from '../uprobe/elf';
import { FileRegistry, FileRegistryError } from './files';
import { validateFileRead, validateDebugRead } from './validate';
import { listBinaries, validateBinaries } from './binaries';

export class TraceError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Traces at once: per host as root (./budget: all helpers together), per engine otherwise. */
export const MAX_SESSIONS = BUDGET.hostSessions;
/** Ring-buffer memory all sessions may lock in the kernel together (per host as root). */
export const MAX_RING_BYTES = BUDGET.hostBytes;

/** Error → protocol error code, so clients can tell what went wrong. */
export function classify(err: unknown): TraceError {
  if (err instanceof TraceError) return err;
  if (err instanceof BudgetError) return new TraceError(err.message, ErrorCode.TooManySessions);
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof InvalidParamsError || err instanceof UprobeTargetError || err instanceof ElfError || err instanceof FileRegistryError) return new TraceError(message, ErrorCode.InvalidParams);
  if (err instanceof UnknownPidError) return new TraceError(message, ErrorCode.UnknownPid);
  if (err instanceof ContainerGoneError) return new TraceError(message, ErrorCode.ContainerNotRunning);
  if (err instanceof UntrustedTargetError) return new TraceError(message, ErrorCode.TargetRefused);
  if (err instanceof ContainerNotRunningError) return new TraceError(message, ErrorCode.ContainerNotRunning);
  if (err instanceof ContainerNotFoundError) return new TraceError(message, ErrorCode.ContainerNotFound);
  if (err instanceof RuntimeError) return new TraceError(message, ErrorCode.RuntimeUnreachable);
  if (err instanceof BpfError) return new TraceError(message, ErrorCode.BpfFailure);
  return new TraceError(message, ErrorCode.BpfFailure);
}

export class TraceEngine {
  private readonly sessions = new Map<string, TraceSession>();
  /** Files profiles named, whose bytes the client may read (profile/file); kept after their traces end, closed with the engine. */
  private readonly files = new FileRegistry();
  private prepared = false;
  /** As root: the host-wide, per-user ledger every engine on the host shares (else this engine's own counts). */
  private readonly budget = process.getuid?.() === 0 ? new HostBudget(callerUid() ?? 0) : undefined;

  constructor(
    private readonly runtimes: ContainerRuntime[],
    private readonly log: Logger,
    private readonly limits: SessionLimits = DEFAULT_LIMITS,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Sessions being started (between the checks and the registration) and their ring bytes. */
  private starting = 0;
  private startingBytes = 0;

  private ringBytesInUse(): number {
    let n = this.startingBytes;
    for (const s of this.sessions.values()) n += s.ringBytes;
    return n;
  }

  /** This helper's own limits (no budget shared with other helpers): a slot and the ring's bytes. */
  private checkRoom(ring: number): void {
    if (!this.budget && this.sessions.size + this.starting >= MAX_SESSIONS) {
      throw new TraceError(`at most ${MAX_SESSIONS} traces run at once; stop one first`, ErrorCode.TooManySessions);
    }
    const inUse = this.ringBytesInUse();
    if (!this.budget && inUse + ring > MAX_RING_BYTES) {
      const mib = (n: number) => `${Math.round(n / (1 << 20))} MiB`;
      throw new TraceError(
        `not enough kernel memory for ring buffers: ${mib(inUse)} in use of ${mib(MAX_RING_BYTES)}, this trace asks ${mib(ring)}; stop a trace or ask a smaller buffer`,
        ErrorCode.TooManySessions,
      );
    }
  }

  async start(rawParams: unknown, sink: SessionSink): Promise<TraceStartResult> {
    let reserved = 0;
    let reservedSlot = false;
    let ticket: Ticket | undefined;
    try {
      const params = validateStart(rawParams);
      const ring = ringBytes(params.gadget, params.bufferBytes);
      // Reserve with no await between the check and the count: pipelined requests (and other
      // helpers) see each other. A trace still stopping holds its slot and ring until its links
      // are gone (a few hundred ms at most): a start that finds no room waits for those first.
      for (;;) {
        try {
          ticket = this.budget?.reserve(ring);
          this.checkRoom(ring);
          break;
        } catch (err) {
          ticket?.release();
          ticket = undefined;
          const stopping = [...this.sessions.values()].filter((s) => s.isStopping).map((s) => s.done);
          if (!stopping.length || !(err instanceof BudgetError || (err instanceof TraceError && err.code === ErrorCode.TooManySessions))) throw err;
          await Promise.race(stopping);
        }
      }
      this.starting++;
      reservedSlot = true;
      this.startingBytes += ring;
      reserved = ring;
      const phases = new PhaseTimer();
      if (!this.prepared) {
        prepareHost(this.log);
        this.prepared = true;
      }
      const skip = this.attachPlan(params.gadget);
      phases.mark('host checks');
      const trace = await resolveTrace(this.runtimes, params);
      trace.skipPrograms = skip;
      phases.mark('container and PIDs');
      const id = randomUUID();
      let session: TraceSession;
      try {
        const held = ticket;
        session = new TraceSession(
          id,
          trace,
          sink,
          this.limits,
          (done) => {
            this.sessions.delete(done);
            held?.release();
          },
          this.files,
        );
      } catch (err) {
        this.requireNeeds(trace.kind);
        throw err;
      } finally {
        trace.uprobe?.pinned.close();
      }
      phases.mark('BPF load and attach');
      this.sessions.set(id, session);
      ticket = undefined; // the session holds it now
      this.starting--;
      this.startingBytes -= reserved;
      reservedSlot = false;
      reserved = 0;
      let followed = trace.followSeed.length;
      if (trace.follow) {
        // Children forked between the scan and the attach: add them now. The
        // session is registered and running: a failed re-scan (the container
        // just went) must not leave it behind an error.
        try {
          const again = new PidTable(trace.container, scanContainer(trace.container)).descendants(trace.target!.hostPid);
          const late = again.filter((h) => !trace.followSeed.includes(h));
          session.follow(late);
          followed += late.length;
        } catch (err) {
          this.log('warn', `trace ${id.slice(0, 8)}: re-reading the followed processes failed (${(err as Error).message}); those forked during the start may be missed`);
        }
      }
      if (trace.selector) {
        const short = id.slice(0, 8);
        const names = (ms: { container: { name: string } }[]) => ms.map((m) => m.container.name).join(', ');
        session.log = this.log;
        session.onMembers = (joined, left) => {
          if (joined.length) this.log('info', `trace ${short}: now also tracing ${names(joined)}`);
          if (left.length) this.log('info', `trace ${short}: ${names(left)} left`);
        };
      }
      const what = trace.target ? `${trace.target.tid !== undefined ? 'thread' : 'process'} ${trace.target.tid ?? trace.target.pid} (${trace.target.comm})` : 'all processes';
      this.log('info', `trace ${id.slice(0, 8)}: ${trace.kind} in ${trace.container.name}, ${what}${trace.follow ? ' and descendants' : ''}`);
      this.log('debug', `trace ${id.slice(0, 8)}: ready in ${phases.summary()}`);
      return {
        sessionId: id,
        container: { id: trace.container.id, name: trace.container.name, hostPid: trace.container.hostPid, image: trace.container.image },
        target: trace.target,
        pidNamespaceLevel: trace.level,
        followed: trace.follow ? followed : undefined,
        matched: trace.selector ? session.matched.map((m) => m.label) : undefined,
        records: session.recordsInfo(),
      };
    } catch (err) {
      throw classify(err);
    } finally {
      ticket?.release();
      if (reservedSlot) this.starting--;
      this.startingBytes -= reserved;
    }
  }

  /**
   * Programs not to load for a kind on this kernel: the variants it does not
   * use (probed). Its needs are not probed here: loading tells, and a failed
   * load is explained by requireNeeds.
   */
  private attachPlan(kind: KindName): string[] {
    const root = ROOT_KINDS[kind];
    for (const need of root.needs) {
      const avoided = attachAvoided(need);
      if (avoided) this.missing(kind, need, avoided);
    }
    const variants: { type: AttachType; programs: string[] }[] = root.variants ?? [];
    if (!variants.length) return [];
    const offered = probeAttachTypes([...new Set(variants.map((v) => v.type))]);
    const chosen = variants.find((v) => offered.get(v.type) === true);
    if (!chosen) {
      const names = variants.map((v) => ATTACH_NAMES[v.type]).join(' or ');
      throw new TraceError(`the ${kind} trace needs ${names}, which this kernel does not offer; see \`container-trace check\``, ErrorCode.BpfFailure);
    }
    this.log('debug', `${kind}: attaching with ${ATTACH_NAMES[chosen.type]}`);
    return variants.filter((v) => v !== chosen).flatMap((v) => v.programs);
  }

  /** After a failed load or attach: a need the kernel lacks is the reason. */
  private requireNeeds(kind: KindName): void {
    const offered = probeAttachTypes(ROOT_KINDS[kind].needs);
    for (const [need, why] of offered) if (why !== true) this.missing(kind, need, why);
  }

  private missing(kind: KindName, need: AttachType, why: string): never {
    throw new TraceError(`the ${kind} trace needs ${ATTACH_NAMES[need]}, which this kernel does not offer (${why}); see \`container-trace check\``, ErrorCode.BpfFailure);
  }

  stop(sessionId: unknown, reason: EndReason = 'stopped'): TraceCounters {
    const session = typeof sessionId === 'string' ? this.sessions.get(sessionId) : undefined;
    if (!session) throw new TraceError(`no trace session ${String(sessionId)}`, ErrorCode.UnknownSession);
    // Answered once nothing more is made; trace/ended follows when the last record is read.
    return session.stop(reason);
  }

  /** profile/file: bytes of a file a profile named (checked params; InvalidParams for anything else). */
  readFile(raw: unknown): ProfileFileResult {
    try {
      return this.files.read(validateFileRead(raw));
    } catch (err) {
      throw classify(err);
    }
  }

  /** profile/debug: a shared file's separate debug info, from the same container, as a new handle. */
  readDebug(raw: unknown): ProfileDebugResult {
    try {
      return this.files.debug(validateDebugRead(raw));
    } catch (err) {
      throw classify(err);
    }
  }

  /** container/binaries: the ELF files one running container's processes map, shared by handle for profile/file (read-only). */
  async binaries(raw: unknown): Promise<ContainerBinariesResult> {
    try {
      return await listBinaries(this.runtimes, validateBinaries(raw), this.files);
    } catch (err) {
      throw classify(err);
    }
  }

  /** The files profiles named are closed (their handles are no more). */
  closeFiles(): void {
    this.files.close();
  }

  /** Resolves once the sessions told to stop have ended (their links gone). */
  async stopping(): Promise<void> {
    await Promise.all([...this.sessions.values()].filter((s) => s.isStopping).map((s) => s.done));
  }

  /** Ends every session: detaches all programs. Safe to call repeatedly. */
  stopAll(reason: EndReason = 'stopped', message?: string): void {
    for (const s of [...this.sessions.values()]) {
      try {
        s.end(reason, message);
      } catch (err) {
        this.log('error', `ending trace ${s.id}: ${(err as Error).message}`);
      }
    }
  }
}

/** Wall time of the steps of a start, for the debug log ("12 ms: host checks 1 ms, ..."). */
class PhaseTimer {
  private readonly start = performance.now();
  private last = this.start;
  private readonly parts: string[] = [];

  mark(what: string): void {
    const now = performance.now();
    this.parts.push(`${what} ${(now - this.last).toFixed(1)} ms`);
    this.last = now;
  }

  summary(): string {
    return `${(this.last - this.start).toFixed(1)} ms (${this.parts.join(', ')})`;
  }
}
