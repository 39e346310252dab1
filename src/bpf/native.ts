/**
 * libbpf.so.1 and libc through koffi: the only place that declares native
 * functions. Everything is loaded lazily so that modules importing types
 * (the extension, unit tests) never touch native code.
 */
import koffi from 'koffi';

export type Ptr = unknown; // opaque native pointer as koffi hands it out

function declare() {
  const libbpf = koffi.load('libbpf.so.1');
  const libc = koffi.load('libc.so.6');
  for (const name of ['bpf_object', 'bpf_program', 'bpf_map', 'bpf_link', 'btf']) koffi.opaque(name);
  const printFn = koffi.proto('int ct_libbpf_print_fn(int level, const char *fmt, void *ap)');
  // The leading fields of libbpf's struct bpf_object_open_opts (sz says how many are given).
  const openOpts = koffi.struct('ct_bpf_object_open_opts', {
    sz: 'size_t',
    object_name: 'const char *',
    relaxed_maps: 'bool',
    pin_root_path: 'const char *',
    removed_attach_prog_fd: 'uint32',
    kconfig: 'const char *',
    btf_custom_path: 'const char *',
  });
  return {
    // objects
    open: libbpf.func('bpf_object *bpf_object__open_file(const char *path, void *opts)'),
    openOptsSize: koffi.sizeof(openOpts),
    openWithOpts: libbpf.func('bpf_object__open_file', 'bpf_object *', ['const char *', koffi.pointer(openOpts)]),
    load: libbpf.func('int bpf_object__load(bpf_object *obj)'),
    close: libbpf.func('void bpf_object__close(bpf_object *obj)'),
    objBtf: libbpf.func('btf *bpf_object__btf(const bpf_object *obj)'),
    nextMap: libbpf.func('bpf_map *bpf_object__next_map(const bpf_object *obj, const bpf_map *map)'),
    nextProg: libbpf.func('bpf_program *bpf_object__next_program(const bpf_object *obj, bpf_program *prog)'),
    // programs
    progName: libbpf.func('const char *bpf_program__name(const bpf_program *prog)'),
    progSection: libbpf.func('const char *bpf_program__section_name(const bpf_program *prog)'),
    progSetAutoload: libbpf.func('int bpf_program__set_autoload(bpf_program *prog, bool autoload)'),
    progAttach: libbpf.func('bpf_link *bpf_program__attach(const bpf_program *prog)'),
    progFd: libbpf.func('int bpf_program__fd(const bpf_program *prog)'),
    linkDestroy: libbpf.func('int bpf_link__destroy(bpf_link *link)'),
    attachPerfEvent: libbpf.func('bpf_link *bpf_program__attach_perf_event(const bpf_program *prog, int pfd)'),
    attachUprobe: libbpf.func(
      'bpf_link *bpf_program__attach_uprobe(const bpf_program *prog, bool retprobe, int pid, const char *binary_path, size_t func_offset)',
    ),
    // maps
    mapName: libbpf.func('const char *bpf_map__name(const bpf_map *map)'),
    mapFd: libbpf.func('int bpf_map__fd(const bpf_map *map)'),
    mapType: libbpf.func('int bpf_map__type(const bpf_map *map)'),
    mapSetMaxEntries: libbpf.func('int bpf_map__set_max_entries(bpf_map *map, uint32_t max_entries)'),
    mapMaxEntries: libbpf.func('uint32_t bpf_map__max_entries(const bpf_map *map)'),
    mapInitialValue: libbpf.func('void *bpf_map__initial_value(bpf_map *map, _Out_ size_t *psize)'),
    mapLookup: libbpf.func(
      'int bpf_map__lookup_elem(const bpf_map *map, const void *key, size_t key_sz, _Out_ uint8_t *value, size_t value_sz, uint64_t flags)',
    ),
    mapUpdate: libbpf.func(
      'int bpf_map__update_elem(const bpf_map *map, const void *key, size_t key_sz, const void *value, size_t value_sz, uint64_t flags)',
    ),
    mapNextKey: libbpf.func('int bpf_map__get_next_key(const bpf_map *map, const void *cur_key, _Out_ uint8_t *next_key, size_t key_sz)'),
    mapLookupAndDelete: libbpf.func(
      'int bpf_map__lookup_and_delete_elem(const bpf_map *map, const void *key, size_t key_sz, _Out_ uint8_t *value, size_t value_sz, uint64_t flags)',
    ),
    mapDelete: libbpf.func('int bpf_map__delete_elem(const bpf_map *map, const void *key, size_t key_sz, uint64_t flags)'),
    numPossibleCpus: libbpf.func('int libbpf_num_possible_cpus(void)'),
    probeMapType: libbpf.func('int libbpf_probe_bpf_map_type(int map_type, const void *opts)'),
    probeProgType: libbpf.func('int libbpf_probe_bpf_prog_type(int prog_type, const void *opts)'),
    setPrint: libbpf.func('void *libbpf_set_print(ct_libbpf_print_fn *fn)'),
    printFn,
    // BTF
    btfParse: libbpf.func('btf *btf__parse(const char *path, void *ext)'),
    btfFree: libbpf.func('void btf__free(btf *btf)'),
    btfFindByNameKind: libbpf.func('int btf__find_by_name_kind(const btf *btf, const char *name, uint32_t kind)'),
    btfTypeById: libbpf.func('const void *btf__type_by_id(const btf *btf, uint32_t id)'),
    btfNameByOffset: libbpf.func('const char *btf__name_by_offset(const btf *btf, uint32_t offset)'),
    btfResolveSize: libbpf.func('int64_t btf__resolve_size(const btf *btf, uint32_t id)'),
    // libc
    mmap: libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)'),
    munmap: libc.func('int munmap(void *addr, size_t len)'),
    vsnprintf: libc.func('int vsnprintf(_Out_ uint8_t *buf, size_t n, const char *fmt, void *ap)'),
    strerror: libc.func('const char *strerror(int errnum)'),
    mount: libc.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)'),
    prctl: libc.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)'),
    getpagesize: libc.func('int getpagesize(void)'),
    flock: libc.func('int flock(int fd, int operation)'),
    fcntlInt: libc.func('int fcntl(int fd, int cmd, int arg)'),
    syscall: libc.func('long syscall(long number, ...)') as (number: number, ...args: unknown[]) => number | bigint,
  };
}

