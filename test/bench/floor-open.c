/* The benchmark's floor for the open flood: a C libbpf reader of the same
 * BPF object and ring buffer the product uses (dist/bpf/open.bpf.o, the same
 * knobs), writing the same JSON line per event to stdout (buffered), so that
 * what is measured against it is only the user-space side. Kernel drops
 * (the object's own per-CPU counter) go to stderr at the end.
 * Usage: floor-open <obj> <pidns dev> <pidns ino> <level> <host pidns ino> <ring bytes> <container id> <container name> */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "open.h"

static volatile int stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static long long offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
static const char *cid, *cname;
static long long last_sec = -1;
static char prefix[32];

static void put_json_string(const char *s, size_t max)
{
	putchar_unlocked('"');
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			putchar_unlocked('\\');
			putchar_unlocked(c);
		} else if (c < 0x20) {
			printf("\\u%04x", c);
		} else {
			putchar_unlocked(c);
		}
	}
	putchar_unlocked('"');
}

static const struct { const char *name; unsigned bit; } flag_bits[] = {
	{ "O_CREAT", 0100 }, { "O_EXCL", 0200 }, { "O_NOCTTY", 0400 }, { "O_TRUNC", 01000 },
	{ "O_APPEND", 02000 }, { "O_NONBLOCK", 04000 }, { "O_DSYNC", 010000 }, { "O_ASYNC", 020000 },
	{ "O_DIRECT", 040000 }, { "O_LARGEFILE", 0100000 }, { "O_DIRECTORY", 0200000 },
	{ "O_NOFOLLOW", 0400000 }, { "O_NOATIME", 01000000 }, { "O_CLOEXEC", 02000000 },
	{ "__O_SYNC", 04000000 }, { "O_PATH", 010000000 }, { "__O_TMPFILE", 020000000 },
};

static int handle(void *ctx, void *data, size_t len)
{
	(void)ctx;
	const struct open_event *e = data;
	long long ns = (long long)e->hdr.ts_ns + offset_ns;
	long long sec = ns / 1000000000LL;
	if (sec != last_sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(prefix, sizeof(prefix), "%Y-%m-%dT%H:%M:%S", &tm);
		last_sec = sec;
	}
	printf("{\"gadget\":\"open\",\"time\":\"%s.%09lldZ\",\"container\":{\"id\":\"%s\",\"name\":\"%s\"},"
	       "\"pid\":%u,\"tid\":%u,\"hostPid\":%u,\"hostTid\":%u,\"comm\":",
	       prefix, ns % 1000000000LL, cid, cname, e->hdr.ids.pid, e->hdr.ids.tid, e->hdr.ids.host_pid, e->hdr.ids.host_tid);
	put_json_string(e->hdr.comm, sizeof(e->hdr.comm));
	fputs(",\"path\":", stdout);
	size_t path_max = len > offsetof(struct open_event, path) ? len - offsetof(struct open_event, path) : 0;
	if (e->eflags & OPEN_F_PATH_UNREADABLE)
		fputs("\"(not readable at entry)\"", stdout);
	else
		put_json_string(e->path, path_max < OPEN_PATH_LEN ? path_max : OPEN_PATH_LEN);
	printf(",\"pathTruncated\":%s,\"flags\":[", e->eflags & OPEN_F_PATH_TRUNCATED ? "true" : "false");
	unsigned flags = (unsigned)e->flags;
	static const char *acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	printf("\"%s\"", acc[flags & 3]);
	for (size_t i = 0; i < sizeof(flag_bits) / sizeof(flag_bits[0]); i++)
		if (flags & flag_bits[i].bit)
			printf(",\"%s\"", flag_bits[i].name);
	fputs("],\"mode\":", stdout);
	if (flags & 0100)
		printf("\"0%03o\"", e->mode & 07777);
	else
		fputs("null", stdout);
	if (e->dirfd == -100)
		fputs(",\"dirfd\":\"AT_FDCWD\"", stdout);
	else
		printf(",\"dirfd\":%d", e->dirfd);
	static const char *sys[] = { "open", "openat", "openat2" };
	printf(",\"syscall\":\"%s\"", sys[e->syscall < 3 ? e->syscall : 1]);
	if (e->ret < 0) {
		const char *name = strerrorname_np((int)-e->ret);
		printf(",\"errno\":\"%s\"}\n", name ? name : "?");
	} else {
		printf(",\"fd\":%lld}\n", (long long)e->ret);
	}
	return 0;
}

/* Set a `.rodata` knob by name, as the product does (BTF of the datasec). */
static int set_knob(struct bpf_object *obj, const char *name, unsigned long long value)
{
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		const char *mname = bpf_map__name(map);
		size_t n = strlen(mname);
		if (n < 7 || strcmp(mname + n - 7, ".rodata"))
			continue;
		const struct btf *btf = bpf_object__btf(obj);
		int id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
		if (id < 0)
			return -1;
		const struct btf_type *sec = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *v = btf_var_secinfos(sec);
		size_t sz;
		char *data = (char *)bpf_map__initial_value(map, &sz);
		for (int i = 0; i < btf_vlen(sec); i++, v++) {
			const struct btf_type *var = btf__type_by_id(btf, v->type);
			if (strcmp(btf__name_by_offset(btf, var->name_off), name))
				continue;
			memcpy(data + v->offset, &value, v->size); /* little-endian */
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc != 9)
		return 2;
	struct timespec mono, real;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	offset_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
	cid = argv[7];
	cname = argv[8];
	static char outbuf[1 << 20];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return 1;
	if (set_knob(obj, "targ_pidns_dev", strtoull(argv[2], NULL, 0)) || set_knob(obj, "targ_pidns_ino", strtoull(argv[3], NULL, 0)) ||
	    set_knob(obj, "targ_level", strtoull(argv[4], NULL, 0)) || set_knob(obj, "host_pidns_ino", strtoull(argv[5], NULL, 0))) {
		fprintf(stderr, "knobs not found\n");
		return 1;
	}
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "events"), strtoul(argv[6], NULL, 0));
	if (bpf_object__load(obj))
		return 1;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (!strcmp(bpf_program__name(prog), "ct_follow_fork"))
			continue;
		if (!bpf_program__attach(prog))
			return 1;
	}
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")), handle, NULL, NULL);
	if (!rb)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "ready\n");
	/* Like the product, the BPF side submits without wake-ups: poll every 20 ms. */
	while (!stop) {
		ring_buffer__consume(rb);
		fflush(stdout);
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
	}
	ring_buffer__consume(rb);
	fflush(stdout);
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long *vals = calloc(ncpu, 8), drops = 0;
	__u32 key = 0; /* CT_STAT_RB_FULL */
	if (!bpf_map_lookup_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "stats")), &key, vals))
		for (int i = 0; i < ncpu; i++)
			drops += vals[i];
	fprintf(stderr, "summary: dropped %llu\n", drops);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
