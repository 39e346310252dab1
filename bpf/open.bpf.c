// SPDX-License-Identifier: GPL-2.0
/* open kind: entry keeps path, flags and mode (user memory is valid then);
 * exit adds the fd or errno and submits. When the ring buffer is more than
 * three quarters full, successful opens give way so that failed ones (the
 * ones people look for) still fit. An event carries its path's own bytes
 * only (with the NUL), not the whole path buffer. */
#include "common.h"
#include "open.h"

char LICENSE[] SEC("license") = "GPL";

CT_BTF_TYPE(open_event);

const volatile bool failed_only = false;

/* An open in flight: the event, and how much of its path to send. */
struct pending_open {
	struct open_event e;
	__u32 path_len; /* bytes of path with its NUL; 0 when unreadable */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pending_open);
} pending SEC(".maps");

static const struct pending_open empty_open = {};

static __always_inline int on_enter(__u32 syscall, int dirfd, const char *path, __u64 flags, __u32 mode)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ct_ids ids = {};
	if (!ct_in_scope(task, &ids))
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&pending, &tid, &empty_open, BPF_ANY)) {
		ct_count(CT_STAT_PENDING_FULL);
		return 0;
	}
	struct pending_open *p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return 0;
	struct open_event *e = &p->e;
	ct_fill_hdr(&e->hdr, &ids);
	e->syscall = syscall;
	e->dirfd = dirfd;
	e->flags = flags;
	e->mode = mode;
	long n = bpf_probe_read_user_str(e->path, sizeof(e->path), path);
	if (n == sizeof(e->path))
		e->eflags |= OPEN_F_PATH_TRUNCATED;
	else if (n < 0)
		e->eflags |= OPEN_F_PATH_UNREADABLE;
	p->path_len = n > 0 ? n : 0;
	return 0;
}

static __always_inline int on_exit(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_open *p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return 0;
	struct open_event *e = &p->e;
	e->ret = ret;
	if (ret >= 0 && failed_only)
		goto out;
	/* Keep the last quarter of the buffer for failures. */
	if (ret >= 0 && bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 4 * 3) {
		ct_count(CT_STAT_RB_FULL);
		goto out;
	}
	/* Only the path's own bytes: most paths are far shorter than the buffer. */
	__u32 len = p->path_len;
	if (len > OPEN_PATH_LEN)
		len = OPEN_PATH_LEN;
	/* --stack: the caller's stack (the same at the syscall's exit as at its entry). */
	ct_submit_stack(ctx, e, offsetof(struct open_event, path) + len, false);
out:
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int open_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(1, (int)ctx->args[0], (const char *)ctx->args[1], ctx->args[2], ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int open_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int open_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};
	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return on_enter(2, (int)ctx->args[0], (const char *)ctx->args[1], how.flags, how.mode);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int open_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx, ctx->ret);
}

/* open(2) exists on x86_64 but not on every architecture: user space skips
 * these two where the tracepoint is missing. */
SEC("tracepoint/syscalls/sys_enter_open")
int open_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(0, -100, (const char *)ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_open")
int open_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx, ctx->ret);
}
