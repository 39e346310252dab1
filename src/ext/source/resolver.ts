/**
 * The window's side of source mapping (../../client/source/map): the
 * workspace folders (with their real paths), `containerTrace.sourceFileMap`,
 * an index of the workspace's files by name (bounded, kept up to date by a
 * watcher), and each container's mounts read from the kernel
 * (/proc/<pid>/mountinfo, world-readable) against this window's own, with
 * what the runtime reported. Remote-SSH: the extension runs on the remote
 * host, beside the containers and the workspace, so all of it is one host's.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { bindMounts, parseMountinfo, resolveDwarf, resolvePath, SuffixIndex, type BindMount, type PathSubstitution, type SourceAnswer, type SourceContext, type WorkspaceRoot } from '../../client/source/map';

/** Files the workspace index holds at most (a larger workspace: names beyond it are found through mounts only). */
export const MAX_INDEXED_FILES = 50_000;
const EXCLUDE = '{**/node_modules/**,**/.git/**}';
/** How long a container's mounts are believed before they are read again. */
const MOUNTS_MS = 10_000;
const MAX_MOUNTINFO_BYTES = 1 << 20;
/** Files created or deleted in the workspace: answers looked at again this long after the last. */
const SETTLE_MS = 2000;

/** What a resolver needs to know of a container. */
export interface SourceContainer {
  id: string;
  hostPid: number;
  mounts?: { source: string; destination: string }[];
  runtime?: string;
}

/** An answer with the file as a URI beneath its workspace folder (its scheme and authority: vscode-remote too). */
export type SourceLink = { uri: vscode.Uri; line?: number; via: string } | { why: string };

function readSmall(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(MAX_MOUNTINFO_BYTES);
    let got = 0;
    for (let n; got < buf.length && (n = fs.readSync(fd, buf, got, buf.length - got, null)) > 0; ) got += n;
    return buf.toString('utf8', 0, got);
  } finally {
    fs.closeSync(fd);
  }
}

