/* The benchmark's floor in C with libbpf: open, set the namespace, load,
 * attach, print "ready", then one line per event. Usage: floor <obj> <dev> <ino> */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int handle(void *ctx, void *data, size_t len)
{
	(void)ctx; (void)len;
	const unsigned int *ns = data; /* struct bpf_pidns_info { pid; tgid; } */
	printf("%u %u\n", ns[1], ns[0]);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return 1;
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		if (strlen(name) >= 7 && strcmp(name + strlen(name) - 7, ".rodata") == 0) {
			size_t sz;
			unsigned long long *cfg = (unsigned long long *)bpf_map__initial_value(map, &sz);
			cfg[0] = strtoull(argv[2], NULL, 0);
			cfg[1] = strtoull(argv[3], NULL, 0);
		}
	}
	if (bpf_object__load(obj))
		return 1;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog))
			return 1;
	}
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")), handle, NULL, NULL);
	if (!rb)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "ready\n");
	while (!stop)
		ring_buffer__poll(rb, 100);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
