// SPDX-License-Identifier: GPL-2.0
/* profile kind: a perf_event program (software cpu-clock, one event per CPU
 * opened by user space) samples the interrupted task; in scope, its user and
 * kernel stacks go into a stack trace map and the sample is counted by
 * (process, stack ids). No event per sample ever reaches user space: it reads
 * the counts and the stacks each interval. */
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

static __always_inline void count(struct profile_key *key)
{
	struct profile_value *v = bpf_map_lookup_elem(&counts, key);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		return;
	}
	struct profile_value init = { .count = 1 };
	bpf_get_current_comm(init.comm, sizeof(init.comm));
	long err = bpf_map_update_elem(&counts, key, &init, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU made it meanwhile */) {
		v = bpf_map_lookup_elem(&counts, key);
		if (v)
			__sync_fetch_and_add(&v->count, 1);
	} else if (err) {
		ct_count(CT_STAT_PENDING_FULL); /* the sample is lost: the counts map is full */
	}
}

SEC("perf_event")
int profile_sample(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ct_ids ids = {};
	if (!ct_in_scope(task, &ids))
		return 0;
	__u32 zero = 0;
	__u32 *g = bpf_map_lookup_elem(&gen, &zero);
	struct profile_key key = { .host_pid = ids.host_pid, .pid = ids.pid, .gen = g ? *g : 0 };
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
