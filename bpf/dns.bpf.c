// SPDX-License-Identifier: GPL-2.0
/* dns kind: DNS queries and answers as the socket syscalls move them
 * (tracepoints: no kprobes needed). Entry decides, for a task in scope,
 * whether the fd is a UDP or TCP socket whose peer port is dns_port (or,
 * unconnected, the destination given); the exit reads the bytes the call
 * really moved (a receive's source address too, when unconnected) and
 * submits one record per iovec or message. Parsing is user space's. */
#include "common.h"
#include "dns.h"
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

CT_BTF_TYPE(dns_event);

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define EAGAIN 11
#define EINTR 4

/* The calls (how their arguments carry the bytes). */
#define DNS_CALL_BUF 1  /* sendto, recvfrom, write, read: a buffer */
#define DNS_CALL_IOV 2  /* writev, readv: an iovec array */
#define DNS_CALL_MSG 3  /* sendmsg, recvmsg: a msghdr */
#define DNS_CALL_MMSG 4 /* sendmmsg, recvmmsg: mmsghdrs */

/* Parts (iovecs, messages) a call's record set covers at most. */
#define DNS_PARTS 4

/* The server's port (the peer's): --port. */
const volatile __u16 dns_port = 53;

/* A call in flight on a DNS socket (in its task's storage: gone with the task). */
struct flight {
	__u64 ts;
	__u64 sock_ino;
	__u64 ptr;      /* buffer, iovec array, msghdr or mmsghdr array (the caller's) */
	__u64 len;      /* buffer length, iovec count, or message count */
	__u64 src;      /* recvfrom: where the source address is written (unconnected) */
	__s32 fd;
	__u16 call;     /* DNS_CALL_* */
	__u8 dir;
	__u8 proto;
	__u16 family;
	__u16 port;     /* 0: unconnected, taken from the address at exit */
	__u8 addr[16];
	struct ct_ids ids;
};


/* A task's own state: whether it is in scope, decided at its first call
 * here (read/write are frequent, and the namespace walk costs more than the
 * lookup; not kept for selector traces, whose namespaces come and go, nor
 * for a task outside a followed scope, which may join it), and its call in
 * flight (ts 0: none), which goes with the task if it dies in the call. */
struct task_state {
	__u32 decided;
	__u32 in;
	struct ct_ids ids;
	struct flight f;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} states SEC(".maps");

