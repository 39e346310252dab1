/** Small aggregates the live summaries share: a per-second rate series and a log2 latency histogram. */

/** Events per second since the trace began, one point a second (bounded: the newest hour). */
export class RateSeries {
  private readonly started = Date.now();
  private readonly points: [number, number][] = [];

  /** `n` events now (or `atSec` seconds since the start). */
  add(n: number, atSec = Math.floor((Date.now() - this.started) / 1000)): void {
    const last = this.points[this.points.length - 1];
    if (last && last[0] === atSec) last[1] += n;
    else {
      // Seconds with nothing are zeros, not gaps.
      for (let s = last ? last[0] + 1 : 0; s < atSec; s++) this.points.push([s, 0]);
      this.points.push([atSec, n]);
      if (this.points.length > 3600) this.points.splice(0, this.points.length - 3600);
    }
  }

  /** Points up to now; the running second is left out (it is not whole yet). */
  series(): [number, number][] {
    const now = Math.floor((Date.now() - this.started) / 1000);
    this.add(0, now);
    return this.points.slice(0, -1).map(([t, v]) => [t, v]);
  }
}

/** Latencies in log2 buckets: [upper bound ns, count] like the syscalls histogram. */
export class Log2Histogram {
  private readonly counts = new Array<number>(64).fill(0);
  total = 0;

  add(ns: number): void {
    const slot = ns <= 1 ? 0 : Math.min(63, Math.floor(Math.log2(ns)));
    this.counts[slot]++;
    this.total++;
  }

  /** Merge buckets given as [upper bound, count]. */
  merge(buckets: [number, number][]): void {
    for (const [upper, n] of buckets) {
      const slot = Math.max(0, Math.min(63, Math.round(Math.log2(upper)) - 1));
      this.counts[slot] += n;
      this.total += n;
    }
  }

  buckets(): [number, number][] {
    const out: [number, number][] = [];
    this.counts.forEach((n, i) => n && out.push([2 ** (i + 1), n]));
    return out;
  }

  /**
   * An upper bound of quantile q: the upper bound of the bucket holding it,
   * never above `max` (the largest value seen, when known): a bucket's bound
   * is not a value anything took. Shown as "≤".
   */
  quantile(q: number, max = Infinity): number {
    let seen = 0;
    for (let i = 0; i < 64; i++) {
      seen += this.counts[i];
      if (seen >= q * this.total && this.total) return Math.min(2 ** (i + 1), max);
    }
    return 0;
  }
}
