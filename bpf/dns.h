/* dns kind: the DNS messages a process sends to and receives from a name
 * server (a socket whose peer port is dns_port, 53 by default), as its
 * socket syscalls moved them. The client part parses them and pairs each
 * query with its answer. */
#ifndef CT_DNS_H
#define CT_DNS_H

#include "types.h"

/* Payload bytes a record carries at most (a part's bytes past it are cut, flagged). */
#define DNS_DATA_MAX 512

#define DNS_SEND 1
#define DNS_RECV 2

/* flags */
#define DNS_CUT 1   /* the part moved more bytes than the record carries */
#define DNS_MORE 2  /* more parts of the same call follow (iovecs of one datagram or stream write) */
#define DNS_MSG 4   /* sendmmsg/recvmmsg: each part is a message of its own */

struct dns_event {
	struct ct_hdr hdr;      /* ts_ns: a send's entry, a receive's exit */
	__u64 sock_ino;         /* the socket's inode (socket:[N]): pairs and reassembles */
	__s32 ret;              /* bytes this part moved, or -errno of the call */
	__s32 fd;
	__u16 family;           /* AF_INET 2, AF_INET6 10 */
	__u16 port;             /* the server's port, host byte order */
	__u8 addr[16];          /* the server's address (IPv4 in the first 4 bytes) */
	__u8 dir;               /* DNS_SEND, DNS_RECV */
	__u8 proto;             /* IPPROTO_UDP 17, IPPROTO_TCP 6 */
	__u8 flags;             /* DNS_CUT | DNS_MORE | DNS_MSG */
	__u8 part;              /* iovec or message index within the call */
	__u16 len;              /* bytes in data */
	__u16 nr;               /* which syscall (DNS_CALL_*) */
	__u32 pad;
	__u8 data[DNS_DATA_MAX];
};

#endif
