/**
 * Deadlines for every runtime call. A runtime socket may be served by anyone
 * who can write its path (a user's rootless Podman, a container's own
 * docker.sock): it can accept and never answer. No call to it may hold a
 * listing, a trace start or a selector's re-match longer than its deadline,
 * and once it has missed one, nobody waits for it again until it answers.
 */
import { RuntimeError } from './types';

/** One API call: a Docker API request, a gRPC unary call, the headers of an event stream. */
export const CALL_DEADLINE_MS = 5000;
/** The podman CLI: a process that may first set up its user's storage. */
export const CLI_DEADLINE_MS = 10_000;
/** A whole listing of one runtime (a list, then an inspect or a status per container). */
export const LIST_DEADLINE_MS = 10_000;

/** A runtime that did not answer in time: shown as that runtime being unreachable. */
export class RuntimeTimeoutError extends RuntimeError {}

/** "5 s", "0.05 s". */
export function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

export function timeoutError(what: string, ms: number): RuntimeTimeoutError {
  return new RuntimeTimeoutError(`${what} did not answer within ${seconds(ms)}`);
}

/**
 * `run(signal)` within `ms`: its result, or a RuntimeTimeoutError naming
 * `what` once `ms` has passed, and then `signal` is aborted so that the call
 * lets go of its connection.
 */
export function withDeadline<T>(what: string, ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(timeoutError(what, ms));
      abort.abort();
    }, ms);
    let started: Promise<T>;
    try {
      started = run(abort.signal);
    } catch (err) {
      clearTimeout(timer);
      return reject(err);
    }
    started.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

interface Missed {
  /** What it said when it missed its deadline. */
  error: string;
  /** The one call in the background that may find it answering again. */
  retry?: Promise<unknown>;
}

/**
 * Calls to runtime endpoints that remember a missed deadline, by endpoint.
 * After one, a caller gets that runtime's timeout at once, and one call at
 * a time goes on in the background (bounded by the same deadline); when one
 * of those answers, callers wait for the endpoint again. So an endpoint that
 * never answers costs one deadline, not one per listing or re-match.
 */
export class Patience {
  private readonly missed = new Map<string, Missed>();

  run<T>(key: string, what: string, ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const missed = this.missed.get(key);
    if (!missed) return this.watch(key, withDeadline(what, ms, call));
    if (!missed.retry) {
      missed.retry = this.watch(key, withDeadline(what, ms, call))
        .catch(() => undefined)
        .finally(() => (missed.retry = undefined));
    }
    return Promise.reject(new RuntimeTimeoutError(`${missed.error}; not waited for until it answers again`));
  }

  private watch<T>(key: string, call: Promise<T>): Promise<T> {
    return call.then(
      (v) => {
        this.missed.delete(key);
        return v;
      },
      (err) => {
        if (err instanceof RuntimeTimeoutError) {
          const prior = this.missed.get(key);
          if (prior) prior.error = err.message;
          else this.missed.set(key, { error: err.message });
        } else this.missed.delete(key); // it answered, if only with an error
        throw err;
      },
    );
  }
}

/** One per process: every listing and lookup shares what each endpoint has shown. */
export const patience = new Patience();