static __always_inline bool in_scope(struct task_struct *task, struct task_state *st, struct ct_ids *ids)
{
	if (st && st->decided) {
		*ids = st->ids;
		return st->in;
	}
	bool in = ct_in_scope(task, ids);
	if (targ_multi || (!in && targ_follow))
		return in;
	st = bpf_task_storage_get(&states, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (st) {
		st->decided = 1;
		st->in = in;
		st->ids = *ids;
	}
	return in;
}

/* The record under construction (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_event);
} scratch SEC(".maps");

/* A sockaddr in the caller's memory: its port and address; false when not IPv4/IPv6. */
static __always_inline bool user_sockaddr(const void *ua, __u16 *family, __u16 *port, __u8 *addr)
{
	if (!ua)
		return false;
	struct sockaddr_in6 in6 = {};
	if (bpf_probe_read_user(&in6, sizeof(struct sockaddr_in), ua))
		return false;
	if (in6.sin6_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&in6;
		*family = AF_INET;
		*port = bpf_ntohs(in->sin_port);
		__builtin_memcpy(addr, &in->sin_addr, 4);
		return true;
	}
	if (in6.sin6_family == AF_INET6 && !bpf_probe_read_user(&in6, sizeof(in6), ua)) {
		*family = AF_INET6;
		*port = bpf_ntohs(in6.sin6_port);
		__builtin_memcpy(addr, &in6.sin6_addr, 16);
		return true;
	}
	return false;
}

/* Entry: a task in scope calling on a DNS socket gets a flight. `dest`:
 * sendto's or sendmsg's destination address (the caller's), or 0. */
static __always_inline int on_enter(int fd, __u16 call, __u8 dir, __u64 ptr, __u64 len, const void *dest, __u64 src)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct flight f = {};
	struct task_state *st = bpf_task_storage_get(&states, bpf_get_current_task_btf(), 0, 0);
	if (!in_scope(task, st, &f.ids))
		return 0;
	if (fd < 0 || fd >= BPF_CORE_READ(task, files, fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	struct file *file = NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return 0;
	struct inode *ino = BPF_CORE_READ(file, f_inode);
	if ((BPF_CORE_READ(ino, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	if (!sk)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	__u16 type = BPF_CORE_READ(sock, type);
	__u16 proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	if (type == SOCK_DGRAM && (proto == IPPROTO_UDP || !proto))
		f.proto = IPPROTO_UDP;
	else if (type == SOCK_STREAM && (proto == IPPROTO_TCP || !proto))
		f.proto = IPPROTO_TCP;
	else
		return 0;
	f.family = family;
	f.port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (f.port) {
		if (f.port != dns_port)
			return 0;
		if (family == AF_INET)
			bpf_core_read(f.addr, 4, &sk->__sk_common.skc_daddr);
		else
			bpf_core_read(f.addr, 16, &sk->__sk_common.skc_v6_daddr);
	} else if (f.proto == IPPROTO_TCP) {
		return 0; /* not connected (a listener) */
	} else if (dir == DNS_SEND) {
		/* Unconnected UDP: where this datagram goes. */
		if (!user_sockaddr(dest, &f.family, &f.port, f.addr) || f.port != dns_port)
			return 0;
	} else if (!src) {
		return 0; /* unconnected read: no way to tell who sent it */
	}
	/* (an unconnected receive with a source address: decided at exit) */
	f.ts = bpf_ktime_get_ns();
	f.sock_ino = BPF_CORE_READ(ino, i_ino);
	f.fd = fd;
	f.call = call;
	f.dir = dir;
	f.ptr = ptr;
	f.len = len;
	f.src = src;
	if (!st)
		st = bpf_task_storage_get(&states, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		ct_count(CT_STAT_PENDING_FULL);
		return 0;
	}
	st->f = f;
	return 0;
}

/* One record: `n` bytes moved (or -errno), `avail` of them read from
 * `buf` (the caller's): what moved, or what a failed send was given. */
static __always_inline void emit_bytes(struct dns_event *e, const void *buf, long n, long avail, __u8 part, __u8 flags)
{
	__u32 take = 0;
	if (avail > 0)
		take = avail > DNS_DATA_MAX ? DNS_DATA_MAX : avail;
	e->ret = n;
	e->part = part;
	e->flags = flags | (avail > DNS_DATA_MAX ? DNS_CUT : 0);
	if (take > DNS_DATA_MAX)
		take = DNS_DATA_MAX;
	if (take && (!buf || bpf_probe_read_user(e->data, take, buf)))
		take = 0;
	e->len = take;
	ct_submit(e, offsetof(struct dns_event, data) + take);
}

static __always_inline void emit(struct dns_event *e, const void *buf, long n, __u8 part, __u8 flags)
{
	emit_bytes(e, buf, n, n, part, flags);
}

/* The receive's source address (unconnected UDP): in `e`, and whether it is the DNS port. */
static __always_inline bool from_server(struct dns_event *e, const void *ua)
{
	if (e->port)
		return true;
	return user_sockaddr(ua, &e->family, &e->port, e->addr) && e->port == dns_port;
}

static __always_inline int on_exit(long ret)
{
	struct task_state *st = bpf_task_storage_get(&states, bpf_get_current_task_btf(), 0, 0);
	if (!st || !st->f.ts)
		return 0;
	struct flight f = st->f;
	st->f.ts = 0;
	/* A receive that found nothing yet (non-blocking, interrupted) is no news. */
	if (f.dir == DNS_RECV && (ret == -EAGAIN || ret == -EINTR || ret == 0))
		return 0;
	__u32 zero = 0;
	struct dns_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	e->hdr.ts_ns = f.dir == DNS_SEND ? f.ts : bpf_ktime_get_ns();
	e->hdr.ids = f.ids;
	bpf_get_current_comm(e->hdr.comm, sizeof(e->hdr.comm));
	e->sock_ino = f.sock_ino;
	e->fd = f.fd;
	e->family = f.family;
	e->port = f.port;
	__builtin_memcpy(e->addr, f.addr, 16);
	e->dir = f.dir;
	e->proto = f.proto;
	e->nr = f.call;
	e->pad = 0;

	if (f.call == DNS_CALL_BUF) {
		if (f.dir == DNS_RECV && !from_server(e, (const void *)f.src))
			return 0;
		/* A failed send: the bytes it was asked to send (which query failed). */
		/* A failed send: the bytes it was given (which query failed). */
		emit_bytes(e, (const void *)f.ptr, ret, ret < 0 && f.dir == DNS_SEND ? (long)f.len : ret, 0, 0);
		return 0;
	}
	if (ret < 0) {
		/* The call failed as a whole: one record with its errno. */
		if (f.dir == DNS_RECV && !e->port)
			return 0;
		emit(e, NULL, ret, 0, 0);
		return 0;
	}
	if (f.call == DNS_CALL_MMSG) {
		/* ret messages moved, each with its own length and (unconnected) source. */
		for (int i = 0; i < DNS_PARTS; i++) {
			if (i >= ret || i >= f.len)
				break;
			struct mmsghdr m = {};
			if (bpf_probe_read_user(&m, sizeof(m), (const void *)(f.ptr + i * sizeof(struct mmsghdr))))
				break;
			if (f.dir == DNS_RECV && !f.port) {
				e->port = 0;
				if (!from_server(e, m.msg_hdr.msg_name))
					continue;
			}
			struct iovec iov = {};
			if (m.msg_hdr.msg_iovlen < 1 || bpf_probe_read_user(&iov, sizeof(iov), m.msg_hdr.msg_iov))
				continue;
			long n = m.msg_len;
			__u8 cut = n > (long)iov.iov_len ? DNS_CUT : 0; /* more iovecs than the first: not kept */
			if (n > (long)iov.iov_len)
				n = iov.iov_len;
			emit(e, iov.iov_base, n, i, DNS_MSG | cut);
		}
		return 0;
	}
	/* iovecs (writev/readv, or a msghdr's): ret bytes spread over them in order. */
	__u64 iovp = f.ptr, cnt = f.len;
	if (f.call == DNS_CALL_MSG) {
		struct user_msghdr mh = {};
		if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)f.ptr))
			return 0;
		if (f.dir == DNS_SEND && !f.port && !from_server(e, mh.msg_name))
			return 0;
		if (f.dir == DNS_RECV && !from_server(e, mh.msg_name))
			return 0;
		iovp = (__u64)mh.msg_iov;
		cnt = mh.msg_iovlen;
	}
	long left = ret;
	for (int i = 0; i < DNS_PARTS; i++) {
		if (i >= cnt || left <= 0)
			break;
		struct iovec iov = {};
		if (bpf_probe_read_user(&iov, sizeof(iov), (const void *)(iovp + i * sizeof(struct iovec))))
			break;
		long n = (long)iov.iov_len < left ? (long)iov.iov_len : left;
		left -= n;
		if (n <= 0)
			continue;
		emit(e, iov.iov_base, n, i, left > 0 ? DNS_MORE : 0);
	}
	/* Bytes in iovecs past the last part kept: one record says how many (cut). */
	if (left > 0) {
		e->len = 0;
		e->ret = left;
		e->part = DNS_PARTS;
		e->flags = DNS_CUT;
		ct_submit(e, offsetof(struct dns_event, data));
	}
	return 0;
}

#define ARG(i) (ctx->args[i])

SEC("tracepoint/syscalls/sys_enter_sendto")
int dns_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), DNS_CALL_BUF, DNS_SEND, ARG(1), ARG(2), (const void *)ARG(4), 0);
}

