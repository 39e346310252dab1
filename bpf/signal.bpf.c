// SPDX-License-Identifier: GPL-2.0
/* signal kind: raw tracepoints give the target task itself, so its PID at
 * the container's level is read in the kernel even when the sender is
 * outside the container (docker kill) or the target is about to die. */
#include "common.h"
#include "signal.h"

char LICENSE[] SEC("license") = "GPL";

/* Before 5.17 de_thread() marked the group with group_exit_task. */
struct signal_struct___pre517 {
	struct task_struct *group_exit_task;
} __attribute__((preserve_access_index));

#define CT_SIGNAL_GROUP_EXIT 0x00000004 /* include/linux/sched/signal.h */

CT_BTF_TYPE(signal_event);

SEC("raw_tp/signal_generate")
int BPF_PROG(signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *target, int group, int result)
{
	struct task_struct *sender = (struct task_struct *)bpf_get_current_task();
	struct signal_event e = {};
	bool sender_in = ct_in_scope(sender, &e.hdr.ids);
	bool target_in = ct_task_in_scope(target, &e.target);
	if (!sender_in && !target_in)
		return 0;
	if (!sender_in)
		ct_task_ids(sender, &e.hdr.ids); /* still show who sent it */
	e.hdr.ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e.hdr.comm, sizeof(e.hdr.comm));
	e.sig = sig;
	/* SEND_SIG_NOINFO (0) and SEND_SIG_PRIV (1) are markers, not pointers. */
	e.code = (unsigned long)info > 1 ? BPF_CORE_READ(info, si_code) : ((unsigned long)info ? 0x80 : 0);
	e.result = result;
	e.phase = SIGNAL_GENERATED;
	e.sender_in_scope = sender_in;
	/* --stack: the sender's, with the kernel's (a fault, a pipe, a child's exit, the OOM killer). */
	ct_submit_stack(ctx, &e, sizeof(e), true);
	return 0;
}

SEC("raw_tp/signal_deliver")
int BPF_PROG(signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct signal_event e = {};
	if (!ct_in_scope(task, &e.hdr.ids))
		return 0;
	e.hdr.ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e.hdr.comm, sizeof(e.hdr.comm));
	e.target = e.hdr.ids;
	e.sig = sig;
	e.code = info ? BPF_CORE_READ(info, si_code) : SIGNAL_NO_INFO;
	/* get_signal() delivers SIGKILL with no siginfo to every thread of a
	 * group that is exiting or exec'ing: for a fatal signal (complete_signal()
	 * made it the group's exit, group_exit_code = the signal sent; a core dump
	 * adds 0x80), for exit_group() (group_exit_code = status << 8), and for
	 * another thread's exec (de_thread(): group_exec_task set, no group exit).
	 * Say which, and the signal sent when one was. */
	if (sig == 9 && !info) {
		struct signal_struct *ss = BPF_CORE_READ(task, signal);
		unsigned int flags = BPF_CORE_READ(ss, flags);
		int code = BPF_CORE_READ(ss, group_exit_code);
		void *exec_task;
		if (bpf_core_field_exists(ss->group_exec_task))
			exec_task = BPF_CORE_READ(ss, group_exec_task);
		else
			exec_task = BPF_CORE_READ((struct signal_struct___pre517 *)ss, group_exit_task);
		if (flags & CT_SIGNAL_GROUP_EXIT) {
			if (code & 0x7f) {
				e.sig = code & 0x7f;
				e.fatal = SIGNAL_END_FATAL;
			} else {
				e.fatal = SIGNAL_END_EXIT;
			}
		} else if (exec_task) {
			e.fatal = SIGNAL_END_EXEC;
		} else {
			e.fatal = SIGNAL_END_FATAL;
		}
	}
	e.phase = SIGNAL_DELIVERED;
	e.sender_in_scope = 1;
	e.handler = (__u64)BPF_CORE_READ(ka, sa.sa_handler);
	/* --stack: where the receiver was when the signal came (a fault's instruction). */
	ct_submit_stack(ctx, &e, sizeof(e), false);
	return 0;
}
