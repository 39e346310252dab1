/* bind kind: a process binds a socket to an address (a server starting to
 * listen, a UDP service), successfully or not (EADDRINUSE, EACCES). */
#ifndef CT_BIND_H
#define CT_BIND_H

#include "types.h"

struct bind_event {
	struct ct_hdr hdr;
	__s32 ret;       /* 0 or -errno */
	__u16 family;    /* AF_INET 2, AF_INET6 10, AF_UNIX 1, ... */
	__u16 port;      /* host byte order */
	__u8 addr[16];   /* IPv4 in the first 4 bytes */
	__u16 type;      /* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, ... */
	__u16 protocol;  /* IPPROTO_TCP 6, IPPROTO_UDP 17, ... */
	__s32 fd;
};

#endif
