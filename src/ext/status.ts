/** Status bar: running traces and their event rate; click focuses "Traces". */
import * as vscode from 'vscode';
import type { SessionManager } from './sessions';

export function traceStatusBar(sessions: SessionManager): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('containerTrace.status', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Container Trace';
  item.command = 'containerTrace.traces.focus';
  const update = () => {
    const running = sessions.running;
    if (!running.length) return item.hide();
    // The sessions' counters, as the Traces view and the live views show them.
    const counters = running.map((s) => s.counters());
    const rate = counters.reduce((sum, c) => sum + c.rate, 0);
    const dropped = counters.reduce((sum, c) => sum + c.dropped, 0);
    item.text = `$(pulse) ${running.length} trace${running.length > 1 ? 's' : ''} · ${rate.toLocaleString('en-US')}/s`;
    item.tooltip = `${running.map((s) => s.title).join('\n')}\n${dropped ? `${dropped} events dropped\n` : ''}Click to show the traces`;
    item.backgroundColor = dropped ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  const sub = sessions.onDidChange(update);
  return vscode.Disposable.from(item, sub);
}
