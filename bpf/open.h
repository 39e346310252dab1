/* open kind: open/openat/openat2 with their result. */
#ifndef CT_OPEN_H
#define CT_OPEN_H

#include "types.h"

#define OPEN_PATH_LEN 256

#define OPEN_F_PATH_TRUNCATED 1
#define OPEN_F_PATH_UNREADABLE 2 /* not paged in at entry */

struct open_event {
	struct ct_hdr hdr;
	__s64 ret;      /* fd, or -errno */
	__u64 flags;    /* O_* */
	__u32 mode;
	__s32 dirfd;    /* AT_FDCWD (-100) for open and most openat */
	__u32 syscall;  /* 0 open, 1 openat, 2 openat2 */
	__u32 eflags;   /* OPEN_F_* */
	char path[OPEN_PATH_LEN];
};

#endif
