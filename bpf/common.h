/* Shared by every kind: the scope filter (container PID namespace, process,
 * descendants, thread; a selector's namespaces, new ones held from their
 * first task), PIDs at the container's namespace level, drop counters.
 * Knobs are `const volatile` and set by user space before load. */
#ifndef CT_COMMON_H
#define CT_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "types.h"

/* Deepest PID namespace nesting the kernel allows (MAX_PID_NS_LEVEL). */
#define CT_MAX_PID_NS_LEVEL 32
#define E2BIG 7

/* Scope knobs. targ_pidns_ino: inode of the container's PID namespace
 * (nsfs has a single device, so the inode identifies it; dev is kept for
 * bpf_get_ns_current_pid_tgid users). targ_level: that namespace's level
 * counted from the helper's own. host_pidns_ino: the helper's own PID
 * namespace, whose numbering "host" PIDs, knobs and map keys use (the root
 * namespace on a real host; deeper when the helper runs in a namespace,
 * whose procfs cannot tell its level: found here, once, from a task). */
const volatile __u64 targ_pidns_dev = 0;
const volatile __u32 targ_pidns_ino = 0;
const volatile __u32 targ_level = 0;
const volatile __u32 host_pidns_ino = 0;
const volatile __u32 targ_tgid = 0;   /* host-level tgid; 0 = any process */
const volatile __u32 targ_tid = 0;    /* host-level tid; 0 = any thread */
const volatile bool targ_follow = false; /* also descendants of targ_tgid */
/* Selector traces: the containers' PID namespaces are the keys of scope_ns
 * (user space adds and removes them as containers come and go), not
 * targ_pidns_ino. */
const volatile bool targ_multi = false;
/* Selector traces: events let through per pending namespace (see
 * ct_scope_fork) before the rest are dropped, counted in its entry. */
const volatile __u32 targ_held_max = 4096;
/* Deepest level a selector looks for its namespaces at (host, node, pod, ...). */
#define CT_MAX_SCOPE_DEPTH 8

/* Put an event struct into the object's BTF (so user space can check its
 * decoder against it) when no map or global uses it otherwise. */
#define CT_BTF_TYPE(name) const struct name *const ct_btf_##name __attribute__((unused)) = 0

/* Ring buffer shared by a kind's programs. User space sizes it before load
 * and reads it by polling the mmap'ed pages, so producers never wake it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* Per-CPU counters, summed by user space; indexes in types.h (CT_STAT_*). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Host tgids followed when targ_follow is set; seeded by user space with the
 * target and its descendants, grown on fork, shrunk on exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CT_MAX_FOLLOWED);
	__type(key, __u32);
	__type(value, __u8);
} followed SEC(".maps");

/* Inodes of the PID namespaces a selector trace covers: its members (set by
 * user space) and the namespaces made while it runs, pending until user
 * space decides (added by ct_scope_fork). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CT_MAX_SCOPE_NS + CT_MAX_SCOPE_PENDING);
	__type(key, __u32);
	__type(value, struct ct_scope);
} scope_ns SEC(".maps");

/* New PID namespaces for user space to decide, oldest first. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, CT_MAX_SCOPE_PENDING);
	__type(value, struct ct_scope_new);
} scope_new SEC(".maps");

static __always_inline void ct_count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);
	if (v)
		*v += 1;
}

/* Pointer to pid->numbers[level] (CO-RE: offset and element size relocated). */
static __always_inline struct upid *ct_upid(struct pid *pid, __u32 level)
{
	return (struct upid *)((void *)pid + bpf_core_field_offset(struct pid, numbers) +
			       (level & (CT_MAX_PID_NS_LEVEL - 1)) * bpf_core_type_size(struct upid));
}

/* The helper's level, once found: 0 until then and on a real host. */
__u32 ct_host_level = 0;
bool ct_host_level_known = false;

/* Level of host_pidns_ino among the current task's namespaces (found once,
 * from the first task beneath it, then read from ct_host_level). */
static __always_inline __u32 ct_find_host_level(void)
{
	if (!host_pidns_ino || ct_host_level_known)
		return ct_host_level;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	if (!pid)
		return 0;
	__u32 deepest = BPF_CORE_READ(pid, level);
	for (__u32 l = 0; l <= CT_MAX_SCOPE_DEPTH; l++) {
		if (l > deepest)
			break;
		if (BPF_CORE_READ(ct_upid(pid, l), ns, ns.inum) == host_pidns_ino) {
			ct_host_level = l;
			ct_host_level_known = true;
			return l;
		}
	}
	return 0;
}
#define host_level (ct_find_host_level())

