/* profile kind: CPU samples counted per (process, user stack, kernel stack)
 * in the kernel; the stacks themselves in stack trace maps. User space
 * switches between two generations of maps each interval, reads and empties
 * the one it left. */
#ifndef CT_PROFILE_H
#define CT_PROFILE_H

#include "types.h"

/* Frames kept per stack (the kernel's perf_event_max_stack default). */
#define PROFILE_MAX_DEPTH 127
/* Distinct (process, stacks) entries per generation. */
#define PROFILE_MAX_ENTRIES 10240
/* Stacks per generation and stack map (user and kernel stacks share it). */
#define PROFILE_MAX_STACKS 8192

struct profile_key {
	__u32 host_pid; /* tgid on the host (the helper's numbering) */
	__u32 pid;      /* tgid in the container */
	__s32 ustack;   /* id in the generation's stack map, or -errno (none, lost) */
	__s32 kstack;
};

struct profile_value {
	__u64 count;
	char comm[CT_TASK_COMM_LEN]; /* the thread's name at the entry's first sample */
};

#endif
