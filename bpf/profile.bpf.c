// SPDX-License-Identifier: GPL-2.0
/* profile kind: a perf_event program (software cpu-clock, one event per CPU
 * opened by user space) samples the interrupted task; in scope, its user and
 * kernel stacks go into a stack trace map and the sample is counted by
 * (process, stack ids). No event per sample ever reaches user space: it reads
 * the counts and the stacks each interval.
 *
 * Off-CPU mode (offcpu_switch on sched_switch, the other program not
 * loaded): a thread of the scope switching out leaves its stacks and the
 * time; switching back in, the time it was off the CPU is added to the
 * entry of those stacks, with the block counted. */
#include "common.h"
#include "profile.h"

char LICENSE[] SEC("license") = "GPL";

/* The generation samples go to (0, 1 or 2). Each read of user space moves it
 * on, reports the generation just left whole and leaves it in place (a program
 * that read the generation before the move may still be counting into it),
 * and deletes the generation before that, whose last writer finished an
 * interval ago: no sample is lost to a read. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} gen SEC(".maps");

#define PROFILE_STACKS(name)                                             \
	struct {                                                         \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                  \
		__uint(max_entries, PROFILE_MAX_STACKS);                 \
		__uint(key_size, sizeof(__u32));                         \
		__uint(value_size, PROFILE_MAX_DEPTH * sizeof(__u64));   \
	} name SEC(".maps")

PROFILE_STACKS(stacks0);
PROFILE_STACKS(stacks1);
PROFILE_STACKS(stacks2);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_MAX_ENTRIES);
	__type(key, struct profile_key);
	__type(value, struct profile_value);
} counts SEC(".maps");

CT_BTF_TYPE(profile_key);

/* A stack id, or -errno: -EFAULT is no stack in that mode (a user-mode
 * sample has no kernel stack, a kernel thread no user stack); -EEXIST (a
 * bucket holds another stack) and -ENOMEM (the map is full) lose it, counted. */
static __always_inline __s32 stack_id(void *ctx, void *stacks, __u64 flags)
{
	long id = bpf_get_stackid(ctx, stacks, flags);
	if (id < 0 && id != -14 /* EFAULT */)
		ct_count(CT_STAT_STACK_LOST);
	return id;
}

/* Add one sample (blocked_ns 0) or one ended block to the key's entry; a
 * new entry takes `comm` (NULL: the current task's). */
static __always_inline void count_ns(struct profile_key *key, __u64 blocked_ns, const char *comm)
{
	struct profile_value *v = bpf_map_lookup_elem(&counts, key);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		if (blocked_ns)
			__sync_fetch_and_add(&v->blocked_ns, blocked_ns);
		return;
	}
	struct profile_value init = { .count = 1, .blocked_ns = blocked_ns };
	if (comm)
		__builtin_memcpy(init.comm, comm, sizeof(init.comm));
	else
		bpf_get_current_comm(init.comm, sizeof(init.comm));
	long err = bpf_map_update_elem(&counts, key, &init, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU made it meanwhile */) {
		v = bpf_map_lookup_elem(&counts, key);
		if (v) {
			__sync_fetch_and_add(&v->count, 1);
			if (blocked_ns)
				__sync_fetch_and_add(&v->blocked_ns, blocked_ns);
		}
	} else if (err) {
		ct_count(CT_STAT_PENDING_FULL); /* the sample is lost: the counts map is full */
	}
}

static __always_inline void count(struct profile_key *key)
{
	count_ns(key, 0, NULL);
}

static __always_inline __u32 current_gen(void)
{
	__u32 zero = 0;
	__u32 *g = bpf_map_lookup_elem(&gen, &zero);
	return g && *g < PROFILE_GENS ? *g : 0;
}

SEC("perf_event")
int profile_sample(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ct_ids ids = {};
	if (!ct_in_scope(task, &ids))
		return 0;
	struct profile_key key = { .host_pid = ids.host_pid, .pid = ids.pid, .gen = current_gen(), .pidns = ids.pidns };
	/* One call per map: the verifier knows each call's map. */
	if (key.gen == 1) {
		key.ustack = stack_id(ctx, &stacks1, BPF_F_USER_STACK);
		key.kstack = stack_id(ctx, &stacks1, 0);
	} else if (key.gen == 2) {
		key.ustack = stack_id(ctx, &stacks2, BPF_F_USER_STACK);
		key.kstack = stack_id(ctx, &stacks2, 0);
	} else {
		key.gen = 0;
		key.ustack = stack_id(ctx, &stacks0, BPF_F_USER_STACK);
		key.kstack = stack_id(ctx, &stacks0, 0);
	}
	count(&key);
	return 0;
}

/* ---- off-CPU mode */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_MAX_OFFCPU);
	__type(key, __u32); /* host TID */
	__type(value, struct offcpu_start);
} offcpu_starts SEC(".maps");

CT_BTF_TYPE(offcpu_start);

/* Before 5.14 the task's state was `state`. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

#define CT_TASK_DEAD 0x80 /* include/linux/sched.h: the last switch of an exiting task */

static __always_inline unsigned int task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* prev is the current task here: its stacks are the ones taken. A thread
 * blocks (or is preempted: its kernel stack says which); a dead one leaves
 * nothing, it never comes back. */
SEC("raw_tp/sched_switch")
int BPF_PROG(offcpu_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	struct ct_ids ids = {};
	if (!(task_state(prev) & CT_TASK_DEAD) && ct_in_scope(prev, &ids)) {
		struct offcpu_start s = { .ts_ns = now, .host_pid = ids.host_pid, .pid = ids.pid, .pidns = ids.pidns };
		s.ustack = stack_id(ctx, &stacks0, BPF_F_USER_STACK);
		s.kstack = stack_id(ctx, &stacks0, 0);
		bpf_get_current_comm(s.comm, sizeof(s.comm));
		__u32 tid = BPF_CORE_READ(prev, pid);
		if (bpf_map_update_elem(&offcpu_starts, &tid, &s, BPF_ANY))
			ct_count(CT_STAT_PENDING_FULL); /* this block is not counted */
	}
	__u32 ntid = BPF_CORE_READ(next, pid);
	struct offcpu_start *s = bpf_map_lookup_elem(&offcpu_starts, &ntid);
	if (!s)
		return 0;
	struct offcpu_start got = *s;
	bpf_map_delete_elem(&offcpu_starts, &ntid);
	struct profile_key key = { .host_pid = got.host_pid, .pid = got.pid, .ustack = got.ustack, .kstack = got.kstack, .gen = current_gen(), .pidns = got.pidns };
	count_ns(&key, now > got.ts_ns ? now - got.ts_ns : 1, got.comm);
	return 0;
}