export type Native = ReturnType<typeof declare>;
let native: Native | undefined;

/** The native functions; throws a clear error when libbpf.so.1 is missing. */
export function lib(): Native {
  if (!native) {
    try {
      native = declare();
    } catch (err) {
      throw new Error(
        `cannot load libbpf.so.1 (${(err as Error).message}); install it: apt-get install libbpf1 (Debian/Ubuntu) or libbpf (Fedora)`,
      );
    }
  }
  return native;
}

export function errnoMessage(code: number): string {
  const e = Math.abs(code);
  const name = Object.entries(koffi.os.errno).find(([, v]) => v === e)?.[0];
  return `${name ?? 'errno ' + e}: ${lib().strerror(e)}`;
}

/** errno after a call that returned NULL or a negative value. */
export function lastErrno(): number {
  return koffi.errno();
}

export function isNull(p: Ptr): boolean {
  return p === null || p === undefined || koffi.address(p) === 0n;
}

export function address(p: Ptr): bigint {
  return koffi.address(p);
}

export function view(p: Ptr, len: number): ArrayBuffer {
  return koffi.view(p, len);
}

export function decodeU32(p: Ptr, offset: number): number {
  return koffi.decode(p, offset, 'uint32_t') as number;
}

type LibbpfLevel = 'warn' | 'info' | 'debug';
const LEVELS: readonly LibbpfLevel[] = ['warn', 'info', 'debug'];
let logSink: ((level: LibbpfLevel, line: string) => void) | undefined;
/** The most detailed level asked for (libbpf's own numbers: 0 warn, 1 info, 2 debug); -1: none. */
let logUpTo = -1;
let printCb: unknown;

