// SPDX-License-Identifier: GPL-2.0
/* exec kind: execve/execveat inside the target scope, failed ones too.
 * Entry captures filename and argv (the process image is replaced after);
 * exit adds the result and submits. */
#include "common.h"
#include "exec.h"

char LICENSE[] SEC("license") = "GPL";

/* Execs in flight, keyed by host tid: between an exec's entry and its return.
 * Preallocated (a hash map in a tracing program must be), a whole event
 * each: 1024 of them are 2.4 MB, made at every trace's load (4096 took
 * 2.5 ms of a later trace's 20). More execs in flight at once than this
 * are counted (pendingFull), not reported. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct exec_event);
} pending SEC(".maps");

static const struct exec_event empty_event = {};

struct args_ctx {
	struct exec_event *e;
	const char *const *argv;
};

/* Copy argv[i] after the previous ones; non-zero stops the loop. The offset
 * lives in the map value, not on the stack: the verifier does not track map
 * values, so every iteration looks the same to it and the callback is
 * verified in a few hundred instructions instead of ~15,000 (load time). */
static long read_arg(__u64 i, void *data)
{
	struct args_ctx *c = data;
	const char *arg = NULL;
	if (i >= EXEC_MAX_ARGS || bpf_probe_read_user(&arg, sizeof(arg), &c->argv[i]) || !arg)
		return 1;
	__u32 off = c->e->args_size;
	if (off > EXEC_ARGS_LEN - EXEC_ARG_LEN) {
		c->e->flags |= EXEC_F_ARGS_TRUNCATED;
		return 1;
	}
	long n = bpf_probe_read_user_str(&c->e->args[off], EXEC_ARG_LEN, arg);
	if (n <= 0)
		return 1;
	if (n == EXEC_ARG_LEN)
		c->e->flags |= EXEC_F_ARGS_TRUNCATED;
	c->e->args_size = off + n;
	c->e->args_count++;
	return 0;
}

static __always_inline int on_enter(void *ctx, const char *filename, const char *const *argv)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ct_ids ids = {};
	if (!ct_in_scope(task, &ids))
		return 0;

	/* In-flight maps are keyed by the kernel's own tid (both ends see it). */
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&pending, &tid, &empty_event, BPF_NOEXIST)) {
		ct_count(CT_STAT_PENDING_FULL);
		return 0;
	}
	struct exec_event *e = bpf_map_lookup_elem(&pending, &tid);
	if (!e)
		return 0;

	e->hdr.ts_ns = bpf_ktime_get_ns();
	/* --stack: the caller's, before its image is replaced. */
	ct_stack_stash(ctx, tid, false);
	__u64 uid_gid = bpf_get_current_uid_gid();
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;

	long n = bpf_probe_read_user_str(e->filename, sizeof(e->filename), filename);
	if (n == sizeof(e->filename))
		e->flags |= EXEC_F_FILENAME_TRUNCATED;

	/* argv: NUL-separated, each argument and the whole bounded. bpf_loop
	 * (5.17+) verifies the body once; older kernels get the plain loop. */
	struct args_ctx c = { .e = e, .argv = argv };
	long done;
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop)) {
		done = bpf_loop(EXEC_MAX_ARGS, read_arg, &c, 0);
	} else {
		for (done = 0; done < EXEC_MAX_ARGS; done++)
			if (read_arg(done, &c))
				break;
	}
	if (done == EXEC_MAX_ARGS) {
		const char *more = NULL;
		bpf_probe_read_user(&more, sizeof(more), &argv[EXEC_MAX_ARGS]);
		if (more)
			e->flags |= EXEC_F_ARGS_TRUNCATED;
	}
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct exec_event *e = bpf_map_lookup_elem(&pending, &tid);
	if (!e)
		return 0;

	/* PIDs and comm after the exec; the parent may have changed too. */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	ct_task_ids(task, &e->hdr.ids);
	if (targ_multi && !e->hdr.ids.tid) {
		/* Its container left the selector's scope during the exec (or was
		 * found not to be one it covers): not reported. */
		bpf_map_delete_elem(&pending, &tid);
		bpf_map_delete_elem(&ct_stash, &(__u64){ tid });
		return 0;
	}
	ct_parent(task, &e->hdr.ids, &e->ppid, &e->host_ppid);
	e->ret = ret;
	bpf_get_current_comm(e->hdr.comm, sizeof(e->hdr.comm));

	__u32 size = e->args_size;
	if (size > EXEC_ARGS_LEN)
		size = EXEC_ARGS_LEN;
	/* The stack is of the image before, a copy of the parent's (fork) or the
	 * parent's own (vfork): user space reads the parent's maps for it. */
	if (ct_stack_flags && ret == 0) {
		__u64 key = tid;
		struct ct_stack *s = bpf_map_lookup_elem(&ct_stash, &key);
		if (s)
			s->maps_pid = e->host_ppid;
	}
	ct_submit_stashed(e, offsetof(struct exec_event, args) + size, tid);
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int exec_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx, (const char *)ctx->args[0], (const char *const *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int exec_enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx, (const char *)ctx->args[1], (const char *const *)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int exec_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int exec_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

/* A non-leader thread that execs takes over the tgid as its tid: move the
 * in-flight entry from the old tid to the new one. */
SEC("tracepoint/sched/sched_process_exec")
int exec_moved(struct trace_event_raw_sched_process_exec *ctx)
{
	__u32 old_tid = ctx->old_pid, new_tid = ctx->pid;
	if (old_tid == new_tid)
		return 0;
	struct exec_event *e = bpf_map_lookup_elem(&pending, &old_tid);
	if (!e)
		return 0;
	bpf_map_update_elem(&pending, &new_tid, e, BPF_ANY);
	bpf_map_delete_elem(&pending, &old_tid);
	__u64 old_key = old_tid, new_key = new_tid;
	struct ct_stack *s = bpf_map_lookup_elem(&ct_stash, &old_key);
	if (s) {
		bpf_map_update_elem(&ct_stash, &new_key, s, BPF_ANY);
		bpf_map_delete_elem(&ct_stash, &old_key);
	}
	return 0;
}