export class SourceResolver implements vscode.Disposable {
  private rootsCache: { roots: WorkspaceRoot[]; uris: Map<string, vscode.Uri> } | undefined;
  private index: SuffixIndex | undefined;
  private indexing: Promise<void> | undefined;
  private indexDirty = false;
  private readonly mounts = new Map<string, { at: number; pid: number; mounts?: BindMount[]; why?: string }>();
  private readonly subs: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** The folders, the settings or the indexed files changed: answers given before may be wrong now. */
  readonly onDidChange = this.changed.event;
  private generation = 0;

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    // A build makes and removes many files: one new index (and one round of answers) after it settles.
    let settle: NodeJS.Timeout | undefined;
    const stale = () => {
      this.indexDirty = true;
      clearTimeout(settle);
      settle = setTimeout(() => this.bump(), SETTLE_MS);
    };
    this.subs.push({ dispose: () => clearTimeout(settle) });
    this.subs.push(
      watcher,
      watcher.onDidCreate(stale),
      watcher.onDidDelete(stale),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.rootsCache = undefined;
        stale();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('containerTrace.sourceFileMap') && this.bump()),
      this.changed,
    );
  }

  /** Bumped whenever an answer may have changed (callers key their caches by it). */
  get version(): number {
    return this.generation;
  }

  private bump(): void {
    this.generation++;
    this.changed.fire();
  }

  roots(): WorkspaceRoot[] {
    if (!this.rootsCache) {
      const uris = new Map<string, vscode.Uri>();
      const roots: WorkspaceRoot[] = [];
      for (const f of vscode.workspace.workspaceFolders ?? []) {
        const p = f.uri.path;
        let real = p;
        try {
          real = fs.realpathSync(p);
        } catch {
          /* not on this host's file system (a virtual workspace): its path as it is */
        }
        roots.push({ name: f.name, path: p, real });
        uris.set(p, f.uri);
      }
      this.rootsCache = { roots, uris };
    }
    return this.rootsCache.roots;
  }

  /** containerTrace.sourceFileMap: { "/build/src": "${workspaceFolder}/src" } (absolute paths; ${workspaceFolder} is the first folder). */
  substitutions(): PathSubstitution[] {
    const map = vscode.workspace.getConfiguration('containerTrace').get<Record<string, unknown>>('sourceFileMap') ?? {};
    const first = this.roots()[0]?.path ?? '';
    const out: PathSubstitution[] = [];
    for (const [from, to] of Object.entries(map)) {
      if (typeof to !== 'string' || !from.startsWith('/')) continue;
      const t = to.replace(/\$\{workspaceFolder\}/g, first).replace(/\/+$/, '') || '/';
      if (t.startsWith('/')) out.push({ from: from.replace(/\/+$/, '') || '/', to: t });
    }
    return out;
  }

  /** The workspace's file index, built (or rebuilt after changes) in the background; undefined until the first is built. */
  private suffixIndex(): SuffixIndex | undefined {
    if ((!this.index || this.indexDirty) && !this.indexing) {
      this.indexDirty = false;
      this.indexing = (async () => {
        try {
          const roots = this.roots();
          const files = await vscode.workspace.findFiles('**/*', EXCLUDE, MAX_INDEXED_FILES);
          const entries: { root: WorkspaceRoot; rel: string }[] = [];
          for (const f of files) {
            const root = roots.find((r) => f.path.startsWith(r.path + '/'));
            if (root) entries.push({ root, rel: f.path.slice(root.path.length + 1) });
          }
          this.index = new SuffixIndex(entries);
          this.bump();
        } finally {
          this.indexing = undefined;
        }
      })();
    }
    return this.index;
  }

  /** Resolves once the workspace's files are indexed (tests, and callers that would rather wait). */
  async indexed(): Promise<void> {
    this.suffixIndex();
    await this.indexing;
  }

  private containerMounts(c: SourceContainer | undefined): { mounts?: BindMount[]; why?: string } {
    if (!c) return { why: 'no container is known for it' };
    const known = this.mounts.get(c.id);
    if (known && known.pid === c.hostPid && Date.now() - known.at < MOUNTS_MS) return known;
    let entry: { at: number; pid: number; mounts?: BindMount[]; why?: string };
    try {
      if (!c.hostPid) throw new Error('it is not running');
      const own = parseMountinfo(readSmall('/proc/self/mountinfo'));
      const theirs = parseMountinfo(readSmall(`/proc/${c.hostPid}/mountinfo`));
      entry = { at: Date.now(), pid: c.hostPid, mounts: bindMounts(theirs, own, c.mounts ?? [], `${c.runtime ?? 'runtime'} inspect`) };
    } catch (err) {
      // No mountinfo (gone, or not ours to read): what the runtime reported, when it did.
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the container has exited' : (err as Error).message;
      entry = c.mounts?.length ? { at: Date.now(), pid: c.hostPid, mounts: bindMounts([], [], c.mounts, `${c.runtime ?? 'runtime'} inspect`) } : { at: Date.now(), pid: c.hostPid, why };
    }
    if (this.mounts.size > 256) this.mounts.clear();
    this.mounts.set(c.id, entry);
    return entry;
  }

  private context(c: SourceContainer | undefined): SourceContext {
    const m = this.containerMounts(c);
    return { mounts: m.mounts, mountsWhy: m.why, roots: this.roots(), substitutions: this.substitutions(), index: this.suffixIndex(), exists: (p) => isFile(p) };
  }

  private link(a: SourceAnswer): SourceLink {
    if ('why' in a) return a;
    const folder = this.rootsCache?.uris.get(a.root);
    const uri = folder ? (a.rel ? vscode.Uri.joinPath(folder, ...a.rel.split('/')) : folder) : vscode.Uri.file(a.path);
    return { uri, ...(a.line !== undefined ? { line: a.line } : {}), via: a.via };
  }

  /** A path inside the container (an open's, an exec's). */
  path(c: SourceContainer | undefined, p: string): SourceLink {
    return this.link(resolvePath(p, this.context(c)));
  }

  /** A frame's DWARF file name (and line). */
  frame(c: SourceContainer | undefined, file: string, line?: number): SourceLink {
    return this.link(resolveDwarf(file, this.context(c), line));
  }

  /** Workspace files with this base name (a build output beside its sources), once indexed. */
  filesNamed(base: string): string[] {
    return (this.suffixIndex()?.named(base) ?? []).map((f) => `${f.root.path}/${f.rel}`);
  }

  /** Whether an answer may change once the workspace is indexed (not to be kept). */
  get pending(): boolean {
    return !this.index;
  }

  /** Whether `uri` is a file beneath a workspace folder (what links may open). */
  inWorkspace(uri: vscode.Uri): boolean {
    return !!vscode.workspace.getWorkspaceFolder(uri);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Open a mapped file at a line (1-based), the line selected. */
export async function openSource(uri: vscode.Uri, line?: number): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const at = line && line > 0 ? Math.min(line - 1, doc.lineCount - 1) : 0;
  const range = new vscode.Range(at, 0, at, doc.lineAt(at).text.length);
  return vscode.window.showTextDocument(doc, { selection: range, preview: true, viewColumn: vscode.ViewColumn.One });
}