SEC("tracepoint/syscalls/sys_enter_write")
int dns_write(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), DNS_CALL_BUF, DNS_SEND, ARG(1), ARG(2), NULL, 0);
}

SEC("tracepoint/syscalls/sys_enter_writev")
int dns_writev(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), DNS_CALL_IOV, DNS_SEND, ARG(1), ARG(2), NULL, 0);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int dns_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	struct user_msghdr mh = {};
	bpf_probe_read_user(&mh, sizeof(mh), (const void *)ARG(1));
	return on_enter(ARG(0), DNS_CALL_MSG, DNS_SEND, ARG(1), 0, mh.msg_name, 0);
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int dns_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	struct user_msghdr mh = {};
	bpf_probe_read_user(&mh, sizeof(mh), (const void *)ARG(1));
	return on_enter(ARG(0), DNS_CALL_MMSG, DNS_SEND, ARG(1), ARG(2), mh.msg_name, 0);
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int dns_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), DNS_CALL_BUF, DNS_RECV, ARG(1), ARG(2), NULL, ARG(4));
}

SEC("tracepoint/syscalls/sys_enter_read")
int dns_read(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), DNS_CALL_BUF, DNS_RECV, ARG(1), ARG(2), NULL, 0);
}

SEC("tracepoint/syscalls/sys_enter_readv")
int dns_readv(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), DNS_CALL_IOV, DNS_RECV, ARG(1), ARG(2), NULL, 0);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int dns_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	/* (src: non-zero marks that an address may come back, in the msghdr) */
	return on_enter(ARG(0), DNS_CALL_MSG, DNS_RECV, ARG(1), 0, NULL, 1);
}