/* PID of a struct pid in the namespace at `level`, if that namespace is the
 * target one (or any namespace when ino is 0); 0 when it is not visible there. */
static __always_inline __u32 ct_nr_at(struct pid *pid, __u32 level, __u32 ino)
{
	if (!pid || BPF_CORE_READ(pid, level) < level)
		return 0;
	struct upid *up = ct_upid(pid, level);
	if (ino && BPF_CORE_READ(up, ns, ns.inum) != ino)
		return 0;
	return BPF_CORE_READ(up, nr);
}

/* Thread id and process id of a task at `level` in namespace `ino`. */
static __always_inline __u32 ct_tid_at(struct task_struct *t, __u32 level, __u32 ino)
{
	return ct_nr_at(BPF_CORE_READ(t, thread_pid), level, ino);
}

static __always_inline __u32 ct_tgid_at(struct task_struct *t, __u32 level, __u32 ino)
{
	return ct_nr_at(BPF_CORE_READ(t, group_leader, thread_pid), level, ino);
}

/* Where a task stands (ct_locate): outside, in scope, or in a namespace a
 * selector holds pending (its events carry that namespace, and user space
 * keeps them until it has decided whose container it is). */
#define CT_OUT 0
#define CT_IN 1
#define CT_HELD 2

/* The level and inode of the namespace a task is traced in: the target's,
 * or (selector) the outermost of its namespaces that is in scope_ns, with
 * its entry when that one is pending. */
static __always_inline int ct_locate(struct task_struct *t, __u32 *level, __u32 *ino, struct ct_scope **held)
{
	if (!targ_multi) {
		*level = host_level + targ_level;
		*ino = targ_pidns_ino;
		return CT_IN; /* ct_nr_at checks the namespace */
	}
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	if (!pid)
		return CT_OUT;
	__u32 deepest = BPF_CORE_READ(pid, level);
	for (__u32 l = 1; l <= CT_MAX_SCOPE_DEPTH; l++) {
		if (l > deepest)
			break;
		if (l <= host_level)
			continue;
		__u32 inum = BPF_CORE_READ(ct_upid(pid, l), ns, ns.inum);
		struct ct_scope *s = bpf_map_lookup_elem(&scope_ns, &inum);
		if (s) {
			*level = l;
			*ino = inum;
			if (s->state != CT_SCOPE_PENDING)
				return CT_IN;
			*held = s;
			return CT_HELD;
		}
	}
	return CT_OUT;
}

/* PIDs of any task at its container's level (0 when outside) and host
 * level; where it stands. */
static __always_inline int ct_task_where(struct task_struct *t, struct ct_ids *ids)
{
	__u32 level = 0, ino = 0;
	struct ct_scope *held = NULL;
	int where = ct_locate(t, &level, &ino, &held);
	if (where != CT_OUT) {
		ids->tid = ct_tid_at(t, level, ino);
		ids->pid = ct_tgid_at(t, level, ino);
	} else {
		ids->tid = ids->pid = 0;
	}
	ids->pidns = ids->tid ? ino : 0;
	ids->level = level;
	if (host_level) {
		ids->host_tid = ct_tid_at(t, host_level, 0);
		ids->host_pid = ct_tgid_at(t, host_level, 0);
	} else {
		ids->host_tid = BPF_CORE_READ(t, pid);
		ids->host_pid = BPF_CORE_READ(t, tgid);
	}
	return ids->tid ? where : CT_OUT;
}

static __always_inline void ct_task_ids(struct task_struct *t, struct ct_ids *ids)
{
	ct_task_where(t, ids);
}

/* One more event of a pending namespace: let through while under its budget
 * (its entry counts them all; user space reads the excess as drops). */
static __always_inline bool ct_hold(struct ct_scope *s)
{
	__sync_fetch_and_add(&s->held, 1);
	return s->held <= targ_held_max;
}

/* The current task's tgid and tid as the helper numbers them (host_level:
 * 0 on a real host, deeper when the helper runs in a PID namespace). Every
 * knob and map key that user space sets or reads uses this numbering. */
