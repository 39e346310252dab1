/**
 * From what a trace shows to the workspace's files: a path inside a
 * container (an open, an exec) becomes a host path through the container's
 * real mounts (its /proc/<pid>/mountinfo read against this process's own:
 * the same device, its root within that device; what the runtime reports
 * when mountinfo cannot be read), then a workspace folder's file. A DWARF
 * file name (a frame's) goes the same way, then by the longest path suffix
 * that exists in the workspace. `containerTrace.sourceFileMap` entries come
 * first, as debuggers' sourceFileMap/substitutePath do. Every answer says
 * how it was found, or why nothing was: a wrong guess is visible.
 * Plain functions of their inputs (no VS Code, no file system but `exists`).
 */
import * as path from 'node:path';

/** One line of /proc/<pid>/mountinfo. */
export interface MountInfo {
  id: number;
  parent: number;
  /** major:minor of the filesystem. */
  dev: string;
  /** The directory of that filesystem mounted here (a bind mount's source within its device). */
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** A directory of the container that is a directory of this host, and how that is known. */
export interface BindMount {
  inside: string;
  host: string;
  /** `mountinfo` (the kernel's), or the runtime that reported it (`docker inspect`, `cri`). */
  via: string;
}

/** A mount as a runtime reports it (Docker/Podman inspect Mounts, CRI status mounts). */
export interface ReportedMount {
  source: string;
  destination: string;
}

/** A workspace folder: its path as VS Code names it, and that path with symlinks resolved. */
export interface WorkspaceRoot {
  name: string;
  path: string;
  real: string;
}

/** `from` (a prefix of DWARF names or container paths) stands for `to` (a path on this host). */
export interface PathSubstitution {
  from: string;
  to: string;
}

/** Where a name was found (a file of this host, under a workspace folder), or why not. */
export type SourceAnswer = { path: string; root: string; rel: string; line?: number; via: string } | { why: string };

export interface SourceContext {
  /** The container's mounts; undefined with `mountsWhy` when they could not be read. */
  mounts?: BindMount[];
  mountsWhy?: string;
  roots: WorkspaceRoot[];
  substitutions: PathSubstitution[];
  /** The workspace's files by name, for DWARF names that map through no mount. */
  index?: SuffixIndex;
  exists: (hostPath: string) => boolean;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (f.length < 10 || dash < 0 || !/^\d+:\d+$/.test(f[2])) continue;
    out.push({ id: Number(f[0]), parent: Number(f[1]), dev: f[2], root: unescape(f[3]), mountPoint: unescape(f[4]), fsType: f[dash + 1] ?? '', source: unescape(f[dash + 2] ?? '') });
  }
  return out;
}

/** Whether `p` is `dir` or beneath it (by whole components). */
export function under(p: string, dir: string): boolean {
  return dir === '/' ? p.startsWith('/') : p === dir || p.startsWith(dir + '/');
}

/** `p` beneath `dir`, relative ('' for dir itself). */
const relTo = (p: string, dir: string) => (p === dir ? '' : p.slice(dir === '/' ? 1 : dir.length + 1));
const joinTo = (dir: string, rel: string) => (rel ? path.posix.join(dir, rel) : dir);

/** Filesystems that hold no files of the host's (their mounts map nowhere). */
const VIRTUAL = new Set(['proc', 'sysfs', 'cgroup', 'cgroup2', 'devpts', 'mqueue', 'securityfs', 'debugfs', 'tracefs', 'bpf', 'fusectl', 'pstore', 'configfs', 'binfmt_misc', 'hugetlbfs']);

/**
 * The container's directories that are this host's: each of its mounts
 * whose device this process also has mounted, at a root above the
 * container's (a bind mount shows its source directory as its root), is
 * that mount point plus the rest; then what the runtime reported for
 * directories mountinfo placed nowhere. Longest first.
 */