SEC("tracepoint/syscalls/sys_enter_recvmmsg")
int dns_recvmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), DNS_CALL_MMSG, DNS_RECV, ARG(1), ARG(2), NULL, 1);
}

/* Exits: one program per call (each looks its thread's flight up). */
#define DNS_EXIT(name)                                              \
	SEC("tracepoint/syscalls/sys_exit_" #name)                  \
	int dns_exit_##name(struct trace_event_raw_sys_exit *ctx)    \
	{                                                           \
		return on_exit(ctx->ret);                           \
	}

DNS_EXIT(sendto)
DNS_EXIT(write)
DNS_EXIT(writev)
DNS_EXIT(sendmsg)
DNS_EXIT(sendmmsg)
DNS_EXIT(recvfrom)
DNS_EXIT(read)
DNS_EXIT(readv)
DNS_EXIT(recvmsg)
DNS_EXIT(recvmmsg)

/* Raw tracepoints where the kernel has them (cheaper per call than the
 * syscall tracepoints above: no trace record is built; they run for every
 * syscall and return at once for the others). x86-64 syscall numbers. */
#define NR_read 0
#define NR_write 1
#define NR_readv 19
#define NR_writev 20
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_recvmmsg 299
#define NR_sendmmsg 307

SEC("raw_tp/sys_enter")
int BPF_PROG(dns_enter, struct pt_regs *regs, long id)
{
	if (id != NR_read && id != NR_write && id != NR_readv && id != NR_writev && (id < NR_sendto || id > NR_recvmsg) &&
	    id != NR_recvmmsg && id != NR_sendmmsg)
		return 0;
	/* The user's registers: di, si, dx, r10, r8 carry the arguments. */
	long a0 = BPF_CORE_READ(regs, di), a1 = BPF_CORE_READ(regs, si), a2 = BPF_CORE_READ(regs, dx);
	struct user_msghdr mh = {};
	switch (id) {
	case NR_sendto:
		return on_enter(a0, DNS_CALL_BUF, DNS_SEND, a1, a2, (const void *)BPF_CORE_READ(regs, r8), 0);
	case NR_write:
		return on_enter(a0, DNS_CALL_BUF, DNS_SEND, a1, a2, NULL, 0);
	case NR_writev:
		return on_enter(a0, DNS_CALL_IOV, DNS_SEND, a1, a2, NULL, 0);
	case NR_sendmsg:
		bpf_probe_read_user(&mh, sizeof(mh), (const void *)a1);
		return on_enter(a0, DNS_CALL_MSG, DNS_SEND, a1, 0, mh.msg_name, 0);
	case NR_sendmmsg:
		bpf_probe_read_user(&mh, sizeof(mh), (const void *)a1);
		return on_enter(a0, DNS_CALL_MMSG, DNS_SEND, a1, a2, mh.msg_name, 0);
	case NR_recvfrom:
		return on_enter(a0, DNS_CALL_BUF, DNS_RECV, a1, a2, NULL, BPF_CORE_READ(regs, r8));
	case NR_read:
		return on_enter(a0, DNS_CALL_BUF, DNS_RECV, a1, a2, NULL, 0);
	case NR_readv:
		return on_enter(a0, DNS_CALL_IOV, DNS_RECV, a1, a2, NULL, 0);
	case NR_recvmsg:
		return on_enter(a0, DNS_CALL_MSG, DNS_RECV, a1, 0, NULL, 1);
	case NR_recvmmsg:
		return on_enter(a0, DNS_CALL_MMSG, DNS_RECV, a1, a2, NULL, 1);
	}
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(dns_exit, struct pt_regs *regs, long ret)
{
	long id = BPF_CORE_READ(regs, orig_ax);
	if (id != NR_read && id != NR_write && id != NR_readv && id != NR_writev && (id < NR_sendto || id > NR_recvmsg) &&
	    id != NR_recvmmsg && id != NR_sendmmsg)
		return 0;
	return on_exit(ret);
}
