/** uprobe: calls per second and the function's latency histogram (the calls themselves are in Events). */
import type { UprobeEvent } from '../../protocol';
import { formatNs, type Panel, type Summary } from '../../webview/panels';
import { Log2Histogram, RateSeries } from '../shared/rates';

export class CallStats implements Summary<UprobeEvent> {
  private readonly rate = new RateSeries();
  private readonly hist = new Log2Histogram();
  private fn = '';
  private calls = 0;
  private max = 0;

  add(events: readonly UprobeEvent[]): void {
    if (!events.length) return;
    this.rate.add(events.length);
    for (const e of events) {
      this.hist.add(e.latencyNs);
      if (e.latencyNs > this.max) this.max = e.latencyNs;
    }
    const last = events[events.length - 1];
    this.fn = `${last.function} in ${last.target}`;
    this.calls = last.calls;
  }

  panels(): Panel[] {
    const h = this.hist;
    return [
      { type: 'chart', id: 'rate', title: `Calls per second${this.fn ? ` · ${this.fn}` : ''} · ${this.calls} calls in all`, unit: 'calls/s', points: this.rate.series() },
      { type: 'histogram', id: 'latency', title: `Latency · p50 ≤ ${formatNs(h.quantile(0.5, this.max))}, p99 ≤ ${formatNs(h.quantile(0.99, this.max))}, max ${formatNs(this.max)}`, buckets: h.buckets() },
    ];
  }
}
