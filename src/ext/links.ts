/**
 * PIDs in a trace's output channel reveal their process in the Containers
 * view (containerTrace.revealHostPid): "host 12573" on an event line is a
 * link (Ctrl+click), and its hover has a "Reveal" link. The editor computes
 * document links once its text has been still for a second, so while events
 * stream in, the hover (asked for when the pointer rests) is the way in.
 */
import * as vscode from 'vscode';
import { EVENT_LINE } from './format';

const COMMAND = 'containerTrace.revealHostPid';

function revealUri(hostPid: number): vscode.Uri {
  return vscode.Uri.parse(`command:${COMMAND}?${encodeURIComponent(JSON.stringify([hostPid]))}`);
}

/** The `host <pid>` of an event line: its range and PID. */
function pidAt(doc: vscode.TextDocument, line: number): { range: vscode.Range; hostPid: number } | undefined {
  const m = EVENT_LINE.exec(doc.lineAt(line).text);
  return m ? { range: new vscode.Range(line, m[1].length, line, m[1].length + m[2].length), hostPid: Number(m[3]) } : undefined;
}

const ours = (doc: vscode.TextDocument) => doc.uri.path.includes('Container Trace');

export function outputPidLinks(): vscode.Disposable {
  const selector: vscode.DocumentSelector = { scheme: 'output' };
  return vscode.Disposable.from(
    vscode.languages.registerDocumentLinkProvider(selector, {
      provideDocumentLinks(doc) {
        if (!ours(doc)) return [];
        const links: vscode.DocumentLink[] = [];
        for (let i = Math.max(0, doc.lineCount - 20_000); i < doc.lineCount; i++) {
          const at = pidAt(doc, i);
          if (!at) continue;
          const link = new vscode.DocumentLink(at.range, revealUri(at.hostPid));
          link.tooltip = `Reveal host PID ${at.hostPid} in the Containers view`;
          links.push(link);
        }
        return links;
      },
    }),
    vscode.languages.registerHoverProvider(selector, {
      provideHover(doc, position) {
        if (!ours(doc)) return undefined;
        const at = pidAt(doc, position.line);
        if (!at?.range.contains(position)) return undefined;
        const md = new vscode.MarkdownString(`[Reveal host PID ${at.hostPid} in the Containers view](${revealUri(at.hostPid).toString()})`);
        md.isTrusted = { enabledCommands: [COMMAND] };
        return new vscode.Hover(md, at.range);
      },
    }),
  );
}
