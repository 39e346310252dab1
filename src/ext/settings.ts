/**
 * The extension's settings: read once, and again after any of them changes
 * (a session reads them with every batch: reading the configuration each
 * time was a measurable share of the extension host's work under a flood).
 */
import * as vscode from 'vscode';

export type Elevation = 'auto' | 'pkexec' | 'sudo' | 'none';

export interface Settings {
  dockerHost?: string;
  maxRows: number;
  maxLinesPerSecond: number;
  elevation: Elevation;
  idleTimeoutSeconds: number;
}

let cached: Settings | undefined;
let watching: vscode.Disposable | undefined;

export function settings(): Settings {
  if (cached) return cached;
  watching ??= vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('containerTrace')) cached = undefined;
  });
  return (cached = read());
}

function read(): Settings {
  const c = vscode.workspace.getConfiguration('containerTrace');
  const clamp = (v: number | undefined, lo: number, hi: number, d: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : d);
  return {
    dockerHost: c.get<string>('dockerHost') || undefined,
    maxRows: clamp(c.get<number>('maxRows'), 1000, 1_000_000, 50_000),
    maxLinesPerSecond: clamp(c.get<number>('output.maxLinesPerSecond'), 10, 100_000, 500),
    elevation: (['auto', 'pkexec', 'sudo', 'none'] as const).find((e) => e === c.get('elevation')) ?? 'auto',
    idleTimeoutSeconds: clamp(c.get<number>('helper.idleTimeoutSeconds'), 0, 86_400, 120),
  };
}
