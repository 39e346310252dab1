// SPDX-License-Identifier: GPL-2.0
/* tcp kind: sock:inet_sock_set_state (a tracepoint: works without kprobes).
 * State changes also happen in softirq context, where the current task is
 * unrelated; so a socket is kept in scope by its network namespace (the
 * container's own) or by its owner, recorded when an in-scope task touched
 * it in process context. */
#include "common.h"
#include "tcp.h"

char LICENSE[] SEC("license") = "GPL";

CT_BTF_TYPE(tcp_event);

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

/* Inode of the container's network namespace; 0 when it shares the host's
 * (then only the owner decides). */
const volatile __u32 targ_netns_ino = 0;

struct owner {
	struct ct_hdr hdr;
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct owner);
} socks SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int tcp_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	struct sock *sk = (struct sock *)ctx->skaddr;
	__u64 key = (__u64)sk;
	bool in_netns = targ_netns_ino && BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) == targ_netns_ino;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct tcp_event e = {};
	/* Only these changes are made by the socket's own process (connect,
	 * listen, close); the others run in softirq, in whatever task is there
	 * (on loopback: the peer), so they take the recorded owner. */
	int ns = ctx->newstate, os = ctx->oldstate;
	bool process_context = ns == BPF_TCP_SYN_SENT || ns == BPF_TCP_LISTEN || ns == BPF_TCP_FIN_WAIT1 ||
			       ns == BPF_TCP_LAST_ACK ||
			       (ns == BPF_TCP_CLOSE && (os == BPF_TCP_LISTEN || os == BPF_TCP_SYN_SENT || os == BPF_TCP_CLOSE));
	bool by_task = process_context && ct_in_scope(task, &e.hdr.ids);
	struct owner *own = bpf_map_lookup_elem(&socks, &key);
	bool whole_container = !targ_tgid && !targ_tid;
	if (!by_task && !own && !(whole_container && in_netns))
		return 0;

	__u64 now = bpf_ktime_get_ns();
	/* The runtime's mark (CT_TS_RUNTIME) is the task's that made the change,
	 * or the owner's (kept in its header's ts_ns), never the task a softirq
	 * interrupted. */
	__u64 runtime = 0;
	if (by_task) {
		e.attributed = TCP_BY_TASK;
		bpf_get_current_comm(e.hdr.comm, sizeof(e.hdr.comm));
		runtime = ct_task_is_runtime(task) ? CT_TS_RUNTIME : 0;
		if (!own) {
			struct owner o = { .hdr = e.hdr, .start_ns = now };
			o.hdr.ts_ns = runtime;
			bpf_map_update_elem(&socks, &key, &o, BPF_ANY);
			own = bpf_map_lookup_elem(&socks, &key);
		} else if (!own->hdr.ids.tid) {
			own->hdr = e.hdr; /* a passive socket meets its process */
			own->hdr.ts_ns = runtime;
		}
	} else if (own) {
		e.attributed = TCP_BY_OWNER;
		e.hdr.ids = own->hdr.ids;
		__builtin_memcpy(e.hdr.comm, own->hdr.comm, sizeof(e.hdr.comm));
		runtime = own->hdr.ts_ns & CT_TS_RUNTIME;
	} else {
		/* In the container's netns, no process known yet (a passive open in
		 * softirq): remember the start, name the process later. */
		struct owner o = { .start_ns = now };
		bpf_map_update_elem(&socks, &key, &o, BPF_ANY);
		own = bpf_map_lookup_elem(&socks, &key);
	}
	e.hdr.ts_ns = now | runtime;
	if (own)
		e.duration_ns = now - own->start_ns;
	e.family = ctx->family;
	e.sport = ctx->sport;
	e.dport = ctx->dport;
	e.oldstate = ctx->oldstate;
	e.newstate = ctx->newstate;
	/* Arrays in the context: the verifier allows only fixed-offset loads. */
	if (e.family == AF_INET) {
		bpf_probe_read_kernel(e.saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(e.daddr, 4, ctx->daddr);
	} else {
		bpf_probe_read_kernel(e.saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(e.daddr, 16, ctx->daddr_v6);
	}
	if (e.newstate == BPF_TCP_CLOSE) {
		struct tcp_sock *tp = (struct tcp_sock *)sk;
		e.bytes_received = BPF_CORE_READ(tp, bytes_received);
		if (bpf_core_field_exists(tp->bytes_sent))
			e.bytes_sent = BPF_CORE_READ(tp, bytes_sent);
		else
			e.bytes_sent = BPF_CORE_READ(tp, bytes_acked);
		bpf_map_delete_elem(&socks, &key);
	}
	/* --stack: the code that connected, listened or closed (process
	 * context only: a softirq's stack is the interrupted task's). */
	if (by_task) {
		ct_submit_stack(ctx, &e, sizeof(e), false);
		return 0;
	}
	if (bpf_ringbuf_output(&events, &e, sizeof(e), BPF_RB_NO_WAKEUP))
		ct_count(CT_STAT_RB_FULL);
	return 0;
}
