// SPDX-License-Identifier: GPL-2.0
/* uprobe kind: user space attaches these two programs to the function's
 * file offset in the container's copy of the binary. Uprobes are keyed by
 * inode, so they fire in every process mapping that file (other containers
 * sharing the image layer too): the scope filter below keeps ours. */
#include "common.h"
#include "uprobe.h"

char LICENSE[] SEC("license") = "GPL";

CT_BTF_TYPE(uprobe_event);

/* libbpf before 1.3 stops at the fifth argument; x86-64 passes the sixth in r9. */
#ifndef PT_REGS_PARM6
#define PT_REGS_PARM6(x) (((const struct pt_regs *)(x))->r9)
#endif

struct entry {
	__u64 ts;
	__u64 args[UPROBE_ARGS];
};

/* Calls in flight by host tid (LRU: some never return, e.g. exit). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct entry);
} entries SEC(".maps");

/* One counter, incremented atomically: exact even when events are dropped. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

SEC("uprobe")
int BPF_KPROBE(uprobe_entry)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ct_ids ids = {};
	if (!ct_in_scope(task, &ids))
		return 0;
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&calls, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	struct entry en = {
		.ts = bpf_ktime_get_ns(),
		.args = { PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx),
			  PT_REGS_PARM4(ctx), PT_REGS_PARM5(ctx), PT_REGS_PARM6(ctx) },
	};
	__u32 tid = (__u32)bpf_get_current_pid_tgid(); /* the kernel's tid, as the return probe reads it */
	bpf_map_update_elem(&entries, &tid, &en, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uprobe_return, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct entry *en = bpf_map_lookup_elem(&entries, &tid);
	if (!en)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct uprobe_event e = {};
	ct_task_ids(task, &e.hdr.ids);
	ct_fill_hdr(&e.hdr, &e.hdr.ids);
	e.latency_ns = e.hdr.ts_ns - en->ts;
	__builtin_memcpy(e.args, en->args, sizeof(e.args));
	e.ret = ret;
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&calls, &zero);
	if (n)
		e.calls = *n;
	bpf_map_delete_elem(&entries, &tid);
	ct_submit(&e, sizeof(e));
	return 0;
}
