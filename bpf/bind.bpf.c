// SPDX-License-Identifier: GPL-2.0
/* bind kind: bind(2) with its result. The address is read from the
 * caller's memory at entry, the socket's type and protocol from its file. */
#include "common.h"
#include "bind.h"
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

CT_BTF_TYPE(bind_event);

#define AF_INET 2
#define AF_INET6 10

/* In-flight binds, by the kernel's thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct bind_event);
} pending SEC(".maps");

/* The socket behind `fd` of the current task: its type and protocol. */
static __always_inline void socket_kind(struct task_struct *task, int fd, struct bind_event *e)
{
	if (fd < 0 || fd >= BPF_CORE_READ(task, files, fdt, max_fds))
		return;
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	if (!sock)
		return;
	e->type = BPF_CORE_READ(sock, type);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (sk)
		e->protocol = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
}

SEC("tracepoint/syscalls/sys_enter_bind")
int bind_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct bind_event e = {};
	if (!ct_in_scope(task, &e.hdr.ids))
		return 0;
	ct_fill_hdr(&e.hdr, &e.hdr.ids);
	e.fd = (int)ctx->args[0];
	const void *uaddr = (const void *)ctx->args[1];
	bpf_probe_read_user(&e.family, sizeof(e.family), uaddr);
	if (e.family == AF_INET) {
		struct sockaddr_in in = {};
		bpf_probe_read_user(&in, sizeof(in), uaddr);
		e.port = bpf_ntohs(in.sin_port);
		__builtin_memcpy(e.addr, &in.sin_addr, 4);
	} else if (e.family == AF_INET6) {
		struct sockaddr_in6 in6 = {};
		bpf_probe_read_user(&in6, sizeof(in6), uaddr);
		e.port = bpf_ntohs(in6.sin6_port);
		__builtin_memcpy(e.addr, &in6.sin6_addr, 16);
	}
	socket_kind(task, e.fd, &e);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&pending, &tid, &e, BPF_ANY))
		ct_count(CT_STAT_PENDING_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_bind")
int bind_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct bind_event *e = bpf_map_lookup_elem(&pending, &tid);
	if (!e)
		return 0;
	e->ret = ctx->ret;
	ct_submit_stack(ctx, e, sizeof(*e), false);
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}
