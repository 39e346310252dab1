/* proctree kind: fork, exec and exit of processes, to draw who started whom. */
#ifndef CT_PROCTREE_H
#define CT_PROCTREE_H

#include "types.h"

#define PROCTREE_FORK 0
#define PROCTREE_EXEC 1
#define PROCTREE_EXIT 2
#define PROCTREE_FILENAME_LEN 256
#define PROCTREE_ARGV0_LEN 48

struct proctree_event {
	struct ct_hdr hdr;       /* fork: the parent; exec, exit: the process */
	struct ct_ids child;     /* fork: the new process */
	__u32 kind;              /* PROCTREE_* */
	__u32 ppid;              /* parent in the container, 0 if outside */
	__u32 host_ppid;
	__u32 exit_code;         /* exit: raw wait status */
	__u64 lifetime_ns;       /* exit: since the process started (its first thread) */
	__u32 oom_killed;        /* exit: killed by SIGKILL as the OOM killer's victim */
	__u32 pad;
	char filename[PROCTREE_FILENAME_LEN]; /* exec: the program */
	/* exec of /proc/<pid>/exe (busybox's applets, comm "exe"): argv[0], the
	 * applet the user asked for; empty otherwise */
	char argv0[PROCTREE_ARGV0_LEN];
};

#endif
