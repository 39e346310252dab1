/* profile kind: CPU samples (or, off-CPU, the time blocked) counted per
 * (process, user stack, kernel stack) in the kernel; the stacks themselves in stack trace maps. The programs
 * write one of three generations at a time (the generation is in the key, and
 * each has its own stack map); each read moves them to the next. */
#ifndef CT_PROFILE_H
#define CT_PROFILE_H

#include "types.h"

/* Frames kept per stack (the kernel's perf_event_max_stack default). */
#define PROFILE_MAX_DEPTH 127
/* Generations of counts and stacks (see profile.bpf.c). */
#define PROFILE_GENS 3
/* Distinct (process, stacks) entries, all generations together. */
#define PROFILE_MAX_ENTRIES 16384
/* Stacks per generation and stack map (user and kernel stacks share it). */
#define PROFILE_MAX_STACKS 8192

struct profile_key {
	__u32 host_pid; /* tgid on the host (the helper's numbering) */
	__u32 pid;      /* tgid in the container */
	__s32 ustack;   /* id in the generation's stack map, or -errno (none, lost) */
	__s32 kstack;
	__u32 gen;      /* the generation the sample was counted in (its stacks' map) */
	__u32 pidns;    /* inode of its container's PID namespace (a selector trace's member) */
};

struct profile_value {
	__u64 count;      /* samples; off-CPU: the blocks that ended */
	__u64 blocked_ns; /* off-CPU: the time they took, together */
	char comm[CT_TASK_COMM_LEN]; /* the thread's name at the entry's first sample */
};

/* Off-CPU threads in scope switched out and not back in yet (by host TID). */
#define PROFILE_MAX_OFFCPU 16384

/* off-CPU: a thread of the scope switched out, by its host TID. Its stacks
 * are in stacks0, which off-CPU mode never empties (a block may span any
 * number of reads). */
struct offcpu_start {
	__u64 ts_ns;    /* bpf_ktime_get_ns() at the switch out (CLOCK_MONOTONIC) */
	__u32 host_pid;
	__u32 pid;
	__s32 ustack;
	__s32 kstack;
	__u32 pidns;
	char comm[CT_TASK_COMM_LEN];
};

#endif
