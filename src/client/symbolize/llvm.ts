/**
 * llvm-symbolizer (LLVM's, a well-kept symbolizer: DWARF, inlined frames,
 * C++ and Rust demangling) as one long-lived process answering in JSON,
 * many addresses a batch. It never runs as root: when this process is root
 * (the CLI run with sudo), it runs as the invoking user (SUDO_UID) or
 * nobody. Files reach it as descriptors it inherits (/proc/self/fd/N), so it
 * needs no access to where they are kept; a new file restarts it with the
 * files it has (at most MAX_FILES). A file's separate debug info reaches it
 * the same way: a directory of this run holds .build-id/<xx>/<rest>.debug
 * links to /proc/self/fd/N (resolved in the symbolizer, to its descriptor),
 * named as its --debug-file-directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Files one symbolizer process is handed at most. */
const MAX_FILES = 128;
/**
 * How long the symbolizer may go without answering while it has questions: then it is taken
 * for stalled (a file it hangs on, a machine out of memory), killed, and what it was asked gets
 * no symbols; the next question starts it again. Long: the first address of a large binary
 * makes it read all of its DWARF.
 */
const STALL_MS = 30_000;
const CANDIDATES = ['/usr/bin/llvm-symbolizer', ...Array.from({ length: 12 }, (_, i) => `/usr/bin/llvm-symbolizer-${20 - i}`)];

/** One entry of llvm-symbolizer's answer for an address: innermost (inlined) first, the function it is in last. */
export interface SymbolizedFrame {
  function: string | null;
  file: string | null;
  line: number | null;
  /** Where the function (or the inlined one) is declared: DWARF's decl_line, when known. */
  startLine?: number;
}

interface Waiter {
  resolve: (frames: SymbolizedFrame[]) => void;
}

/** The symbolizer program: $CONTAINER_TRACE_SYMBOLIZER, else Debian's llvm-symbolizer; undefined when there is none. */
export function findSymbolizer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const own = env.CONTAINER_TRACE_SYMBOLIZER;
  if (own) return fs.existsSync(own) ? own : undefined;
  return CANDIDATES.find((c) => fs.existsSync(c));
}

/** One JSON line of llvm-symbolizer into frames (none when it found no symbol). */
export function parseSymbolizerLine(line: string): SymbolizedFrame[] {
  let v: { Symbol?: { FunctionName?: string; FileName?: string; Line?: number; StartLine?: number }[] };
  try {
    v = JSON.parse(line);
  } catch {
    return [];
  }
  const out: SymbolizedFrame[] = [];
  for (const s of Array.isArray(v.Symbol) ? v.Symbol : []) {
    const fn = typeof s.FunctionName === 'string' && s.FunctionName && s.FunctionName !== '??' ? s.FunctionName : null;
    const file = typeof s.FileName === 'string' && s.FileName && s.FileName !== '??' ? s.FileName : null;
    const line = Number.isInteger(s.Line) && (s.Line as number) > 0 ? (s.Line as number) : null;
    const start = Number.isInteger(s.StartLine) && (s.StartLine as number) > 0 ? (s.StartLine as number) : undefined;
    if (fn || file) out.push(start ? { function: fn, file, line, startLine: start } : { function: fn, file, line });
  }
  return out;
}

export class LlvmSymbolizer {
  private child: ChildProcess | undefined;
  /** Files the running process holds, path → its descriptor number there. */
  private slots = new Map<string, number>();
  private readonly fds: number[] = [];
  private waiting: Waiter[] = [];
  private out = '';
  /** Separate debug info by the file it is for: its build ID and where it is kept. */
  private readonly debug = new Map<string, { buildId: string; path: string }>();
  /** A debug file came since the process started: it restarts to be handed it. */
  private stale = false;
  private linkDir: string | undefined;

