// SPDX-License-Identifier: GPL-2.0
/* oomkill kind: oom/mark_victim, where the OOM killer marks the process it
 * kills (after sending it SIGKILL, before the kernel's "Killed process"
 * line). The current task is the one whose allocation failed (the
 * trigger); the victim is another task or the same. Its memory is read from
 * its mm as the kernel's log reads it, its memory cgroup's limit and usage
 * from the cgroup (v1 and v2 keep both in mem_cgroup.memory).
 *
 * Kernels 6.9+ pass the victim's task to the raw tracepoint (and give the
 * tracepoint its memory fields); before, only its PID: the task is then the
 * one the OOM killer sent SIGKILL to just before (signal_generate, kept by
 * the trigger's tid), or the trigger itself (a dying task marked as it
 * allocates). Without raw tracepoints, the tracepoint's own fields: the
 * victim's PID at the container's level is known only when it is the
 * trigger. */
#include "common.h"
#include "oomkill.h"

char LICENSE[] SEC("license") = "GPL";

CT_BTF_TYPE(oomkill_event);

extern int CONFIG_PAGE_SHIFT __kconfig __weak;

/* Before 6.2: mm->rss_stat was atomic counters (struct mm_rss_stat). */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));
struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));
/* Before 4.16: page_counter.limit, not max. */
struct page_counter___old {
	unsigned long limit;
} __attribute__((preserve_access_index));

/* MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES (include/linux/mm_types_task.h) */
#define CT_MM_FILEPAGES 0
#define CT_MM_ANONPAGES 1
#define CT_MM_SHMEMPAGES 3
/* Memory cgroups looked at from the victim's up (its own, its pod's, ...). */
#define CT_MEMCG_DEPTH 8

/* Old kernels: the task each trigger sent the OOM killer's SIGKILL to, by the trigger's tid. */
struct kill_sent {
	struct task_struct *task;
	__u32 pid;
	__u32 pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct kill_sent);
} oom_sigkill SEC(".maps");

static __always_inline __u32 page_shift(void)
{
	return CONFIG_PAGE_SHIFT > 0 && CONFIG_PAGE_SHIFT < 32 ? CONFIG_PAGE_SHIFT : 12;
}

/* What the kernel's OOM log reads (get_mm_counter): the counter, not its per-CPU deltas. */
static __always_inline __u64 mm_pages(struct mm_struct *mm, int i)
{
	long v;
	if (bpf_core_field_size(mm->rss_stat) == sizeof(struct mm_rss_stat___old)) {
		struct mm_struct___old *old = (void *)mm;
		v = BPF_CORE_READ(old, rss_stat.count[i].counter);
	} else {
		v = BPF_CORE_READ(mm, rss_stat[i].count);
	}
	return v > 0 ? v : 0;
}

static __always_inline void read_mm(struct task_struct *victim, struct oomkill_event *e)
{
	struct mm_struct *mm = BPF_CORE_READ(victim, mm);
	if (!mm)
		return;
	__u32 shift = page_shift();
	e->anon_bytes = mm_pages(mm, CT_MM_ANONPAGES) << shift;
	e->file_bytes = mm_pages(mm, CT_MM_FILEPAGES) << shift;
	e->shmem_bytes = mm_pages(mm, CT_MM_SHMEMPAGES) << shift;
	e->total_vm_bytes = BPF_CORE_READ(mm, total_vm) << shift;
	if (bpf_core_field_exists(mm->pgtables_bytes))
		e->pgtables_bytes = BPF_CORE_READ(mm, pgtables_bytes.counter);
	e->flags |= OOMKILL_MEM;
}

/* The memory cgroup of `t` and its ancestors: the limit closest to being
 * reached (what a memory cgroup OOM hits: its own, or a pod's above it). */
static __always_inline void read_memcg(struct task_struct *t, struct oomkill_event *e)
{
	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return;
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	struct cgroup_subsys_state *css = NULL;
	if (!cs || id < 0 || id >= 16)
		return;
	bpf_core_read(&css, sizeof(css), &cs->subsys[id & 15]);
	__u32 shift = page_shift();
	/* PAGE_COUNTER_MAX (LONG_MAX / PAGE_SIZE) and above: no limit. */
	__u64 unlimited = (0x7fffffffffffffffULL >> shift);
	__u64 best_room = ~0ULL;
	for (__u32 depth = 0; depth < CT_MEMCG_DEPTH && css; depth++) {
		struct mem_cgroup *mc = (void *)css - bpf_core_field_offset(struct mem_cgroup, css);
		struct page_counter *pc = __builtin_preserve_access_index(&mc->memory);
		__u64 usage = BPF_CORE_READ(pc, usage.counter);
		__u64 max;
		if (bpf_core_field_exists(pc->max))
			max = BPF_CORE_READ(pc, max);
		else
			max = BPF_CORE_READ((struct page_counter___old *)pc, limit);
		if (depth == 0) {
			e->usage_bytes = usage << shift;
			e->flags |= OOMKILL_MEMCG;
		}
		if (max < unlimited) {
			__u64 room = max > usage ? max - usage : 0;
			if (room < best_room) {
				best_room = room;
				e->limit_bytes = max << shift;
				e->usage_bytes = usage << shift;
				e->memcg_depth = depth;
				e->flags |= OOMKILL_LIMITED;
			}
		}
		css = BPF_CORE_READ(css, parent);
	}
}

