// SPDX-License-Identifier: GPL-2.0
/* proctree kind: a raw tracepoint for fork (it gives the child task, so
 * the child's container-level PID is read in the kernel), tracepoints for
 * exec (the path the kernel opened) and exit (the whole process only). */
#include "common.h"
#include "proctree.h"

char LICENSE[] SEC("license") = "GPL";

CT_BTF_TYPE(proctree_event);

/* Small events first: exec's filename is only sent when used. */
#define HEAD_SIZE offsetof(struct proctree_event, filename)

SEC("raw_tp/sched_process_fork")
int BPF_PROG(proctree_fork, struct task_struct *parent, struct task_struct *child)
{
	/* New threads are not new processes. */
	if (BPF_CORE_READ(child, tgid) != BPF_CORE_READ(child, pid))
		return 0;
	struct proctree_event e = {};
	if (!ct_in_scope(parent, &e.hdr.ids))
		return 0;
	ct_fill_hdr(&e.hdr, &e.hdr.ids);
	ct_task_ids(child, &e.child);
	e.kind = PROCTREE_FORK;
	ct_parent(parent, &e.hdr.ids, &e.ppid, &e.host_ppid);
	ct_submit(&e, HEAD_SIZE);
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int proctree_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct proctree_event e = {};
	if (!ct_in_scope(task, &e.hdr.ids))
		return 0;
	ct_fill_hdr(&e.hdr, &e.hdr.ids);
	e.kind = PROCTREE_EXEC;
	ct_parent(task, &e.hdr.ids, &e.ppid, &e.host_ppid);
	unsigned int loc = ctx->__data_loc_filename & 0xffff;
	bpf_probe_read_kernel_str(e.filename, sizeof(e.filename), (void *)ctx + loc);
	const char *f = e.filename;
	if (f[0] == '/' && f[1] == 'p' && f[2] == 'r' && f[3] == 'o' && f[4] == 'c' && f[5] == '/')
		bpf_probe_read_user_str(e.argv0, sizeof(e.argv0), (void *)BPF_CORE_READ(task, mm, arg_start));
	ct_submit(&e, sizeof(e));
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int proctree_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0; /* a thread; the process lives on */
	struct proctree_event e = {};
	if (!ct_in_scope(task, &e.hdr.ids))
		return 0;
	ct_fill_hdr(&e.hdr, &e.hdr.ids);
	e.kind = PROCTREE_EXIT;
	ct_parent(task, &e.hdr.ids, &e.ppid, &e.host_ppid);
	e.exit_code = BPF_CORE_READ(task, exit_code);
	e.oom_killed = ct_oom_killed(task, e.exit_code);
	e.lifetime_ns = e.hdr.ts_ns - BPF_CORE_READ(task, group_leader, start_time);
	ct_submit(&e, HEAD_SIZE);
	return 0;
}
