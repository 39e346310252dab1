/** dns: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/dns.bpf.c, bpf/dns.h. */
import { defineRootKind } from '../root-part';
import { DNS_LAYOUT } from './decode';

export default defineRootKind({
  name: 'dns',
  object: 'dns.bpf.o',
  layout: DNS_LAYOUT,
  needs: ['tracepoint'],
  // The name servers' port (--port): sockets whose peer has it are the ones read.
  knobs: (params) => ({ dns_port: params.options?.dnsPort ?? 53 }),
  mapBytes: 4096 * 160,
});
