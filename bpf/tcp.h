/* tcp kind: TCP state changes of the container's sockets. */
#ifndef CT_TCP_H
#define CT_TCP_H

#include "types.h"

/* How the process fields were found. */
#define TCP_BY_TASK 1   /* the current task, in the scope */
#define TCP_BY_OWNER 2  /* recorded when the socket was used in process context */

struct tcp_event {
	struct ct_hdr hdr;     /* zeros when no process could be named (softirq) */
	__u64 duration_ns;     /* since the connection began (first state seen) */
	__u64 bytes_sent;      /* at CLOSE */
	__u64 bytes_received;  /* at CLOSE */
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 family;          /* AF_INET 2, AF_INET6 10 */
	__u16 sport;
	__u16 dport;
	__u16 attributed;      /* TCP_BY_* or 0 */
	__s32 oldstate;
	__s32 newstate;
};

#endif