static __always_inline void ct_self(struct task_struct *task, __u32 *tgid, __u32 *tid)
{
	if (!host_level) {
		__u64 pid_tgid = bpf_get_current_pid_tgid();
		*tgid = pid_tgid >> 32;
		*tid = (__u32)pid_tgid;
	} else {
		*tgid = ct_tgid_at(task, host_level, 0);
		*tid = ct_tid_at(task, host_level, 0);
	}
}

/* Set by user space when the trace stops (src/bpf/object.ts stopEvents):
 * from then on every program ends at its scope check, so nothing new is
 * made while the links, whose destruction waits for the kernel, are taken
 * down in the background. In .bss: writable through its mapping. */
volatile __u32 ct_stopped = 0;

/* Fill the PIDs of the current task; false when the task is out of scope.
 * Cheap checks first: host tgid/tid, follow map, then the namespace walk. */
static __always_inline bool ct_in_scope(struct task_struct *task, struct ct_ids *ids)
{
	__u32 tgid, tid;
	if (ct_stopped)
		return false;
	ct_self(task, &tgid, &tid);

	if (targ_tid && tid != targ_tid)
		return false;
	if (targ_tgid && tgid != targ_tgid) {
		if (!targ_follow || !bpf_map_lookup_elem(&followed, &tgid))
			return false;
	}
	__u32 level, ino;
	struct ct_scope *held = NULL;
	int where = ct_locate(task, &level, &ino, &held);
	if (where == CT_OUT || (where == CT_HELD && held && !ct_hold(held)))
		return false;
	ids->tid = ct_tid_at(task, level, ino);
	if (!ids->tid)
		return false;
	ids->pid = ct_tgid_at(task, level, ino);
	ids->pidns = ino;
	ids->level = level;
	ids->host_tid = tid;
	ids->host_pid = tgid;
	return true;
}

/* Fill an event header for the current task (already known to be in scope). */
static __always_inline void ct_fill_hdr(struct ct_hdr *h, const struct ct_ids *ids)
{
	h->ts_ns = bpf_ktime_get_ns();
	h->ids = *ids;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Whether any task (not only the current one) is in the target scope. A
 * task of a pending namespace is not: the event would carry the current
 * task's namespace, which is not the one user space holds it by. */
static __always_inline bool ct_task_in_scope(struct task_struct *t, struct ct_ids *ids)
{
	if (ct_stopped)
		return false;
	if (ct_task_where(t, ids) != CT_IN)
		return false;
	if (targ_tid && ids->host_tid != targ_tid)
		return false;
	if (targ_tgid) {
		__u32 tgid = ids->host_pid;
		if (tgid != targ_tgid && (!targ_follow || !bpf_map_lookup_elem(&followed, &tgid)))
			return false;
	}
	return true;
}

/* Bit 63 of an event's ts_ns (CLOCK_MONOTONIC never reaches it): the task
 * ran the container runtime's code, not the container's own. */
#define CT_TS_RUNTIME (1ULL << 63)

/* Whether a task runs the container runtime's code rather than the
 * container's: its executable is not a file of its own mount namespace.
 * runc's and crun's init (docker exec, the entrypoint's start) run from the
 * host's binary or a memfd copy of it, inside the container's namespaces,
 * until they exec the container's program; every process of the container
 * runs a file of the container. (A process of the container that made a
 * mount namespace of its own and never exec'd since reads as one too.) */
static __always_inline bool ct_task_is_runtime(struct task_struct *t)
{
	struct file *exe = BPF_CORE_READ(t, mm, exe_file);
	if (!exe)
		return false; /* a kernel thread */
	struct vfsmount *vm = BPF_CORE_READ(exe, f_path.mnt);
	struct mount *m = (struct mount *)((void *)vm - bpf_core_field_offset(struct mount, mnt));
	return BPF_CORE_READ(m, mnt_ns) != BPF_CORE_READ(t, nsproxy, mnt_ns);
}

/* Mark an event (its struct ct_hdr first) as the runtime's when its task is. */
static __always_inline void ct_mark_runtime(void *e)
{
	if (ct_task_is_runtime((struct task_struct *)bpf_get_current_task()))
		((struct ct_hdr *)e)->ts_ns |= CT_TS_RUNTIME;
}

/* Submit a fixed-size event, counting a full ring buffer as a drop. */
static __always_inline void ct_submit(void *e, __u64 size)
{
	ct_mark_runtime(e);
	if (bpf_ringbuf_output(&events, e, size, BPF_RB_NO_WAKEUP))
		ct_count(CT_STAT_RB_FULL);
}

/* --stack: which stacks events carry (CT_STACK_USER | CT_STACK_KERNEL); 0
 * leaves every record as it is. */
#define CT_STACK_USER 1
#define CT_STACK_KERNEL 2
const volatile __u32 ct_stack_flags = 0;
/* Bit 62 of ts_ns: the record ends with its stacks (struct ct_stack_footer). */
#define CT_TS_STACK (1ULL << 62)
/* The largest event a kind submits with a stack (exec's, with all its args). */
#define CT_STACK_EVENT_MAX 2464
#define CT_STACK_USER_BYTES (CT_STACK_DEPTH * sizeof(struct bpf_stack_build_id))
#define CT_STACK_KERNEL_BYTES (CT_STACK_DEPTH * sizeof(__u64))
#define CT_STACK_SCRATCH (CT_STACK_EVENT_MAX + CT_STACK_USER_BYTES + CT_STACK_KERNEL_BYTES + CT_STACK_COPY + sizeof(struct ct_stack_footer))

/* A record with its stacks is put together here, and an event's stacks
 * taken (per CPU: these programs do not nest on a CPU within one object). */
struct ct_scratch {
	char b[CT_STACK_SCRATCH];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ct_scratch);
} ct_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ct_stack);
} ct_scratch_stack SEC(".maps");

