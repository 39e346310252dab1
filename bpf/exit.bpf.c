// SPDX-License-Identifier: GPL-2.0
/* exit kind: sched_process_exit, per thread, with the exit status and how
 * long the task lived. The whole-process exit has group_dead set. */
#include "common.h"
#include "exit.h"

char LICENSE[] SEC("license") = "GPL";

CT_BTF_TYPE(exit_event);

/* --stack keys: a thread by its tid, its process by the tgid with bit 32. */
static __always_inline __u64 group_key(__u32 tgid)
{
	return (1ULL << 32) | tgid;
}

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
	e.oom_killed = ct_oom_killed(task, e.exit_code);
	/* live was decremented before this tracepoint: 0 means the last thread. */
	e.group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
	e.thread = !e.group_dead;
	ct_parent(task, &ids, &e.ppid, &e.host_ppid);
	/* --stack: where the process called exit_group() or met its fatal signal;
	 * a thread, where it called exit(). Taken then: the memory is gone now. */
	__u64 key = e.group_dead ? group_key(ids.host_pid) : ids.host_tid;
	if (ct_stack_flags && BPF_CORE_READ(task, mm)) {
		/* Kernels that call this before the memory goes (6.16+): the same
		 * task's stack is taken again here, where the kernel can resolve
		 * build IDs (not where a signal is delivered, with interrupts off). */
		struct ct_stack *s = bpf_map_lookup_elem(&ct_stash, &key);
		if (!s || s->tid == (__u32)bpf_get_current_pid_tgid()) {
			if (s)
				bpf_map_delete_elem(&ct_stash, &key);
			ct_submit_stack(ctx, &e, sizeof(e), false);
			return 0;
		}
	}
	ct_submit_stashed(&e, sizeof(e), key);
	return 0;
}

static __always_inline int stash_here(void *ctx, bool group)
{
	if (!ct_stack_flags)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ct_ids ids = {};
	if (!ct_in_scope(task, &ids))
		return 0;
	ct_stack_stash(ctx, group ? group_key(ids.host_pid) : ids.host_tid, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_exit_group")
int exit_enter_group(struct trace_event_raw_sys_enter *ctx)
{
	return stash_here(ctx, true);
}

SEC("tracepoint/syscalls/sys_enter_exit")
int exit_enter_thread(struct trace_event_raw_sys_enter *ctx)
{
	return stash_here(ctx, false);
}

/* Signals whose default action is not to end the process: ignore (SIGCHLD,
 * SIGURG, SIGWINCH, SIGCONT) or stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU). */
#define NOT_FATAL ((1U << 17) | (1U << 18) | (1U << 19) | (1U << 20) | (1U << 21) | (1U << 22) | (1U << 23) | (1U << 28))

/* A signal delivered to its default, fatal action: where the process was
 * (a fault's instruction). Not the SIGKILL the kernel gives each thread of
 * a group already exiting (no siginfo): that one says nothing new. */
SEC("raw_tp/signal_deliver")
int BPF_PROG(exit_fatal_signal, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	if (!ct_stack_flags || (sig == 9 && !info) || sig <= 0 || sig > 64)
		return 0;
	if (sig < 32 && ((1U << sig) & NOT_FATAL))
		return 0;
	if (BPF_CORE_READ(ka, sa.sa_handler) != 0 /* SIG_DFL */)
		return 0;
	return stash_here(ctx, true);
}