export function bindMounts(container: MountInfo[], own: MountInfo[], reported: ReportedMount[] = [], runtime = 'runtime'): BindMount[] {
  const out: BindMount[] = [];
  for (const m of container) {
    if (VIRTUAL.has(m.fsType)) continue;
    let best: MountInfo | undefined;
    for (const o of own) {
      if (o.dev !== m.dev || !under(m.root, o.root)) continue;
      if (!best || o.root.length > best.root.length || (o.root.length === best.root.length && o.mountPoint.length < best.mountPoint.length)) best = o;
    }
    if (best) out.push({ inside: m.mountPoint, host: joinTo(best.mountPoint, relTo(m.root, best.root)), via: 'mountinfo' });
  }
  const clean = (p: string) => path.posix.normalize(p).replace(/(.)\/+$/, '$1');
  for (const r of reported) {
    if (!r.source.startsWith('/') || !r.destination.startsWith('/') || out.some((b) => b.inside === clean(r.destination))) continue;
    out.push({ inside: clean(r.destination), host: clean(r.source), via: runtime });
  }
  // A later mount over the same point hides the earlier one: the last listed wins, then the longest.
  const seen = new Map<string, BindMount>();
  for (const b of out) seen.set(b.inside, b);
  return [...seen.values()].sort((a, b) => b.inside.length - a.inside.length);
}

/** A container path on this host: through the deepest mount that holds it. */
export function insideToHost(p: string, mounts: BindMount[]): { host: string; mount: BindMount } | undefined {
  const m = mounts.find((b) => under(p, b.inside));
  return m && { host: joinTo(m.host, relTo(p, m.inside)), mount: m };
}

/** A host path in a workspace folder (by its path, or its real path when the folder is reached through a symlink). */
export function hostToWorkspace(host: string, roots: WorkspaceRoot[]): { root: WorkspaceRoot; rel: string } | undefined {
  let best: { root: WorkspaceRoot; rel: string; len: number } | undefined;
  for (const r of roots) {
    for (const dir of r.real === r.path ? [r.path] : [r.path, r.real]) {
      if (under(host, dir) && (!best || dir.length > best.len)) best = { root: r, rel: relTo(host, dir), len: dir.length };
    }
  }
  return best && { root: best.root, rel: best.rel };
}

/** A substitution that applies to `p` (the longest `from`), and what it makes of it. */
function substitute(p: string, subs: PathSubstitution[]): { to: string; sub: PathSubstitution } | undefined {
  let best: PathSubstitution | undefined;
  for (const s of subs) if (under(p, s.from) && (!best || s.from.length > best.from.length)) best = s;
  return best && { to: joinTo(best.to, relTo(p, best.from)), sub: best };
}

/** The workspace's files by base name: a name found by the most trailing components it shares with one. */
export class SuffixIndex {
  private readonly byName = new Map<string, { root: WorkspaceRoot; rel: string }[]>();

  constructor(files: { root: WorkspaceRoot; rel: string }[]) {
    for (const f of files) {
      const base = f.rel.slice(f.rel.lastIndexOf('/') + 1);
      let list = this.byName.get(base);
      if (!list) this.byName.set(base, (list = []));
      list.push(f);
    }
  }

  /** The files with this base name. */
  named(base: string): readonly { root: WorkspaceRoot; rel: string }[] {
    return this.byName.get(base) ?? [];
  }

  get size(): number {
    let n = 0;
    for (const l of this.byName.values()) n += l.length;
    return n;
  }

  /** The file sharing the most trailing components with `name` (its base name at least); ties: the shortest path (then the first by name), and how many tied. */
  best(name: string): { root: WorkspaceRoot; rel: string; matched: number; tied: number } | undefined {
    const parts = name.split('/').filter((s) => s && s !== '.');
    const list = this.byName.get(parts[parts.length - 1] ?? '');
    if (!list) return undefined;
    let best: { root: WorkspaceRoot; rel: string; matched: number; tied: number } | undefined;
    for (const f of list) {
      const mine = f.rel.split('/');
      let k = 0;
      while (k < parts.length && k < mine.length && parts[parts.length - 1 - k] === mine[mine.length - 1 - k]) k++;
      const shorter = best && k === best.matched && (f.rel.length < best.rel.length || (f.rel.length === best.rel.length && f.rel < best.rel));
      if (!best || k > best.matched || shorter) best = { ...f, matched: k, tied: best && k === best.matched ? best.tied + 1 : 1 };
      else if (k === best.matched) best.tied++;
    }
    return best;
  }
}