/**
 * Route libbpf's own messages (verifier logs, attach failures) up to level
 * `upTo` to `sink`; more detailed ones are dropped before they are formatted
 * (a load prints about 2,000 debug lines: formatting them all was about a
 * third of a load's time). libbpf hands a va_list; vsnprintf formats it
 * without JS touching varargs.
 */
export function routeLibbpfLog(sink: (level: LibbpfLevel, line: string) => void, upTo: LibbpfLevel | 'none' = 'debug'): void {
  const n = lib();
  logSink = sink;
  logUpTo = upTo === 'none' ? -1 : LEVELS.indexOf(upTo);
  if (printCb) return;
  const buf = Buffer.alloc(256 << 10); // verifier logs arrive as one message
  printCb = koffi.register((level: number, fmt: string, ap: Ptr) => {
    if (level > logUpTo) return 0;
    const len = n.vsnprintf(buf, buf.length, fmt, ap);
    const text = buf.subarray(0, Math.max(0, Math.min(len, buf.length - 1))).toString('utf8').trimEnd();
    if (text) logSink?.(LEVELS[level] ?? 'debug', text);
    return 0;
  }, koffi.pointer(n.printFn));
  n.setPrint(printCb as never);
}

const F_SETPIPE_SZ = 1031;

/** A pipe's capacity (fcntl F_SETPIPE_SZ): the size the kernel gave, or undefined when `fd` is no pipe or it was refused. */
export function setPipeSize(fd: number, bytes: number): number | undefined {
  const got = lib().fcntlInt(fd, F_SETPIPE_SZ, bytes);
  return got > 0 ? got : undefined;
}

const LOCK_EX = 2;
const LOCK_NB = 4;
const EWOULDBLOCK = 11;

/** flock(fd, LOCK_EX | LOCK_NB): true when taken, false when another holds it (never blocks). */
export function tryLockExclusive(fd: number): boolean {
  if (lib().flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
  const e = lastErrno();
  if (e === EWOULDBLOCK) return false;
  throw new Error(`flock: ${errnoMessage(e)}`);
}

/** perf_event_open(2)'s number (x86_64, arm64). */
const SYS_PERF_EVENT_OPEN = process.arch === 'arm64' ? 241 : 298;
const PERF_TYPE_SOFTWARE = 1;
const PERF_COUNT_SW_CPU_CLOCK = 0;
/** sizeof(struct perf_event_attr), PERF_ATTR_SIZE_VER5: every field this needs, accepted since Linux 4.1. */
const PERF_ATTR_SIZE = 112;
const PERF_FLAG_FD_CLOEXEC = 8;

/**
 * A software cpu-clock sampling event on one CPU for every task, `hz`
 * samples a second (frequency mode), enabled: a descriptor a perf_event BPF
 * program attaches to, or a negative errno.
 */
export function openCpuClock(cpu: number, hz: number): number {
  const attr = Buffer.alloc(PERF_ATTR_SIZE);
  attr.writeUInt32LE(PERF_TYPE_SOFTWARE, 0); // type
  attr.writeUInt32LE(PERF_ATTR_SIZE, 4); // size
  attr.writeBigUInt64LE(BigInt(PERF_COUNT_SW_CPU_CLOCK), 8); // config
  attr.writeBigUInt64LE(BigInt(hz), 16); // sample_freq
  attr.writeBigUInt64LE(1n << 10n, 40); // flags: freq (disabled = 0: counting at once)
  const fd = Number(lib().syscall(SYS_PERF_EVENT_OPEN, 'void *', attr, 'int', -1, 'int', cpu, 'int', -1, 'unsigned long', PERF_FLAG_FD_CLOEXEC));
  return fd < 0 ? -koffi.errno() : fd;
}
