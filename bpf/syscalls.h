/* syscalls kind: per process and syscall, counts and a latency histogram
 * aggregated in the kernel; user space reads and empties the map each
 * interval. */
#ifndef CT_SYSCALLS_H
#define CT_SYSCALLS_H

#include "types.h"

#define SYSCALLS_HIST_SLOTS 32 /* log2(ns): slot i counts latencies in [2^i, 2^(i+1)) */

struct syscalls_key {
	__u32 host_pid; /* tgid on the host */
	__u32 nr;       /* syscall number */
	__u32 runtime;  /* made by the container runtime's code (its init before the exec) */
	__u32 gen;      /* the generation it was counted in (syscalls_gen): user space reads a generation
	                 * once it is no longer written, so no count is lost to a read */
	__u32 pidns;    /* the PID namespace it was counted in: a selector (a container waited for)
	                 * reports each member's counts as its own, and none of a namespace that
	                 * turned out not to be one */
};

#define SYSCALLS_GENS 3

struct syscalls_stats {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	__u32 pid;      /* tgid in the container */
	__u32 errors;   /* calls that returned < 0 */
	char comm[CT_TASK_COMM_LEN];
	__u32 hist[SYSCALLS_HIST_SLOTS];
};

#define SYSCALLS_ARGV0_LEN 48

/* The name a process took at its latest exec (names map, by host PID);
 * argv[0] too when it exec'd /proc/<self>/exe (busybox's applets: comm "exe"),
 * which names the program instead. */
struct syscalls_name {
	char comm[CT_TASK_COMM_LEN];
	char argv0[SYSCALLS_ARGV0_LEN];
};

#endif