const found = (w: { root: WorkspaceRoot; rel: string }, via: string): SourceAnswer => ({ path: joinTo(w.root.path, w.rel), root: w.root.path, rel: w.rel, via });
const rootNames = (roots: WorkspaceRoot[]) => roots.map((r) => r.name).join(', ') || 'none open';

/** A host path that is a workspace file (existing), or why not; `how` says how the host path was had. */
function onHost(host: string, how: string, ctx: SourceContext, what: string): SourceAnswer {
  const w = hostToWorkspace(host, ctx.roots);
  if (!w) return { why: `${what} is ${host} on this host (${how}), outside the workspace folders (${rootNames(ctx.roots)})` };
  const full = joinTo(w.root.path, w.rel);
  if (!ctx.exists(full)) return { why: `${what} is ${full} (${how}), which does not exist` };
  return found(w, `${how} → workspace folder ${w.root.name}`);
}

const mountText = (m: BindMount) => `${m.inside} ← ${m.host} (${m.via === 'mountinfo' ? 'the container\'s mountinfo' : m.via})`;

/** A path inside the container (an open's, an exec's) as a workspace file, or why not. */
export function resolvePath(given: string, ctx: SourceContext): SourceAnswer {
  if (!given.startsWith('/')) return { why: `${given} is relative to its process's working directory, which the event does not carry` };
  // `..` and `.` resolved first: /app/../x is the image's /x, not a file under a mount at /app.
  const p = path.posix.normalize(given);
  const s = substitute(p, ctx.substitutions);
  if (s) return onHost(s.to, `containerTrace.sourceFileMap: ${s.sub.from} → ${s.sub.to}`, ctx, p);
  if (!ctx.mounts) return { why: `the container's mounts could not be read${ctx.mountsWhy ? ` (${ctx.mountsWhy})` : ''}; map it with containerTrace.sourceFileMap` };
  const h = insideToHost(p, ctx.mounts);
  if (!h || h.mount.inside === '/') return { why: `${p} is in the container's own filesystem (its image), not under a directory shared with this host` };
  return onHost(h.host, mountText(h.mount), ctx, p);
}

/**
 * A DWARF file name (a frame's, absolute or relative to its compilation
 * directory) as a workspace file: a sourceFileMap entry; the container's
 * mounts (built in the container); the host's own path (built here); the
 * workspace file sharing the longest suffix with it.
 */
export function resolveDwarf(name: string, ctx: SourceContext, line?: number): SourceAnswer {
  const file = name.startsWith('/') ? path.posix.normalize(name) : name;
  const withLine = (a: SourceAnswer): SourceAnswer => ('why' in a || line === undefined ? a : { ...a, line });
  const tried: string[] = [];
  if (file.startsWith('/')) {
    const s = substitute(file, ctx.substitutions);
    if (s) return withLine(onHost(s.to, `containerTrace.sourceFileMap: ${s.sub.from} → ${s.sub.to}`, ctx, file));
    const h = ctx.mounts ? insideToHost(file, ctx.mounts) : undefined;
    if (h && h.mount.inside !== '/') {
      const a = onHost(h.host, mountText(h.mount), ctx, file);
      if (!('why' in a)) return withLine(a);
      // Built from a file this host has elsewhere (another checkout): that file, not a namesake in the workspace.
      if (ctx.exists(h.host)) return a;
      tried.push(a.why);
    }
    const direct = hostToWorkspace(file, ctx.roots);
    if (direct && ctx.exists(joinTo(direct.root.path, direct.rel))) return withLine(found(direct, 'the same path on this host'));
  }
  const best = ctx.index?.best(file);
  if (best && ctx.exists(joinTo(best.root.path, best.rel))) {
    const parts = file.split('/').filter(Boolean).length;
    const how = `the longest path suffix in the workspace (${best.matched} of ${parts} component${parts === 1 ? '' : 's'}${best.tied > 1 ? `; ${best.tied} files tie, the shortest path taken` : ''})`;
    return withLine(found(best, how));
  }
  const base = file.slice(file.lastIndexOf('/') + 1);
  return { why: [...tried, `no file named ${base} in the workspace folders (${rootNames(ctx.roots)})${ctx.index ? '' : ' (not indexed yet)'}; map ${path.posix.dirname(file)} with containerTrace.sourceFileMap`].join('; ') };
}
