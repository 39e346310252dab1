// SPDX-License-Identifier: GPL-2.0
/* The benchmark's floor: the least an exec tracer filtered to one PID
 * namespace can do (one tracepoint, one helper call, a ring buffer). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct cfg {
	__u64 dev;
	__u64 ino;
};
const volatile struct cfg cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int floor_exec(void *ctx)
{
	struct bpf_pidns_info ns;
	if (bpf_get_ns_current_pid_tgid(cfg.dev, cfg.ino, &ns, sizeof(ns)))
		return 0;
	bpf_ringbuf_output(&events, &ns, sizeof(ns), 0);
	return 0;
}
