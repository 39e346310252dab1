/**
 * In a trace's output channel, paths inside the container (an open's, an
 * exec's) and frames' `file:line` are links to their workspace files
 * (containerTrace.openSource), with the mapping used on hover; one that
 * maps nowhere says why on hover. The newest lines only (bounded).
 */
import * as vscode from 'vscode';
import type { SessionManager, TraceSessionModel } from '../sessions';
import type { SourceService } from './session-sources';
import type { SourceLink } from './resolver';

export const OPEN_SOURCE = 'containerTrace.openSource';
/** Lines looked at, from the end of the channel. */
const MAX_LINES = 5000;
/** A frame line: four spaces, the function, then its `file:line` before the module. */
const FRAME = /^ {4}\S.*? (\S+?):(\d+) (?:\(|\[kernel\])/;
/** Absolute paths on an event line. */
const PATH = /(?<=^|\s)\/[^\s'"]+/g;

interface Found {
  range: vscode.Range;
  kind: 'p' | 'f';
  name: string;
  line?: number;
}

function found(doc: vscode.TextDocument, i: number): Found[] {
  const text = doc.lineAt(i).text;
  const m = FRAME.exec(text);
  if (m) {
    const at = text.lastIndexOf(`${m[1]}:${m[2]}`);
    return [{ range: new vscode.Range(i, at, i, at + m[1].length + 1 + m[2].length), kind: 'f', name: m[1], line: Number(m[2]) }];
  }
  if (text.startsWith(' ')) return [];
  const out: Found[] = [];
  for (const p of text.matchAll(PATH)) out.push({ range: new vscode.Range(i, p.index!, i, p.index! + p[0].length), kind: 'p', name: p[0].replace(/[…,;]+$/, '') });
  return out;
}

export const openSourceUri = (uri: vscode.Uri, line?: number) => vscode.Uri.parse(`command:${OPEN_SOURCE}?${encodeURIComponent(JSON.stringify([uri.toString(), line ?? 0]))}`);

export function outputSourceLinks(sessions: SessionManager, sources: SourceService): vscode.Disposable {
  const selector: vscode.DocumentSelector = { scheme: 'output' };
  /** The trace whose channel this is (the longest channel name the document's names). */
  const sessionOf = (doc: vscode.TextDocument): TraceSessionModel | undefined => {
    let best: TraceSessionModel | undefined;
    for (const s of sessions.sessions) if (s.result && doc.uri.path.includes(s.output.name) && (!best || s.output.name.length > best.output.name.length)) best = s;
    return best;
  };
  const linkOf = (s: TraceSessionModel, f: Found): SourceLink => sources.forSession(s).lookup(f.kind, f.name);
  return vscode.Disposable.from(
    vscode.languages.registerDocumentLinkProvider(selector, {
      provideDocumentLinks(doc) {
        const s = sessionOf(doc);
        if (!s) return [];
        const links: vscode.DocumentLink[] = [];
        for (let i = Math.max(0, doc.lineCount - MAX_LINES); i < doc.lineCount; i++) {
          for (const f of found(doc, i)) {
            const l = linkOf(s, f);
            if ('why' in l) continue;
            const link = new vscode.DocumentLink(f.range, openSourceUri(l.uri, f.line));
            link.tooltip = `Open ${vscode.workspace.asRelativePath(l.uri)}${f.line ? `:${f.line}` : ''} (${l.via})`;
            links.push(link);
          }
        }
        return links;
      },
    }),
    vscode.languages.registerHoverProvider(selector, {
      provideHover(doc, position) {
        const s = sessionOf(doc);
        const f = s && found(doc, position.line).find((x) => x.range.contains(position));
        if (!s || !f) return undefined;
        const l = linkOf(s, f);
        const md = new vscode.MarkdownString();
        if ('why' in l) md.appendText(`Not in the workspace: ${l.why}`);
        else {
          md.appendMarkdown(`[Open ${vscode.workspace.asRelativePath(l.uri)}${f.line ? `:${f.line}` : ''}](${openSourceUri(l.uri, f.line).toString()})\n\n`);
          md.appendText(l.via);
          md.isTrusted = { enabledCommands: [OPEN_SOURCE] };
        }
        return new vscode.Hover(md, f.range);
      },
    }),
  );
}
