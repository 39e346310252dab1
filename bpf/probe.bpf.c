// SPDX-License-Identifier: GPL-2.0
/* Attach-type probe: one trivial program per attach method. User space loads
 * and attaches each alone to learn what this kernel offers. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/sched/sched_process_exec")
int probe_tracepoint(void *ctx) { return 0; }

SEC("raw_tp/sched_process_exec")
int probe_raw_tp(void *ctx) { return 0; }

SEC("tp_btf/sched_process_exec")
int probe_tp_btf(void *ctx) { return 0; }

SEC("kprobe/do_nanosleep")
int probe_kprobe(void *ctx) { return 0; }

SEC("fentry/do_nanosleep")
int BPF_PROG(probe_fentry) { return 0; }