/* Stacks taken where a syscall began, by task (or process), for an event
 * made later; allocated only as used. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct ct_stack);
} ct_stash SEC(".maps");

/* The user stack from sp, as much of CT_STACK_COPY as is mapped (a read
 * that crosses the stack's top fails whole: shorter ones are tried). */
static __always_inline __u32 ct_stack_copy(struct ct_stack *s)
{
	const void *sp = (const void *)s->sp;
	if (!bpf_probe_read_user(s->copy, CT_STACK_COPY, sp))
		return CT_STACK_COPY;
	if (!bpf_probe_read_user(s->copy, CT_STACK_COPY * 3 / 4, sp))
		return CT_STACK_COPY * 3 / 4;
	if (!bpf_probe_read_user(s->copy, CT_STACK_COPY / 2, sp))
		return CT_STACK_COPY / 2;
	if (!bpf_probe_read_user(s->copy, CT_STACK_COPY / 4, sp))
		return CT_STACK_COPY / 4;
	if (!bpf_probe_read_user(s->copy, CT_STACK_COPY / 8, sp))
		return CT_STACK_COPY / 8;
	if (!bpf_probe_read_user(s->copy, CT_STACK_COPY / 32, sp))
		return CT_STACK_COPY / 32;
	return 0;
}

/* Take the current task's stacks into `s` (what ct_stack_flags asks, the
 * kernel's only where `kernel`): the frame-pointer walk resolved by the
 * kernel to build IDs and file offsets (the process may be gone before
 * user space looks), and the user registers and top of stack for user
 * space to unwind by .eh_frame. */
static __always_inline void ct_stack_take(void *ctx, struct ct_stack *s, bool kernel)
{
	long u = 0, k = 0;
	s->copy_bytes = 0;
	s->maps_pid = 0;
	s->tid = (__u32)bpf_get_current_pid_tgid();
	s->ip = s->sp = s->bp = 0;
	if (ct_stack_flags & CT_STACK_USER) {
		u = bpf_get_stack(ctx, s->user, sizeof(s->user), BPF_F_USER_STACK | BPF_F_USER_BUILD_ID);
		if (u < 0)
			u = 0;
		struct task_struct *task = bpf_get_current_task_btf();
		/* A kernel thread has no user registers. */
		if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs) && !(task->flags & 0x00200000 /* PF_KTHREAD */)) {
			struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
			s->ip = BPF_CORE_READ(regs, ip);
			s->sp = BPF_CORE_READ(regs, sp);
			s->bp = BPF_CORE_READ(regs, bp);
			s->copy_bytes = ct_stack_copy(s);
		}
	}
	if (kernel && (ct_stack_flags & CT_STACK_KERNEL)) {
		k = bpf_get_stack(ctx, s->kernel, sizeof(s->kernel), 0);
		if (k < 0)
			k = 0;
	}
	s->user_bytes = u;
	s->kernel_bytes = k;
}

