/** dns: queries and their answers (name, type, rcode, answers, latency, server). The client part (the root part: ./root). BPF: bpf/dns.bpf.c, bpf/dns.h. */
import type { DnsEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { wholeNumberOption } from '../shared/options';
import { DnsExchanges } from './exchanges';
import { DnsNames } from './summary';

/** `1.2 ms`, `850 µs`, `5 s`. */
export function latencyText(ns: number): string {
  if (ns >= 1e9) return `${+(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toFixed(1)} ms`;
  return `${Math.round(ns / 1e3)} µs`;
}

function outcome(e: DnsEvent): string {
  if (e.rcode === 'TIMEOUT') return e.unanswered === 'trace ended' ? 'no answer before the trace ended' : e.unanswered === 'resent' ? 'no answer, sent again' : 'no answer';
  if (e.rcode === 'ERROR') return e.error ?? 'error';
  return e.answers.length ? e.answers.join(', ') : 'no answers';
}

export default defineClientKind<DnsEvent>({
  name: 'dns',
  pairer: (options) => new DnsExchanges(options.dnsTimeoutMs),
  what: 'DNS lookups: name, type, answers or NXDOMAIN/SERVFAIL/timeouts, latency, server, UDP or TCP',
  icon: 'globe',
  options: [
    wholeNumberOption('dnsPort', 'port', 1, 65535, "the name servers' port (default 53)"),
    {
      key: 'dnsTimeoutMs',
      flag: 'timeout',
      arg: 's',
      help: 'seconds a query waits for its answer before it is reported as TIMEOUT (0.1 to 600, default 5)',
      check: (v) => (Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 600_000 ? undefined : 'dnsTimeoutMs must be 100 to 600000 milliseconds'),
      fromFlag: (text) => {
        const s = Number(text);
        if (typeof text !== 'string' || !Number.isFinite(s) || s < 0.1 || s > 600) throw new Error(`--timeout must be 0.1 to 600 seconds, not "${String(text)}"`);
        return Math.round(s * 1000);
      },
      toFlag: (v) => String((v as number) / 1000),
    },
  ],
  summary: () => new DnsNames(),
  text: (e) =>
    `${e.qtype} ${e.name} → ${outcome(e)} (${e.rcode === 'TIMEOUT' || e.rcode === 'ERROR' ? '' : `${e.rcode}, `}${e.latencyNs === null ? 'query not seen' : latencyText(e.latencyNs)}, ${e.server} ${e.protocol}${e.tc ? ', truncated (TC)' : ''}${e.cut ? ', message cut' : ''})`,
  errno: (e) => e.error,
  failed: (e) => e.rcode !== 'NOERROR',
});
