/* syscall kind: each syscall of the scope as one record at its exit, with
 * its arguments and what it read or wrote of the caller's memory (strings
 * and buffers, bounded), its result and duration. */
#ifndef CT_SYSCALL_H
#define CT_SYSCALL_H

#include "types.h"

#define SC_SLOT_MAX 256 /* bytes kept of one string or buffer */
#define SC_BUF_LEN 768  /* two slots, and room for a string read at a slot's end */

/* What a capture reads (bpf/syscall_table.h). */
#define SC_CAP_STR 1    /* NUL-terminated, at entry */
#define SC_CAP_BUFIN 2  /* bytes at entry, as many as another argument says */
#define SC_CAP_BUFOUT 3 /* bytes at exit, as many as the result says */
#define SC_CAP_STAT 4   /* struct stat at exit (when the call succeeded) */
#define SC_CAP_ARGV 5   /* an array of strings at entry (execve's argv), NUL-separated */
#define SC_CAP_OUT4 6   /* 4 bytes at exit (wait4's status) */
#define SC_CAP_OUT8 7   /* 8 bytes at exit (pipe's two fds) */

/* struct syscall_event.flags */
#define SC_F_CUT0 1     /* slot 0 holds less than its source (src[0] says how much that was, when known) */
#define SC_F_CUT1 2
#define SC_F_NORET 4    /* never returned (exit, exit_group): submitted at entry */
#define SC_F_FAULT0 8   /* slot 0 could not be read */
#define SC_F_FAULT1 16
#define SC_F_ARGV_MORE 32 /* argv had more strings than were read */

struct syscall_event {
	struct ct_hdr hdr;    /* ts_ns: the call's entry */
	__u64 args[6];
	__s64 ret;
	__u64 duration_ns;
	__u32 nr;
	__u16 off[2];         /* where each slot's bytes are in buf */
	__u16 len[2];         /* bytes in each slot (a string's without its NUL) */
	__u8 arg[2];          /* which argument each slot is of; 255: none */
	__u8 flags;           /* SC_F_* */
	__u8 pad;
	__u32 src[2];         /* the source's length: a buffer's (asked or returned), a cut string's unknown (0); argv: strings */
	char buf[SC_BUF_LEN];
};

#endif