/* Keep the current task's stacks under `key` for an event made later. */
static __always_inline void ct_stack_stash(void *ctx, __u64 key, bool kernel)
{
	if (!ct_stack_flags)
		return;
	__u32 zero = 0;
	struct ct_stack *s = bpf_map_lookup_elem(&ct_scratch_stack, &zero);
	if (!s)
		return;
	ct_stack_take(ctx, s, kernel);
	if (bpf_map_update_elem(&ct_stash, &key, s, BPF_ANY))
		ct_count(CT_STAT_STACK_EVENT_LOST);
}

/* Submit `e` (`size` bytes, struct ct_hdr first) followed by the stacks in
 * `s`. A record that cannot carry them goes without (counted). */
static __always_inline void ct_submit_with(void *e, __u64 size, const struct ct_stack *s)
{
	__u32 zero = 0;
	char *b = bpf_map_lookup_elem(&ct_scratch, &zero);
	if (!b || size > CT_STACK_EVENT_MAX || size < sizeof(struct ct_hdr)) {
		ct_count(CT_STAT_STACK_EVENT_LOST);
		ct_submit(e, size);
		return;
	}
	__u32 n = size;
	__u32 u = s->user_bytes, k = s->kernel_bytes, c = s->copy_bytes;
	if (u > CT_STACK_USER_BYTES)
		u = 0;
	if (k > CT_STACK_KERNEL_BYTES)
		k = 0;
	if (c > CT_STACK_COPY)
		c = 0;
	u &= ~(__u32)(sizeof(struct bpf_stack_build_id) - 1);
	k &= ~(__u32)(sizeof(__u64) - 1);
	if (n > CT_STACK_EVENT_MAX || bpf_probe_read_kernel(b, n, e)) {
		ct_submit(e, size);
		return;
	}
	((struct ct_hdr *)b)->ts_ns |= CT_TS_STACK;
	ct_mark_runtime(b);
	if (u)
		bpf_probe_read_kernel(b + n, u, s->user);
	__u32 at = n + u;
	if (k && at <= CT_STACK_EVENT_MAX + CT_STACK_USER_BYTES)
		bpf_probe_read_kernel(b + at, k, s->kernel);
	at += k;
	if (c && at <= CT_STACK_EVENT_MAX + CT_STACK_USER_BYTES + CT_STACK_KERNEL_BYTES)
		bpf_probe_read_kernel(b + at, c, s->copy);
	at += c;
	if (at > CT_STACK_SCRATCH - sizeof(struct ct_stack_footer))
		return;
	struct ct_stack_footer f = {
		.ip = s->ip, .sp = s->sp, .bp = s->bp,
		.user = u / sizeof(struct bpf_stack_build_id), .kernel = k / sizeof(__u64), .copy = c,
		.magic = CT_STACK_MAGIC, .maps_pid = s->maps_pid,
	};
	__builtin_memcpy(b + at, &f, sizeof(f));
	if (bpf_ringbuf_output(&events, b, at + sizeof(f), BPF_RB_NO_WAKEUP))
		ct_count(CT_STAT_RB_FULL);
}

/* Submit an event with the stacks of here and now (`ctx` the program's):
 * a syscall's exit, a signal's sender. */
static __always_inline void ct_submit_stack(void *ctx, void *e, __u64 size, bool kernel)
{
	if (!ct_stack_flags) {
		ct_submit(e, size);
		return;
	}
	__u32 zero = 0;
	struct ct_stack *s = bpf_map_lookup_elem(&ct_scratch_stack, &zero);
	if (!s) {
		ct_submit(e, size);
		return;
	}
	ct_stack_take(ctx, s, kernel);
	ct_submit_with(e, size, s);
}

/* The footer's layout, for user space's check. */
CT_BTF_TYPE(ct_stack_footer);

/* Submit an event with the stacks stashed under `key` (none: as it is). */
static __always_inline void ct_submit_stashed(void *e, __u64 size, __u64 key)
{
	if (!ct_stack_flags) {
		ct_submit(e, size);
		return;
	}
	struct ct_stack *s = bpf_map_lookup_elem(&ct_stash, &key);
	if (!s) {
		ct_submit(e, size);
		return;
	}
	ct_submit_with(e, size, s);
	bpf_map_delete_elem(&ct_stash, &key);
}

/* Parent process at the level of the task's container (`ids`: the task's;
 * 0 when the parent is outside the container, as `ps` inside it shows) and
 * at the host level. */
