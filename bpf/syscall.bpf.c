// SPDX-License-Identifier: GPL-2.0
/* syscall kind: every syscall of the scope (or those the filter names), as
 * strace shows them. Entry keeps the number, the six arguments and the
 * strings and buffers the call takes (read now: the caller may change them
 * once it runs again), in the task's own storage; exit adds the result, the
 * duration and what the call filled in (read, recvfrom, stat), and submits
 * one record. Which argument is a string or buffer is bpf/syscall_table.h,
 * by syscall number. */
#include "common.h"
#include "syscall.h"
#include "syscall_table.h"

char LICENSE[] SEC("license") = "GPL";

CT_BTF_TYPE(syscall_event);

/* The syscalls to trace (--class, --syscall): bit nr of the 512-bit mask,
 * eight words; all when sc_filter is unset. */
const volatile bool sc_filter = false;
const volatile __u64 sc_mask_0 = 0;
const volatile __u64 sc_mask_1 = 0;
const volatile __u64 sc_mask_2 = 0;
const volatile __u64 sc_mask_3 = 0;
const volatile __u64 sc_mask_4 = 0;
const volatile __u64 sc_mask_5 = 0;
const volatile __u64 sc_mask_6 = 0;
const volatile __u64 sc_mask_7 = 0;

#define SC_EXIT 60
#define SC_EXIT_GROUP 231
#define SC_STAT_BYTES 56 /* struct stat up to st_size (x86_64: st_mode at 24, st_size at 48) */
#define SC_ARGV_MAX 16   /* strings of an argv read at most */

/* Whether a task is in the scope, decided at its first syscall (a task
 * keeps its PID namespace) and kept in its own storage: small, since every
 * task on the host that makes a syscall gets one. */
struct sc_scope {
	struct ct_ids ids;
	__u8 in_scope;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sc_scope);
} sc_scopes SEC(".maps");

/* A task's syscall in flight, in its own storage (tasks in the scope only):
 * no hash insert and delete per call. */
struct sc_task {
	struct syscall_event e;
	__u32 used;     /* bytes of e.buf taken */
	__u8 active;    /* a call of the filter is in flight */
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sc_task);
} sc_tasks SEC(".maps");

static __always_inline bool sc_wanted(__u32 nr)
{
	if (!sc_filter)
		return true;
	if (nr >= SC_NR_MAX)
		return false;
	__u64 m;
	switch (nr >> 6) {
	case 0: m = sc_mask_0; break;
	case 1: m = sc_mask_1; break;
	case 2: m = sc_mask_2; break;
	case 3: m = sc_mask_3; break;
	case 4: m = sc_mask_4; break;
	case 5: m = sc_mask_5; break;
	case 6: m = sc_mask_6; break;
	default: m = sc_mask_7; break;
	}
	return (m >> (nr & 63)) & 1;
}

static __always_inline bool sc_at_exit(__u32 type)
{
	return type == SC_CAP_BUFOUT || type == SC_CAP_STAT || type == SC_CAP_OUT4 || type == SC_CAP_OUT8;
}

/* `n` bytes of user memory at `src` into the slot (n at most SC_SLOT_MAX). */
static __always_inline long sc_read(struct sc_task *s, __u32 at, __u32 n, const void *src)
{
	if (at > SC_BUF_LEN - SC_SLOT_MAX || n > SC_SLOT_MAX)
		return -1;
	return bpf_probe_read_user(s->e.buf + at, n, src);
}

/* Read one capture (slot 0 or 1) of `cap` (bpf/syscall_table.h), the ones
 * taken at entry or at exit. */
