// SPDX-License-Identifier: GPL-2.0
/* syscalls kind: raw sys_enter/sys_exit (every syscall, one program each),
 * filtered by scope at entry (the start kept in task storage); exit updates
 * the aggregate in place. No event per syscall ever reaches user space.
 * Count-only (latency off): one program at sys_exit instead of the pair, no
 * start kept, no clock read; the same scope in task storage, the same map. */
#include "common.h"
#include "syscalls.h"

char LICENSE[] SEC("license") = "GPL";

/* A syscall in flight, in the task's own storage: no hash insert and delete
 * per call, and a task outside the scope has none, so its exit costs one
 * pointer test. */
struct start {
	__u64 ts;       /* 0: none in flight */
	__u32 nr;
	__u32 host_pid; /* tgid in the helper's numbering (the aggregate's key) */
	__u32 pid;      /* tgid in the container */
	__u32 in_scope; /* decided at the task's first syscall (a task keeps its PID namespace) */
	__u32 runtime;  /* the runtime's code (ct_task_is_runtime): decided then, and again at exec */
	__u32 pidns;    /* the namespace it is traced in (the key's pidns) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct start);
} starts SEC(".maps");

/* Per CPU: a syscall updates its own CPU's copy with plain adds (no atomics,
 * no cache line shared between CPUs); user space sums the copies. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct syscalls_key);
	__type(value, struct syscalls_stats);
} syscalls SEC(".maps");

/* The generation being counted into (0..SYSCALLS_GENS-1), set by user space
 * at each read: the generation before stays whole until the read after, when
 * no program can be writing it any more (an array lookup: inlined). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} syscalls_gen SEC(".maps");

/* The name a process took at exec, by host PID, since the last read: the
 * aggregate's entries keep the name of their first call (runc's init, a
 * shell), so user space names every row of a process by its latest exec. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct syscalls_name);
} names SEC(".maps");

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r < SYSCALLS_HIST_SLOTS ? r : SYSCALLS_HIST_SLOTS - 1;
}

/* The task's storage, made at its first syscall with the scope decided
 * then (once per task: a task keeps its PID namespace), so a syscall costs
 * one storage lookup, in the container or not. NULL when the task is out of
 * scope and not remembered as such (followed processes join later). `made`:
 * the storage was made by this call. */
static __always_inline struct start *task_start(struct task_struct *task, bool *made)
{
	struct start *s = bpf_task_storage_get(&starts, task, 0, 0);
	if (s)
		return s;
	struct ct_ids ids = {};
	bool in = ct_in_scope(task, &ids);
	/* Followed processes join the scope later: decide again next time. */
	if (!in && targ_follow)
		return NULL;
	s = bpf_task_storage_get(&starts, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return NULL;
	s->in_scope = in;
	s->runtime = in && ct_task_is_runtime(task);
	s->host_pid = ids.host_pid;
	s->pid = ids.pid;
	s->pidns = ids.pidns;
	*made = true;
	return s;
}

static __always_inline int on_enter(long id)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	bool made = false;
	struct start *s = task_start(task, &made);
	if (!s || !s->in_scope)
		return 0;
	s->ts = bpf_ktime_get_ns();
	s->nr = id;
	return 0;
}

/* One call of syscall `nr` that returned `ret` into the aggregate; `timed`
 * (a constant: the branches not taken are compiled out): with its latency. */
static __always_inline int count_call(struct start *s, __u32 nr, long ret, __u64 lat, bool timed)
{
	__u32 zero = 0;
	__u32 *gen = bpf_map_lookup_elem(&syscalls_gen, &zero);
	struct syscalls_key key = { .host_pid = s->host_pid, .nr = nr, .runtime = s->runtime, .gen = gen ? *gen : 0, .pidns = s->pidns };

	struct syscalls_stats *v = bpf_map_lookup_elem(&syscalls, &key);
	if (!v) {
		struct syscalls_stats init = {};
		init.pid = s->pid;
		bpf_get_current_comm(init.comm, sizeof(init.comm));
		if (bpf_map_update_elem(&syscalls, &key, &init, BPF_NOEXIST) == -E2BIG) {
			ct_count(CT_STAT_PENDING_FULL);
			return 0;
		}
		v = bpf_map_lookup_elem(&syscalls, &key);
		if (!v)
			return 0;
	}
	/* A per-CPU copy made on another CPU than the entry's first call starts
	 * empty: name it here (once per CPU). */
	if (!v->comm[0]) {
		v->pid = s->pid;
		bpf_get_current_comm(v->comm, sizeof(v->comm));
	}
	v->count++;
	if (ret < 0)
		v->errors++;
	if (!timed)
		return 0;
	v->total_ns += lat;
	if (lat > v->max_ns)
		v->max_ns = lat;
	__u32 slot = log2_slot(lat);
	v->hist[slot & (SYSCALLS_HIST_SLOTS - 1)]++;
	return 0;
}

static __always_inline int on_exit(long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct start *s = bpf_task_storage_get(&starts, task, 0, 0);
	if (!s || !s->ts)
		return 0;
	__u64 lat = bpf_ktime_get_ns() - s->ts;
	s->ts = 0;
	return count_call(s, s->nr, ret, lat, true);
}

/* x86_64 numbers of the calls that make a task: clone, fork, vfork, clone3. */
#define NR_CLONE 56
#define NR_FORK 57
#define NR_VFORK 58
#define NR_CLONE3 435

/* x86_64 rt_sigreturn: restoring the signal's frame sets orig_ax to -1 (no
 * syscall restart), so at its return it reads as syscall -1. */
#define NR_RT_SIGRETURN 15

/* Count-only: the call counted at its return (its number from the
 * registers, as the tracepoint's own id is). */
static __always_inline int on_exit_count(long nr, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	bool made = false;
	struct start *s = task_start(task, &made);
	if (!s || !s->in_scope)
		return 0;
	/* A task made after the attach returns first from the fork that made
	 * it (0 in the child, its registers the parent's copy): the parent's
	 * call, counted at the parent's return, not a call of its own. (Task
	 * storage is not inherited, so that return always makes it.) */
	if (made && ret == 0 && (nr == NR_CLONE || nr == NR_FORK || nr == NR_VFORK || nr == NR_CLONE3))
		return 0;
	if (nr == -1)
		nr = NR_RT_SIGRETURN;
	return count_call(s, nr, ret, 0, false);
}

/* An exec in the scope: its new name (once per exec, not per syscall). */
SEC("tracepoint/sched/sched_process_exec")
int syscalls_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct start *s = bpf_task_storage_get(&starts, task, 0, 0);
	struct syscalls_name n = {};
	struct ct_ids ids = {};
	__u32 host_pid;
	if (s) {
		if (!s->in_scope)
			return 0;
		host_pid = s->host_pid;
		s->runtime = ct_task_is_runtime(task); /* it runs the program it exec'd now */
	} else {
		if (!ct_in_scope(task, &ids))
			return 0;
		host_pid = ids.host_pid;
	}
	bpf_get_current_comm(n.comm, sizeof(n.comm));
	if (n.comm[0] == 'e' && n.comm[1] == 'x' && n.comm[2] == 'e' && !n.comm[3]) {
		/* exec'd as /proc/<pid>/exe (busybox's applets): argv[0] names the program */
		char f[7] = {};
		unsigned int loc = ctx->__data_loc_filename & 0xffff;
		bpf_probe_read_kernel_str(f, sizeof(f), (void *)ctx + loc);
		if (f[0] == '/' && f[1] == 'p' && f[2] == 'r' && f[3] == 'o' && f[4] == 'c' && f[5] == '/')
			bpf_probe_read_user_str(n.argv0, sizeof(n.argv0), (void *)BPF_CORE_READ(task, mm, arg_start));
	}
	bpf_map_update_elem(&names, &host_pid, &n, BPF_ANY);
	return 0;
}

/* Raw tracepoints where the kernel has them (cheaper); plain tracepoints
 * otherwise. User space loads one pair, or (count-only) one counting
 * program. */
SEC("raw_tp/sys_enter")
int BPF_PROG(syscalls_enter, struct pt_regs *regs, long id)
{
	return on_enter(id);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(syscalls_exit, struct pt_regs *regs, long ret)
{
	return on_exit(ret);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int syscalls_enter_tp(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx->id);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syscalls_exit_tp(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

/* Count-only (latency off): alone at sys_exit, with no entry program. */
SEC("raw_tp/sys_exit")
int BPF_PROG(syscalls_count, struct pt_regs *regs, long ret)
{
	return on_exit_count(BPF_CORE_READ(regs, orig_ax), ret);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syscalls_count_tp(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit_count(ctx->id, ctx->ret);
}
