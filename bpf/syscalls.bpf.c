// SPDX-License-Identifier: GPL-2.0
/* syscalls gadget: raw sys_enter/sys_exit (every syscall, one program each),
 * filtered by scope at entry; exit updates the aggregate in place. No event
 * per syscall ever reaches user space. */
#include "common.h"
#include "syscalls.h"

char LICENSE[] SEC("license") = "GPL";

struct start {
	__u64 ts;
	__u64 nr;
};

/* Syscalls in flight by host tid (LRU: exit_group never returns). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct syscalls_key);
	__type(value, struct syscalls_stats);
} syscalls SEC(".maps");

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r < SYSCALLS_HIST_SLOTS ? r : SYSCALLS_HIST_SLOTS - 1;
}

static __always_inline int on_enter(long id)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ct_ids ids = {};
	if (!ct_in_scope(task, &ids))
		return 0;
	struct start s = { .ts = bpf_ktime_get_ns(), .nr = id };
	bpf_map_update_elem(&starts, &ids.host_tid, &s, BPF_ANY);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid, tid;
	ct_self(task, &tgid, &tid); /* the numbering on_enter stored it by */
	struct start *s = bpf_map_lookup_elem(&starts, &tid);
	if (!s)
		return 0;
	__u64 lat = bpf_ktime_get_ns() - s->ts;
	struct syscalls_key key = { .host_pid = tgid, .nr = s->nr };
	bpf_map_delete_elem(&starts, &tid);

	struct syscalls_stats *v = bpf_map_lookup_elem(&syscalls, &key);
	if (!v) {
		struct syscalls_stats init = {};
		struct ct_ids ids;
		ct_task_ids(task, &ids);
		init.pid = ids.pid;
		bpf_get_current_comm(init.comm, sizeof(init.comm));
		if (bpf_map_update_elem(&syscalls, &key, &init, BPF_NOEXIST) == -E2BIG) {
			ct_count(CT_STAT_PENDING_FULL);
			return 0;
		}
		v = bpf_map_lookup_elem(&syscalls, &key);
		if (!v)
			return 0;
	}
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->total_ns, lat);
	if (lat > v->max_ns)
		v->max_ns = lat; /* racy across CPUs; a maximum, not an exact one */
	if (ret < 0)
		__sync_fetch_and_add(&v->errors, 1);
	__u32 slot = log2_slot(lat);
	__sync_fetch_and_add(&v->hist[slot & (SYSCALLS_HIST_SLOTS - 1)], 1);
	return 0;
}

/* Raw tracepoints where the kernel has them (cheaper); plain tracepoints
 * otherwise. User space loads one pair. */
SEC("raw_tp/sys_enter")
int BPF_PROG(syscalls_enter, struct pt_regs *regs, long id)
{
	return on_enter(id);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(syscalls_exit, struct pt_regs *regs, long ret)
{
	return on_exit(ret);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int syscalls_enter_tp(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx->id);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syscalls_exit_tp(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}
