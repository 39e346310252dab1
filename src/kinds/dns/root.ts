/** dns: the root part, what the helper loads and attaches (the client part: ./client). BPF: bpf/dns.bpf.c, bpf/dns.h. */
import { defineRootKind } from '../root-part';
import { DNS_LAYOUT } from './decode';

export default defineRootKind({
  name: 'dns',
  object: 'dns.bpf.o',
  layout: DNS_LAYOUT,
  needs: [],
  // One pair on every syscall where raw tracepoints exist (cheaper per call);
  // else a program on each call's own tracepoints.
  variants: [
    { type: 'raw_tp', programs: ['dns_enter', 'dns_exit'] },
    {
      type: 'tracepoint',
      programs: [
        'dns_sendto', 'dns_write', 'dns_writev', 'dns_sendmsg', 'dns_sendmmsg', 'dns_recvfrom', 'dns_read', 'dns_readv', 'dns_recvmsg', 'dns_recvmmsg',
        'dns_exit_sendto', 'dns_exit_write', 'dns_exit_writev', 'dns_exit_sendmsg', 'dns_exit_sendmmsg', 'dns_exit_recvfrom', 'dns_exit_read', 'dns_exit_readv', 'dns_exit_recvmsg', 'dns_exit_recvmmsg',
      ],
    },
  ],
  // The name servers' port (--port): sockets whose peer has it are the ones read.
  knobs: (params) => ({ dns_port: params.options?.dnsPort ?? 53 }),
  // Per-CPU record scratch; task storage grows with the tasks that call here (not preallocated).
  mapBytes: 64 * 1024,
});
