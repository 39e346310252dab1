// SPDX-License-Identifier: GPL-2.0
/* exit kind: sched_process_exit, per thread, with the exit status and how
 * long the task lived. The whole-process exit has group_dead set. */
#include "common.h"
#include "exit.h"

char LICENSE[] SEC("license") = "GPL";

CT_BTF_TYPE(exit_event);

SEC("tracepoint/sched/sched_process_exit")
int exit_task(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ct_ids ids = {};
	if (!ct_in_scope(task, &ids))
		return 0;
	struct exit_event e = {};
	ct_fill_hdr(&e.hdr, &ids);
	e.lifetime_ns = e.hdr.ts_ns - BPF_CORE_READ(task, start_time);
	e.exit_code = BPF_CORE_READ(task, exit_code);
	/* live was decremented before this tracepoint: 0 means the last thread. */
	e.group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
	e.thread = !e.group_dead;
	ct_parent(task, &ids, &e.ppid, &e.host_ppid);
	ct_submit(&e, sizeof(e));
	return 0;
}