static __always_inline void sc_capture(struct sc_task *s, __u32 slot, __u32 cap, bool at_exit, long ret)
{
	struct syscall_event *e = &s->e;
	__u32 argi = cap & 7, type = (cap >> 3) & 15, lena = (cap >> 7) & 7;
	if (!type || argi > 5 || sc_at_exit(type) != at_exit)
		return;
	__u32 at = s->used;
	if (at > SC_BUF_LEN - SC_SLOT_MAX)
		return;
	const void *src = (const void *)e->args[argi];
	__u8 cut = slot ? SC_F_CUT1 : SC_F_CUT0, fault = slot ? SC_F_FAULT1 : SC_F_FAULT0;
	__u64 want = 0;
	long n = 0;
	slot &= 1;
	switch (type) {
	case SC_CAP_STR:
		n = bpf_probe_read_user_str(e->buf + at, SC_SLOT_MAX, src);
		if (n <= 0) {
			e->flags |= fault;
			n = 0;
			break;
		}
		n -= 1; /* without its NUL */
		if (n == SC_SLOT_MAX - 1) {
			/* Exactly as long as the slot, or longer: the next byte says. */
			char c = 0;
			bpf_probe_read_user(&c, 1, src + SC_SLOT_MAX - 1);
			if (c)
				e->flags |= cut;
		}
		break;
	case SC_CAP_BUFIN:
	case SC_CAP_BUFOUT:
		if (type == SC_CAP_BUFIN)
			want = lena < 6 ? e->args[lena & 7] : 0;
		else
			want = ret > 0 ? ret : 0;
		e->src[slot] = want > 0xffffffff ? 0xffffffff : want;
		if (!want)
			break;
		n = want > SC_SLOT_MAX ? SC_SLOT_MAX : want;
		if (want > SC_SLOT_MAX)
			e->flags |= cut;
		if (sc_read(s, at, n, src)) {
			e->flags |= fault;
			n = 0;
		}
		break;
	case SC_CAP_STAT:
	case SC_CAP_OUT4:
	case SC_CAP_OUT8:
		if (ret < 0 || (type == SC_CAP_STAT && ret != 0))
			break;
		n = type == SC_CAP_STAT ? SC_STAT_BYTES : type == SC_CAP_OUT4 ? 4 : 8;
		if (sc_read(s, at, n, src)) {
			e->flags |= fault;
			n = 0;
		}
		break;
	case SC_CAP_ARGV: {
		__u32 got = 0;
		for (int i = 0; i < SC_ARGV_MAX; i++) {
			const char *p = 0;
			if (bpf_probe_read_user(&p, sizeof(p), src + i * sizeof(p)) || !p)
				break;
			__u32 o = at + n;
			if (n >= SC_SLOT_MAX || o > SC_BUF_LEN - SC_SLOT_MAX) {
				e->flags |= SC_F_ARGV_MORE;
				break;
			}
			long m = bpf_probe_read_user_str(e->buf + o, SC_SLOT_MAX, p);
			if (m <= 0)
				break;
			n += m; /* with its NUL: the separator */
			got++;
		}
		e->src[slot] = got;
		if (n > SC_SLOT_MAX)
			n = SC_SLOT_MAX; /* the last string's bytes past the slot are left out */
		break;
	}
	}
	if (n < 0)
		n = 0;
	e->arg[slot] = argi;
	e->off[slot] = at;
	e->len[slot] = n;
	s->used = at + n;
}

static __always_inline void sc_submit(void *ctx, struct sc_task *s)
{
	__u32 used = s->used;
	if (used > SC_BUF_LEN)
		used = SC_BUF_LEN;
	ct_submit(&s->e, offsetof(struct syscall_event, buf) + used);
}

