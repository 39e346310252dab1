/* oomkill kind: the kernel's OOM killer takes a process (oom/mark_victim). */
#ifndef CT_OOMKILL_H
#define CT_OOMKILL_H

#include "types.h"

/* oomkill_event.flags */
#define OOMKILL_TRIGGER_IN 1  /* the trigger is in the traced scope (its container-level ids are set) */
#define OOMKILL_VICTIM_TASK 2 /* the victim's task was read (else only its host PID and comm are known) */
#define OOMKILL_MEM 4         /* the victim's memory figures were read (its mm, or the tracepoint's fields) */
#define OOMKILL_MEMCG 8       /* a memory cgroup was read (usage_bytes) */
#define OOMKILL_LIMITED 16    /* ... with a limit (limit_bytes); without, the OOM was the machine's */

struct oomkill_event {
	struct ct_hdr hdr;          /* the victim: its ids and comm (not the current task's) */
	struct ct_ids trigger;      /* the task whose allocation made the kernel kill; container-level ids 0 when outside */
	char trigger_comm[CT_TASK_COMM_LEN];
	__u64 anon_bytes;           /* the victim's resident memory: anonymous, file-backed, shared memory */
	__u64 file_bytes;
	__u64 shmem_bytes;
	__u64 pgtables_bytes;       /* its page tables */
	__u64 total_vm_bytes;       /* its address space */
	__u64 limit_bytes;          /* the memory cgroup's limit (OOMKILL_LIMITED): the tightest of its own and its ancestors' */
	__u64 usage_bytes;          /* that cgroup's usage (OOMKILL_MEMCG) */
	__s32 oom_score_adj;
	__u32 uid;                  /* the victim's real uid (kernel view) */
	__u32 flags;                /* OOMKILL_* */
	__u32 memcg_depth;          /* how far above the victim's own cgroup the limit is (0: its own) */
};

#endif
