/* uprobe kind: calls of one function in a binary or library inside the
 * container: arguments at entry, result and latency at return. */
#ifndef CT_UPROBE_H
#define CT_UPROBE_H

#include "types.h"

#define UPROBE_ARGS 6

struct uprobe_event {
	struct ct_hdr hdr;
	__u64 latency_ns;
	__u64 calls;               /* calls in scope so far (exact, in-kernel) */
	__u64 args[UPROBE_ARGS];   /* first integer arguments (x86-64 SysV registers) */
	__s64 ret;
};

#endif