static __always_inline int on_enter(long id, __u64 a0, __u64 a1, __u64 a2, __u64 a3, __u64 a4, __u64 a5)
{
	/* The scope is kept per task (below): the stop flag is read here too. */
	if (ct_stopped)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct sc_scope *sc = bpf_task_storage_get(&sc_scopes, task, 0, 0);
	if (!sc) {
		struct ct_ids ids = {};
		bool in = ct_in_scope(task, &ids);
		/* Followed processes join the scope later: decide again next time. */
		if (!in && targ_follow)
			return 0;
		sc = bpf_task_storage_get(&sc_scopes, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!sc)
			return 0;
		sc->in_scope = in;
		sc->ids = ids;
	}
	if (!sc->in_scope)
		return 0;
	/* Calls the filter leaves out: nothing in flight (every call's exit clears it). */
	__u32 nr = id;
	if (!sc_wanted(nr))
		return 0;
	struct sc_task *s = bpf_task_storage_get(&sc_tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return 0;
	struct syscall_event *e = &s->e;
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.ids = sc->ids;
	bpf_get_current_comm(e->hdr.comm, sizeof(e->hdr.comm));
	e->nr = nr;
	e->args[0] = a0;
	e->args[1] = a1;
	e->args[2] = a2;
	e->args[3] = a3;
	e->args[4] = a4;
	e->args[5] = a5;
	e->ret = 0;
	e->duration_ns = 0;
	e->flags = 0;
	e->arg[0] = e->arg[1] = 255;
	e->len[0] = e->len[1] = 0;
	e->off[0] = e->off[1] = 0;
	e->src[0] = e->src[1] = 0;
	s->used = 0;
	__u32 caps = nr < SC_NR_MAX ? sc_caps[nr & (SC_NR_MAX - 1)] : 0;
	sc_capture(s, 0, caps & 0x3ff, false, 0);
	sc_capture(s, 1, (caps >> 16) & 0x3ff, false, 0);
	if (nr == SC_EXIT || nr == SC_EXIT_GROUP) {
		/* No exit follows: the call as it began. */
		e->flags |= SC_F_NORET;
		sc_submit(0, s);
		s->active = 0;
		return 0;
	}
	s->active = 1;
	return 0;
}

static __always_inline int on_exit(void *ctx, long ret)
{
	if (ct_stopped)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct sc_task *s = bpf_task_storage_get(&sc_tasks, task, 0, 0);
	if (!s || !s->active)
		return 0;
	s->active = 0;
	struct syscall_event *e = &s->e;
	e->ret = ret;
	e->duration_ns = bpf_ktime_get_ns() - e->hdr.ts_ns;
	/* Keep the last quarter of the buffer for failures. */
	if (ret >= 0 && bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 4 * 3) {
		ct_count(CT_STAT_RB_FULL);
		return 0;
	}
	__u32 nr = e->nr;
	__u32 caps = nr < SC_NR_MAX ? sc_caps[nr & (SC_NR_MAX - 1)] : 0;
	sc_capture(s, 0, caps & 0x3ff, true, ret);
	sc_capture(s, 1, (caps >> 16) & 0x3ff, true, ret);
	sc_submit(ctx, s);
	return 0;
}

/* A successful exec: its path and argv again, from the kernel's copy of
 * the path and the new image's argument area. At entry they may not have
 * been readable: a child just forked has its parent's file-backed pages
 * unmapped until it touches them, and a BPF program cannot fault them in.
 * (A failed exec keeps what entry read.) */
SEC("tracepoint/sched/sched_process_exec")
int syscall_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct sc_task *s = bpf_task_storage_get(&sc_tasks, task, 0, 0);
	if (!s || !s->active || (s->e.nr != 59 && s->e.nr != 322))
		return 0;
	struct syscall_event *e = &s->e;
	__u32 pslot = e->nr == 59 ? 0 : 1; /* execveat: dirfd first */
	e->flags &= ~(SC_F_CUT0 | SC_F_CUT1 | SC_F_FAULT0 | SC_F_FAULT1 | SC_F_ARGV_MORE);
	unsigned int loc = ctx->__data_loc_filename & 0xffff;
	long n = bpf_probe_read_kernel_str(e->buf, SC_SLOT_MAX, (void *)ctx + loc);
	if (n <= 0)
		n = 1;
	n -= 1;
	if (n == SC_SLOT_MAX - 1)
		e->flags |= SC_F_CUT0;
	e->arg[0] = pslot;
	e->off[0] = 0;
	e->len[0] = n;
	__u32 at = n;
	if (at > SC_BUF_LEN - SC_SLOT_MAX)
		return 0;
	__u64 start = BPF_CORE_READ(task, mm, arg_start), end = BPF_CORE_READ(task, mm, arg_end);
	__u64 want = end > start ? end - start : 0;
	__u32 m = want > SC_SLOT_MAX ? SC_SLOT_MAX : want;
	if (want > SC_SLOT_MAX)
		e->flags |= SC_F_ARGV_MORE;
	if (m && bpf_probe_read_user(e->buf + at, m & (SC_SLOT_MAX * 2 - 1), (void *)start))
		m = 0;
	e->arg[1] = pslot + 1;
	e->off[1] = at;
	e->len[1] = m;
	e->src[1] = 0;
	s->used = at + m;
	return 0;
}

/* Raw tracepoints where the kernel has them (cheaper); plain tracepoints
 * otherwise. User space loads one pair. */
SEC("raw_tp/sys_enter")
int BPF_PROG(syscall_enter, struct pt_regs *regs, long id)
{
	return on_enter(id, BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si), BPF_CORE_READ(regs, dx),
			BPF_CORE_READ(regs, r10), BPF_CORE_READ(regs, r8), BPF_CORE_READ(regs, r9));
}

SEC("raw_tp/sys_exit")
int BPF_PROG(syscall_exit, struct pt_regs *regs, long ret)
{
	return on_exit(ctx, ret);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int syscall_enter_tp(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx->id, ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3], ctx->args[4], ctx->args[5]);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syscall_exit_tp(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx, ctx->ret);
}
