/**
 * `advise seccomp`: a syscalls trace of one container, run to find the
 * syscalls it makes, its names made into a seccomp profile (./seccomp). The
 * CLI and the extension run it through their own way to a trace (the engine
 * in process, or the helper); this is the part they share: what to start,
 * when to restart the container, when to stop, what it saw.
 */
import type { SyscallsEvent, TraceEndedParams, TraceEvent, TraceStartParams } from '../../protocol';
import { profileNames, SeenSyscalls, type SeccompMode } from './seccomp';

export interface AdviseTracer {
  /** Start a trace; events and its end come to the callbacks; resolves once it runs. */
  start(params: TraceStartParams, onEvents: (batch: TraceEvent[]) => void, onEnded: (e: TraceEndedParams) => void): Promise<{ sessionId: string }>;
  stop(sessionId: string): void;
}

export interface AdviseRequest {
  /** The container reference as the trace takes it (waited for by it with a restart). */
  ref: string;
  /** Seconds traced (after the restart, with one). */
  seconds: number;
  /** Restart the container once the trace runs (its start seen), through its runtime. */
  restart?: () => Promise<void>;
  /** What is happening, for a progress line. */
  progress?: (message: string) => void;
  /** Cancelled (the extension's progress notification): stop early, keeping what was seen. */
  cancelled?: () => boolean;
}

export interface AdviseResult {
  mode: SeccompMode;
  names: string[];
  /** Allowed but not seen: those that never return, and without a restart the start set. */
  added: string[];
  /** Numbers the trace could not name (left out of the profile). */
  unnamed: string[];
  seen: SeenSyscalls;
  ended: TraceEndedParams;
  /** Why the trace ended before its time, when it did. */
  early?: string;
  /** Seconds it traced (after the restart, with one): the asked ones, or fewer when it ended early. */
  seconds: number;
}

/** Reports a report of the syscalls kind at most a second apart: an interval that short. */
const INTERVAL_MS = 1000;

export async function adviseSeccomp(tracer: AdviseTracer, req: AdviseRequest): Promise<AdviseResult> {
  const mode: SeccompMode = req.restart ? 'restart' : 'running';
  const seen = new SeenSyscalls();
  let stopped = false;
  let resolveEnded!: (e: TraceEndedParams) => void;
  const ended = new Promise<TraceEndedParams>((r) => (resolveEnded = r));
  const params: TraceStartParams = {
    gadget: 'syscalls',
    container: req.ref,
    // Every report names every syscall it counted (names): top is only what the rows show.
    // Not count-only (latency: false), though only names are wanted: counted at their return, the
    // calls the container's current seccomp profile refuses would be counted too (a refused call
    // never reaches sys_enter, but does return through sys_exit), and the advised profile would then
    // allow what the current one refuses. The entry program sees only the calls that got past it.
    options: { intervalMs: INTERVAL_MS, top: 1 },
    // With a restart: waited for, so the new run is traced from its first task (the runtime's init).
    ...(req.restart ? { wait: true } : {}),
  };
  const result = await tracer.start(
    params,
    (batch) => {
      for (const e of batch) if (e.gadget === 'syscalls') seen.add(e as SyscallsEvent);
    },
    (e) => resolveEnded(e),
  );
  const sessionId = result.sessionId;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    tracer.stop(sessionId);
  };
  let early: string | undefined;
  const endedEarly = ended.then((e) => {
    if (!stopped) early = e.message ?? e.reason;
    return e;
  });
  let tick: NodeJS.Timeout | undefined;
  let began = Date.now();
  try {
    if (req.restart) {
      req.progress?.('restarting the container (traced from its start)');
      await req.restart();
    }
    req.progress?.(`tracing for ${req.seconds}s`);
    began = Date.now();
    const deadline = began + req.seconds * 1000;
    // Until the time is up, the trace ends by itself (the container exited), or it is cancelled.
    await Promise.race([
      endedEarly,
      new Promise<void>((resolve) => {
        tick = setInterval(() => {
          if (Date.now() >= deadline || req.cancelled?.()) resolve();
        }, 100);
      }),
    ]);
  } finally {
    clearInterval(tick);
    stop();
  }
  const end = await endedEarly;
  if (!early && req.cancelled?.()) early = 'cancelled';
  const { names, added, unnamed } = profileNames(seen, mode);
  const seconds = early ? Math.min(req.seconds, Math.round((Date.now() - began) / 100) / 10) : req.seconds;
  return { mode, names, added, unnamed, seen, ended: end, early, seconds };
}
