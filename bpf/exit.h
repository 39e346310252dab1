/* exit kind: one event per thread or process exit. */
#ifndef CT_EXIT_H
#define CT_EXIT_H

#include "types.h"

struct exit_event {
	struct ct_hdr hdr;
	__u64 lifetime_ns;  /* since the task started */
	__u32 exit_code;    /* raw wait status: code << 8 | core 0x80 | signal */
	__u32 ppid;         /* parent in the container, 0 if outside */
	__u32 host_ppid;
	__u8 thread;        /* a thread other than the last one of its process */
	__u8 group_dead;    /* the whole process is gone */
	__u8 oom_killed;    /* killed by SIGKILL as the OOM killer's victim (its signal_struct's oom_mm is set) */
	__u8 pad;
};

#endif
