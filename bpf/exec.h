/* exec kind: one event per execve/execveat, successful or not. */
#ifndef CT_EXEC_H
#define CT_EXEC_H

#include "types.h"

#define EXEC_FILENAME_LEN 256
#define EXEC_ARG_LEN 256       /* longest single argument kept */
#define EXEC_ARGS_LEN 2048     /* all arguments, NUL-separated */
#define EXEC_MAX_ARGS 32

/* flags */
#define EXEC_F_ARGS_TRUNCATED 1     /* more arguments than kept, or one cut */
#define EXEC_F_FILENAME_TRUNCATED 2

struct exec_event {
	struct ct_hdr hdr;     /* PIDs and comm after the exec (a non-leader thread takes the tgid; the caller's comm when it failed); ts_ns at entry */
	__u32 ppid;            /* parent tgid in the container, 0 if outside */
	__u32 host_ppid;
	__u32 uid;
	__u32 gid;
	__s32 ret;             /* 0 or -errno */
	__u32 flags;
	__u32 args_count;
	__u32 args_size;       /* bytes used in args */
	char filename[EXEC_FILENAME_LEN]; /* as the caller passed it: the container's view */
	char args[EXEC_ARGS_LEN];
};

#endif
