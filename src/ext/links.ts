/**
 * PIDs in a trace's output channel are links: "host 12573" on an event line
 * reveals that process in the Containers view (containerTrace.revealHostPid).
 */
import * as vscode from 'vscode';

/** An event line: time, PID[/TID] in the container, then `host <pid>[/<tid>]` (host 0: no process, no link). */
export const EVENT_LINE = /^(\d\d:\d\d:\d\d\.\d{3}\s+\d+(?:\/\d+)?\s+)(host ([1-9]\d*))/;

export function outputPidLinks(): vscode.Disposable {
  return vscode.languages.registerDocumentLinkProvider(
    { scheme: 'output' },
    {
      provideDocumentLinks(doc) {
        if (!doc.uri.path.includes('Container Trace')) return [];
        const links: vscode.DocumentLink[] = [];
        const max = Math.min(doc.lineCount, 20_000);
        for (let i = Math.max(0, doc.lineCount - max); i < doc.lineCount; i++) {
          const m = EVENT_LINE.exec(doc.lineAt(i).text);
          if (!m) continue;
          const range = new vscode.Range(i, m[1].length, i, m[1].length + m[2].length);
          const link = new vscode.DocumentLink(range, vscode.Uri.parse(`command:containerTrace.revealHostPid?${encodeURIComponent(JSON.stringify([Number(m[3])]))}`));
          link.tooltip = `Reveal host PID ${m[3]} in the Containers view`;
          links.push(link);
        }
        return links;
      },
    },
  );
}
