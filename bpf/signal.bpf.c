// SPDX-License-Identifier: GPL-2.0
/* signal kind: raw tracepoints give the target task itself, so its PID at
 * the container's level is read in the kernel even when the sender is
 * outside the container (docker kill) or the target is about to die. */
#include "common.h"
#include "signal.h"

char LICENSE[] SEC("license") = "GPL";

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
	ct_submit(&e, sizeof(e));
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
	/* A fatal signal is made the group's exit in complete_signal()
	 * (group_exit_code = the signal sent), and get_signal() then delivers
	 * SIGKILL with no siginfo to every thread: show the signal sent. */
	if (sig == 9 && !info) {
		int sent = BPF_CORE_READ(task, signal, group_exit_code);
		if (sent > 0 && sent < 65)
			e.sig = sent;
		e.fatal = 1;
	}
	e.phase = SIGNAL_DELIVERED;
	e.sender_in_scope = 1;
	e.handler = (__u64)BPF_CORE_READ(ka, sa.sa_handler);
	ct_submit(&e, sizeof(e));
	return 0;
}
