/// <reference lib="dom" />
/**
 * Paths and frames as links to the workspace's files: the extension maps
 * them (through the container's mounts, then by path suffix) and sends what
 * it found by key; a mapped one is a link (the extension opens it, at the
 * frame's line), one that maps nowhere is plain text saying why on hover.
 */
import type { SourceInfo } from './messages';

const known = new Map<string, SourceInfo>();
/** Asks the extension to open a key's file. */
let opener: (key: string, line?: number) => void = () => undefined;

export function setSourceOpener(open: (key: string, line?: number) => void): void {
  opener = open;
}

/** Open a key's file (a flame graph frame's, on Ctrl+click). */
export function openSourceKey(key: string, line?: number): void {
  if (known.get(key)?.ok) opener(key, line);
}

export function addSources(entries: Record<string, SourceInfo>): void {
  for (const [k, v] of Object.entries(entries)) known.set(k, v);
}

export function sourceOf(key: string): SourceInfo | undefined {
  return known.get(key);
}

/** `text` as a link to its key's file (at `line`), or plain with why not on hover. */
export function sourceLink(text: string, key: string, line?: number): HTMLElement {
  const s = known.get(key);
  if (!s?.ok) {
    const span = document.createElement('span');
    span.className = 'nosrc';
    span.textContent = text;
    span.title = s ? `Not in the workspace: ${s.tip}` : 'Not mapped to the workspace yet';
    return span;
  }
  const a = document.createElement('a');
  a.className = 'src';
  a.href = '#';
  a.textContent = text;
  a.dataset.src = key;
  if (line) a.dataset.line = String(line);
  a.title = `Open ${s.rel ?? text}${line ? `:${line}` : ''}\n${s.tip}`;
  return a;
}

/** `text` with the first `part` of it a source link (the rest plain). */
export function withSourceLink(text: string, part: string, key: string, line?: number): Node[] {
  const at = part ? text.indexOf(part) : -1;
  if (at < 0) return [document.createTextNode(text)];
  return [document.createTextNode(text.slice(0, at)), sourceLink(part, key, line), document.createTextNode(text.slice(at + part.length))];
}

/** Clicks on source links anywhere in the view open their files. */
document.addEventListener('click', (ev) => {
  const a = (ev.target as HTMLElement | null)?.closest?.('a.src') as HTMLAnchorElement | null;
  if (!a?.dataset.src) return;
  ev.preventDefault();
  ev.stopPropagation();
  opener(a.dataset.src, a.dataset.line ? Number(a.dataset.line) : undefined);
}, true);
