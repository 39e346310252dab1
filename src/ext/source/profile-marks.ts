/**
 * After (and during) a profile, the workspace's code says where the time
 * went: each sampled function of an open source carries its self and total
 * share as a CodeLens (at its declaration, opening the profile's view), and
 * its hot lines a heat mark (a theme colour by share, the share at the
 * line's end, the overview ruler). Frames are matched to the file through
 * the same mapping the views' links use. "Clear Profile Marks" removes them
 * until the next profile.
 */
import * as vscode from 'vscode';
import type { ProfileEvent } from '../../protocol';
import type { SessionManager, TraceSessionModel } from '../sessions';
import type { SourceService } from './session-sources';
import { frameName, weightOf } from '../../kinds/profile/top';

export const CLEAR_MARKS = 'containerTrace.clearProfileMarks';
/** Heat levels: a line's share of all samples from which it takes that colour. */
const LEVELS: [share: number, colour: string][] = [
  [0.2, 'containerTrace.profileHeat.high'],
  [0.05, 'containerTrace.profileHeat.medium'],
  [0, 'containerTrace.profileHeat.low'],
];

export interface FileShares {
  /** Every stack's weight together (the share's denominator). */
  total: number;
  functions: { name: string; line: number; self: number; total: number }[];
  lines: Map<number, number>;
}

const pct = (v: number, of: number) => `${((100 * v) / (of || 1)).toFixed(1)}%`;

export class ProfileMarks implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly types = LEVELS.map(([, colour]) =>
    vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor(colour),
      overviewRulerColor: new vscode.ThemeColor(colour),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em' },
    }),
  );
  /** The profile whose marks were cleared (new ones come with the next). */
  private cleared: string | undefined;
  private readonly cache = new WeakMap<TraceSessionModel, { received: number; byUri: Map<string, FileShares> }>();
  private readonly subs: vscode.Disposable[] = [];
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly sessions: SessionManager,
    private readonly sources: SourceService,
  ) {
    this.subs.push(
      this.changed,
      ...this.types,
      sessions.onDidChange(() => this.sessionsChanged()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.decorate()),
    );
  }

  /** The newest profile with samples (running or ended), unless its marks were cleared. */
  profile(): TraceSessionModel | undefined {
    const s = this.sessions.sessions.filter((x) => x.params.gadget === 'profile' && x.result && x.rows.length).sort((a, b) => b.startedAt - a.startedAt)[0];
    return s && s.key !== this.cleared ? s : undefined;
  }

  private sessionsChanged(): void {
    const running = this.sessions.running.some((s) => s.params.gadget === 'profile');
    if (running && !this.ticker) this.ticker = setInterval(() => this.refresh(), 1000);
    if (!running && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    // A profile started, ended or forgotten: its marks follow at once (counters alone change nothing here).
    const p = this.profile();
    const now = p ? `${p.key}:${p.state}` : '';
    if (now !== this.shown) {
      this.shown = now;
      this.refresh();
    }
  }

  /** The profile (and its state) the marks were last drawn for. */
  private shown = '';

  private refresh(): void {
    this.changed.fire();
    this.decorate();
  }

  clear(): void {
    this.cleared = this.profile()?.key ?? this.cleared;
    this.refresh();
  }

  /** The profile's shares of the functions and lines of one workspace file. */
  shares(uri: vscode.Uri): FileShares | undefined {
    const s = this.profile();
    if (!s) return undefined;
    let c = this.cache.get(s);
    if (!c || c.received !== s.received) this.cache.set(s, (c = { received: s.received, byUri: this.compute(s) }));
    return c.byUri.get(uri.toString());
  }

  /** Every workspace file the profile's frames map to, with its functions' and lines' weights. */
  private compute(s: TraceSessionModel): Map<string, FileShares> {
    const src = this.sources.forSession(s);
    const uriOf = new Map<string, string | null>();
    const files = new Map<string, FileShares & { byName: Map<string, { name: string; line: number; self: number; total: number }> }>();
    let total = 0;
    for (const e of s.rows as ProfileEvent[]) {
      const w = weightOf(e);
      total += w;
      const seenFns = new Set<string>();
      const seenLines = new Set<string>();
      e.stack.forEach((f, i) => {
        if (!f.file || f.kernel) return;
        let uri = uriOf.get(f.file);
        if (uri === undefined) {
          const l = src.lookup('f', f.file);
          uriOf.set(f.file, (uri = 'why' in l ? null : l.uri.toString()));
        }
        if (!uri) return;
        let file = files.get(uri);
        if (!file) files.set(uri, (file = { total: 0, functions: [], lines: new Map(), byName: new Map() }));
        const name = frameName(f);
        let fn = file.byName.get(name);
        if (!fn) file.byName.set(name, (fn = { name, line: f.startLine ?? f.line ?? 1, self: 0, total: 0 }));
        if (f.startLine) fn.line = f.startLine;
        else if (f.line && f.line < fn.line) fn.line = f.line;
        if (i === 0) fn.self += w;
        if (!seenFns.has(uri + name)) {
          seenFns.add(uri + name);
          fn.total += w;
        }
        if (f.line && !seenLines.has(`${uri}:${f.line}`)) {
          seenLines.add(`${uri}:${f.line}`);
          file.lines.set(f.line, (file.lines.get(f.line) ?? 0) + w);
        }
      });
    }
    const out = new Map<string, FileShares>();
    for (const [uri, f] of files) out.set(uri, { total, functions: [...f.byName.values()].sort((a, b) => b.total - a.total), lines: f.lines });
    return out;
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const shares = this.shares(doc.uri);
    const s = this.profile();
    if (!shares || !s) return [];
    const what = s.params.options?.offCpu ? 'of the time off the CPU' : 'of samples';
    return shares.functions.map((f) => {
      const line = Math.min(Math.max(0, f.line - 1), doc.lineCount - 1);
      return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title: `$(flame) self ${pct(f.self, shares.total)} · total ${pct(f.total, shares.total)} ${what}`,
        command: 'containerTrace.openLiveView',
        arguments: [s.key],
        tooltip: `${f.name} in the profile of ${s.display.container ?? s.params.container ?? 'the container'}: open its view`,
      });
    });
  }

  /** Heat marks on the visible editors of files the profile sampled. */
  decorate(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const shares = this.shares(editor.document.uri);
      const byLevel: vscode.DecorationOptions[][] = LEVELS.map(() => []);
      for (const [line, w] of shares?.lines ?? []) {
        if (line < 1 || line > editor.document.lineCount) continue;
        const share = w / (shares!.total || 1);
        const level = LEVELS.findIndex(([min]) => share >= min);
        byLevel[level].push({
          range: new vscode.Range(line - 1, 0, line - 1, 0),
          hoverMessage: `${pct(w, shares!.total)} of the profile's samples pass through this line`,
          renderOptions: { after: { contentText: `  ${pct(w, shares!.total)}` } },
        });
      }
      this.types.forEach((t, i) => editor.setDecorations(t, byLevel[i]));
    }
  }

  dispose(): void {
    clearInterval(this.ticker);
    for (const s of this.subs) s.dispose();
  }
}