static __always_inline void fill_victim(struct task_struct *victim, struct oomkill_event *e)
{
	bpf_probe_read_kernel_str(e->hdr.comm, sizeof(e->hdr.comm), __builtin_preserve_access_index(&victim->comm));
	e->oom_score_adj = BPF_CORE_READ(victim, signal, oom_score_adj);
	e->uid = BPF_CORE_READ(victim, real_cred, uid.val);
	e->flags |= OOMKILL_VICTIM_TASK;
	read_mm(victim, e);
	read_memcg(victim, e);
}

static __always_inline void fill_trigger(struct task_struct *cur, struct oomkill_event *e)
{
	if (ct_task_where(cur, &e->trigger) == CT_IN)
		e->flags |= OOMKILL_TRIGGER_IN;
	bpf_get_current_comm(e->trigger_comm, sizeof(e->trigger_comm));
}

/* Submit with the victim's runtime mark (not the trigger's). */
static __always_inline void submit(struct oomkill_event *e, struct task_struct *victim)
{
	if (victim && ct_task_is_runtime(victim))
		e->hdr.ts_ns |= CT_TS_RUNTIME;
	if (bpf_ringbuf_output(&events, e, sizeof(*e), BPF_RB_NO_WAKEUP))
		ct_count(CT_STAT_RB_FULL);
}

/* The tracepoint has the memory fields (6.9+): the same kernel's raw tracepoint passes the victim's task. */
#define NEW_MARK_VICTIM bpf_core_field_exists(struct trace_event_raw_mark_victim, total_vm)
/* Diagnostic (tests): find the victim as before 6.9 (by its PID and the SIGKILL sent to it) on any kernel. */
const volatile bool oom_by_pid = false;
#define TASK_GIVEN (NEW_MARK_VICTIM && !oom_by_pid)

SEC("raw_tp/mark_victim")
int oomkill_mark_victim(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	struct task_struct *victim;
	if (TASK_GIVEN) {
		victim = (struct task_struct *)ctx->args[0];
	} else {
		__u32 pid = NEW_MARK_VICTIM ? BPF_CORE_READ((struct task_struct *)ctx->args[0], pid) : (__u32)ctx->args[0];
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct kill_sent *k = bpf_map_lookup_elem(&oom_sigkill, &tid);
		if (k && k->pid == pid)
			victim = k->task;
		else if (BPF_CORE_READ(cur, pid) == pid)
			victim = cur;
		else
			return 0;
		if (k)
			bpf_map_delete_elem(&oom_sigkill, &tid);
	}
	struct oomkill_event e = {};
	if (!victim || !ct_task_in_scope(victim, &e.hdr.ids))
		return 0;
	e.hdr.ts_ns = bpf_ktime_get_ns();
	fill_victim(victim, &e);
	fill_trigger(cur, &e);
	submit(&e, victim);
	return 0;
}

/* Old kernels: __oom_kill_process sends the victim SIGKILL (SEND_SIG_PRIV)
 * right before it marks it; keep the task for mark_victim. */
SEC("raw_tp/signal_generate")
int BPF_PROG(oomkill_sigkill, int sig, struct kernel_siginfo *info, struct task_struct *target)
{
	if (TASK_GIVEN || sig != 9 || (unsigned long)info != 1)
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kill_sent k = { .task = target, .pid = BPF_CORE_READ(target, pid) };
	bpf_map_update_elem(&oom_sigkill, &tid, &k, BPF_ANY);
	return 0;
}

/* Without raw tracepoints: the tracepoint's fields (6.9+: the memory
 * figures, in KiB), the victim's task only when it is the trigger. */
SEC("tracepoint/oom/mark_victim")
int oomkill_mark_victim_tp(struct trace_event_raw_mark_victim *ctx)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	__u32 pid = ctx->pid;
	struct oomkill_event e = {};
	if (BPF_CORE_READ(cur, pid) == pid) {
		if (!ct_task_in_scope(cur, &e.hdr.ids))
			return 0;
		e.hdr.ts_ns = bpf_ktime_get_ns();
		fill_victim(cur, &e);
		fill_trigger(cur, &e);
		submit(&e, cur);
		return 0;
	}
	/* Another task: in scope when the trigger is (a memory cgroup's OOM
	 * kills within that cgroup); known by its host PID only. */
	if (!ct_in_scope(cur, &e.trigger))
		return 0;
	e.flags |= OOMKILL_TRIGGER_IN;
	bpf_get_current_comm(e.trigger_comm, sizeof(e.trigger_comm));
	e.hdr.ts_ns = bpf_ktime_get_ns();
	e.hdr.ids.host_pid = e.hdr.ids.host_tid = pid;
	if (NEW_MARK_VICTIM) {
		unsigned int loc = ctx->__data_loc_comm & 0xffff;
		bpf_probe_read_kernel_str(e.hdr.comm, sizeof(e.hdr.comm), (void *)ctx + loc);
		e.anon_bytes = (__u64)ctx->anon_rss << 10;
		e.file_bytes = (__u64)ctx->file_rss << 10;
		e.shmem_bytes = (__u64)ctx->shmem_rss << 10;
		e.total_vm_bytes = (__u64)ctx->total_vm << 10;
		e.pgtables_bytes = (__u64)ctx->pgtables << 10;
		e.oom_score_adj = ctx->oom_score_adj;
		e.uid = ctx->uid;
		e.flags |= OOMKILL_MEM;
	}
	read_memcg(cur, &e);
	submit(&e, NULL);
	return 0;
}