static __always_inline void ct_parent(struct task_struct *task, const struct ct_ids *ids, __u32 *ppid, __u32 *host_ppid)
{
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	*ppid = ids->pidns ? ct_tgid_at(parent, ids->level, ids->pidns) : 0;
	*host_ppid = host_level ? ct_tgid_at(parent, host_level, 0) : BPF_CORE_READ(parent, tgid);
}

/* Whether a task that exits with `exit_code` (a wait status) was killed by
 * the OOM killer: it marked the process (mark_oom_victim sets the
 * signal_struct's oom_mm, kept until the struct goes) and SIGKILL ends it.
 * A process killed by hand is not marked; one that was exiting anyway
 * when the OOM killer marked it (to let it use the reserves) exits by its
 * own status, not SIGKILL. */
static __always_inline bool ct_oom_killed(struct task_struct *task, __u32 exit_code)
{
	if (!bpf_core_field_exists(task->signal->oom_mm) || (exit_code & 0x7f) != 9)
		return false;
	return BPF_CORE_READ(task, signal, oom_mm) != NULL;
}

/* Follow mode: children of followed processes are followed too (a raw
 * tracepoint: the child's task gives its PID in the helper's numbering). */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(ct_follow_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!targ_follow)
		return 0;
	__u32 tgid, tid;
	ct_self(parent, &tgid, &tid); /* the parent is the current task */
	if (!bpf_map_lookup_elem(&followed, &tgid))
		return 0;
	/* A thread id; for a new process also its tgid. New threads get keys
	 * too; each is removed when that thread exits, so a reused tid is
	 * never followed. */
	__u32 key = host_level ? ct_tid_at(child, host_level, 0) : BPF_CORE_READ(child, pid);
	__u8 one = 1;
	if (bpf_map_update_elem(&followed, &key, &one, BPF_NOEXIST) == -E2BIG)
		ct_count(CT_STAT_FOLLOW_FULL);
	return 0;
}

/* Forget a thread's key when it exits, and the process's when its last
 * thread exits (signal->live is already decremented at this tracepoint). */
SEC("tracepoint/sched/sched_process_exit")
int ct_follow_exit(void *ctx)
{
	if (!targ_follow)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid, tid;
	ct_self(task, &tgid, &tid);
	if (tid != tgid)
		bpf_map_delete_elem(&followed, &tid);
	else if (BPF_CORE_READ(task, signal, live.counter) == 0)
		bpf_map_delete_elem(&followed, &tgid);
	return 0;
}

/* Selector traces: a PID namespace made while the trace runs is in scope
 * from its first task on (PID 1 there, forked by the runtime before the
 * entrypoint's exec), pending: user space hears of it through scope_new
 * (told before the entry exists, so no event of it can precede the news),
 * finds whose container it is, and makes it a member or drops it. Beneath
 * a member, a namespace is that member's already. Raw tracepoint: kprobes
 * on namespace creation are not available everywhere. */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(ct_scope_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!targ_multi)
		return 0;
	struct pid *pid = BPF_CORE_READ(child, thread_pid);
	if (!pid)
		return 0;
	__u32 level = BPF_CORE_READ(pid, level);
	if (level <= host_level || level > CT_MAX_SCOPE_DEPTH)
		return 0;
	struct upid *up = ct_upid(pid, level);
	if (BPF_CORE_READ(up, nr) != 1)
		return 0; /* not the first task of its namespace */
	__u32 l = 0, ino = 0;
	struct ct_scope *held = NULL;
	__u32 own = BPF_CORE_READ(up, ns, ns.inum);
	/* Beneath a member: that member's. A member's own inode at a first
	 * task is a new namespace that reuses the inode of a member that is
	 * gone (a restarted container's old one): pending like any new one. */
	int where = ct_locate(child, &l, &ino, &held);
	bool reused = where == CT_IN && ino == own;
	if (where == CT_IN && !reused)
		return 0;
	struct ct_scope_new n = {
		.pidns = own,
		.host_pid = host_level ? ct_tgid_at(child, host_level, 0) : BPF_CORE_READ(child, tgid),
		.level = level,
	};
	if (bpf_map_push_elem(&scope_new, &n, 0)) {
		ct_count(CT_STAT_UNWATCHED);
		return 0;
	}
	struct ct_scope s = { .state = CT_SCOPE_PENDING };
	if (bpf_map_update_elem(&scope_ns, &n.pidns, &s, reused ? BPF_EXIST : BPF_NOEXIST))
		ct_count(CT_STAT_UNWATCHED); /* user space still decides it, from then on */
	return 0;
}

#endif
