/* signal kind: signals generated (sender → target) and delivered. */
#ifndef CT_SIGNAL_H
#define CT_SIGNAL_H

#include "types.h"

#define SIGNAL_GENERATED 0
#define SIGNAL_DELIVERED 1
/* code of a delivery without siginfo (SEND_SIG_NOINFO): no si_code was given */
#define SIGNAL_NO_INFO (-0x10000)

struct signal_event {
	struct ct_hdr hdr;     /* the sender (generated) or the receiver (delivered) */
	struct ct_ids target;  /* container-level ids are 0 when outside the container */
	__s32 sig;
	__s32 code;            /* si_code: SI_USER, SI_KERNEL, ... */
	__s32 result;          /* generated: TRACE_SIGNAL_* */
	__u32 phase;           /* SIGNAL_GENERATED or SIGNAL_DELIVERED */
	__u32 sender_in_scope;
	__u32 fatal;           /* delivered as SIGKILL without siginfo, why (SIGNAL_END_*): the group's fatal signal
	                        * (sig is then the one sent), the process exiting, another thread's exec */
	__u64 handler;         /* delivered: 0 default, 1 ignore, else a handler */
};

/* signal_event.fatal: why a thread got SIGKILL without siginfo (get_signal's group-exit path). */
#define SIGNAL_END_FATAL 1 /* the group's exit for a fatal signal: sig is the signal sent */
#define SIGNAL_END_EXIT 2  /* the process exits (exit_group, or the last thread's exit): no signal ends it */
#define SIGNAL_END_EXEC 3  /* another thread exec'd: the process goes on in its new program */

#endif