  /** Since when the oldest question has waited without any answer coming (reset at every answer). */
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly program: string,
    private readonly stallMs = STALL_MS,
  ) {}

  /** `file`'s separate debug info (its build ID, kept at `debugPath`): handed over from the next query on. */
  setDebug(file: string, buildId: string, debugPath: string): void {
    if (!/^[0-9a-f]{4,128}$/.test(buildId)) return;
    this.debug.set(file, { buildId, path: debugPath });
    this.stale = true;
  }

  /** Frames for each (file, address), in order; a file it cannot read gives none. */
  async symbolize(queries: { path: string; address: number }[]): Promise<SymbolizedFrame[][]> {
    if (!queries.length) return [];
    const child = this.ensure([...new Set(queries.map((q) => q.path))]);
    const answers = queries.map(() => new Promise<SymbolizedFrame[]>((resolve) => this.waiting.push({ resolve })));
    child.stdin!.write(queries.map((q) => `CODE /proc/self/fd/${this.slots.get(q.path)} 0x${q.address.toString(16)}\n`).join(''));
    this.watch();
    return Promise.all(answers);
  }

  /** While questions wait, the symbolizer must answer one at least every stallMs. */
  private watch(): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    const child = this.child;
    if (!this.waiting.length || !child) return;
    this.watchdog = setTimeout(() => {
      // Stalled: nothing from it for stallMs with questions waiting. What it was asked gets no symbols.
      child.kill('SIGKILL');
      this.fail(child);
    }, this.stallMs);
    this.watchdog.unref();
  }

  /** The running process, restarted when it lacks one of `paths`. */
  private ensure(paths: string[]): ChildProcess {
    if (this.child && !this.stale && paths.every((p) => this.slots.has(p))) return this.child;
    this.stale = false;
    const keep = [...new Set([...paths, ...this.slots.keys()])].slice(0, MAX_FILES);
    this.stop();
    const fds: number[] = [];
    const slots = new Map<string, number>();
    for (const p of keep) {
      try {
        fds.push(fs.openSync(p, 'r'));
        slots.set(p, 3 + fds.length - 1);
      } catch {
        /* gone from the cache: no symbols from it */
      }
    }
    // Debug files of the files kept, as links a user without access to the cache can follow (to its own descriptors).
    const links: [string, number][] = [];
    for (const p of keep) {
      const d = this.debug.get(p);
      if (!d || !slots.has(p)) continue;
      try {
        fds.push(fs.openSync(d.path, 'r'));
        links.push([d.buildId, 3 + fds.length - 1]);
      } catch {
        /* gone from the cache */
      }
    }
    const args = ['--output-style=JSON', '--inlines', '--demangle'];
    if (links.length) args.push(`--debug-file-directory=${this.debugLinks(links)}`);
    const root = process.getuid?.() === 0;
    const child = spawn(this.program, args, {
      stdio: ['pipe', 'pipe', 'ignore', ...fds],
      ...(root ? { uid: Number(process.env.SUDO_UID) || 65534, gid: Number(process.env.SUDO_GID) || 65534 } : {}),
    });
    // The child has its copies; ours stay open only while it runs (closed at stop).
    this.fds.push(...fds);
    this.slots = slots;
    this.child = child;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => this.data(d));
    child.on('error', () => this.fail(child));
    child.on('exit', () => this.fail(child));
    child.stdin!.on('error', () => this.fail(child));
    return child;
  }

  private data(d: string): void {
    this.out += d;
    let nl: number;
    while ((nl = this.out.indexOf('\n')) >= 0) {
      const line = this.out.slice(0, nl);
      this.out = this.out.slice(nl + 1);
      if (!line.trim()) continue;
      this.waiting.shift()?.resolve(parseSymbolizerLine(line));
    }
    this.watch();
  }

  /** The process went: what it was asked gets no symbols. */
  private fail(child: ChildProcess): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.slots.clear();
    for (const w of this.waiting.splice(0)) w.resolve([]);
    this.watch();
  }

  private stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child) {
      child.stdin!.end();
      child.kill();
    }
    for (const w of this.waiting.splice(0)) w.resolve([]);
    this.watch();
    this.out = '';
    for (const fd of this.fds.splice(0)) fs.closeSync(fd);
  }

  /** The run's directory of .build-id links, made anew: build ID → the symbolizer's descriptor. */
  private debugLinks(links: [string, number][]): string {
    if (this.linkDir) fs.rmSync(this.linkDir, { recursive: true, force: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'container-trace-debug-'));
    fs.chmodSync(dir, 0o755); // the symbolizer may run as another user: it only follows the links
    for (const [buildId, fd] of links) {
      const sub = path.join(dir, '.build-id', buildId.slice(0, 2));
      fs.mkdirSync(sub, { recursive: true, mode: 0o755 });
      fs.symlinkSync(`/proc/self/fd/${fd}`, path.join(sub, `${buildId.slice(2)}.debug`));
    }
    return (this.linkDir = dir);
  }

  close(): void {
    this.stop();
    if (this.linkDir) fs.rmSync(this.linkDir, { recursive: true, force: true });
    this.linkDir = undefined;
  }
}
