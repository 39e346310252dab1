/* Types shared by the BPF programs and user space (decoders in src/kinds/
 * are checked against the compiled objects' BTF by a test). */
#ifndef CT_TYPES_H
#define CT_TYPES_H

#define CT_TASK_COMM_LEN 16
#define CT_MAX_FOLLOWED 8192
#define CT_MAX_SCOPE_NS 1024   /* PID namespaces a selector trace can hold */
/* PID namespaces made while a selector trace runs that it can hold pending
 * at once (beside its members), and the queue that tells user space. */
#define CT_MAX_SCOPE_PENDING 256

/* Indexes of the per-CPU `stats` map. */
enum ct_stat {
	CT_STAT_RB_FULL = 0,     /* event lost: ring buffer full */
	CT_STAT_PENDING_FULL = 1, /* event lost: in-flight map full */
	CT_STAT_FOLLOW_FULL = 2, /* child not followed: followed map full */
	CT_STAT_UNWATCHED = 3,   /* new PID namespace not held from its start: queue or scope map full */
	CT_STAT_STACK_LOST = 4,  /* profile: a sample's stack not kept (stack map full or a bucket taken); the sample is */
	CT_STAT_STACK_EVENT_LOST = 5, /* --stack: an event went without its stack (stash full, no scratch) */
	CT_STAT_MAX = 6,
};

/* PIDs of one task: at the container's namespace level and at host level,
 * and which container's namespace that is (a selector traces several). */
struct ct_ids {
	__u32 pid;      /* tgid in the container */
	__u32 tid;      /* thread id in the container */
	__u32 host_pid; /* tgid on the host */
	__u32 host_tid; /* thread id on the host */
	__u32 pidns;    /* inode of the container's PID namespace; 0 when outside */
	__u32 level;    /* level of that namespace */
};

/* A selector trace's PID namespace (the value of scope_ns): a member, or
 * one made while the trace runs that user space has not decided yet. */
enum ct_scope_state {
	CT_SCOPE_MEMBER = 1,
	CT_SCOPE_PENDING = 2, /* its events are let through, counted, and held by user space */
};

struct ct_scope {
	__u32 state; /* enum ct_scope_state */
	__u32 held;  /* pending: events let through so far (past targ_held_max: dropped) */
};

/* A new PID namespace, told to user space (scope_new): its first task (PID 1
 * there), by its PID in the helper's numbering, and its level. */
struct ct_scope_new {
	__u32 pidns;
	__u32 host_pid;
	__u32 level;
	__u32 pad;
};

/* --stack: a record whose ts_ns has bit 62 (CT_TS_STACK) set ends with its
 * stacks: `user` frames of struct bpf_stack_build_id (the kernel's walk of
 * the frame pointers, resolved to build ID and file offset while the
 * process lived; status 2 frames carry only the address), then `kernel`
 * addresses (u64), then `copy` bytes of the user stack from sp (for user
 * space to unwind by the files' .eh_frame, as perf's --call-graph dwarf
 * does: most distributions build without frame pointers), then this footer.
 * The kind's decoder reads the record before them. */
#define CT_STACK_DEPTH 32
#define CT_STACK_COPY 8192
#define CT_STACK_MAGIC 0x6b735443 /* "CTsk" */
struct ct_stack_footer {
	__u64 ip;     /* user registers where the task entered the kernel */
	__u64 sp;
	__u64 bp;
	__u16 user;   /* frames */
	__u16 kernel; /* addresses */
	__u16 copy;   /* bytes of stack */
	__u16 pad;
	__u32 magic;  /* CT_STACK_MAGIC */
	__u32 maps_pid; /* whose memory the stack is of, when not the record's process (exec: the parent, whose copy it ran) */
};

/* An event's stacks as taken (per CPU), or kept from where a syscall began
 * for an event made later, when the image may be gone (exec, exit). */
struct ct_stack {
	__u32 user_bytes;
	__u32 kernel_bytes;
	__u32 copy_bytes;
	__u32 maps_pid;
	__u32 tid;    /* the task that took it (kernel numbering) */
	__u32 pad;
	__u64 ip, sp, bp;
	struct bpf_stack_build_id user[CT_STACK_DEPTH];
	__u64 kernel[CT_STACK_DEPTH];
	__u8 copy[CT_STACK_COPY];
};

/* Start of every event: when, who (both PID levels), comm. */
struct ct_hdr {
	__u64 ts_ns;           /* CLOCK_MONOTONIC; bit 63: the container runtime's task (CT_TS_RUNTIME) */
	struct ct_ids ids;
	char comm[CT_TASK_COMM_LEN];
};

#endif
