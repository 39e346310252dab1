/**
 * Errors the helper and the CLI write for a terminal ("see `container-trace
 * ps web`", "close matches: …") read for the extension, where
 * `container-trace` is usually not on the user's PATH: the hint leaves the
 * text and becomes an action (run the bundled CLI, pick a process, use a
 * close match). No VS Code here (unit-tested).
 */

export interface CliHint {
  /** The words after `container-trace`. */
  args: string[];
}

export interface ReadError {
  /** The message without the CLI hints. */
  text: string;
  hints: CliHint[];
  /** uprobe: the function names the helper offers instead of a missing one. */
  closeMatches: string[];
}

const SEE = /\s*(?:—|–|;|,)?\s*see `container-trace ([^`]+)`/g;

/** Words of a hint as a shell would split them (names in hints have no spaces or quotes). */
function words(s: string): string[] {
  return s.trim().split(/\s+/).filter(Boolean);
}

export function readError(message: string): ReadError {
  const hints: CliHint[] = [];
  let text = message.replace(SEE, (_m, cmd: string) => {
    hints.push({ args: words(cmd) });
    return '';
  });
  // The extension has a command (and a button) for it.
  if (/container-trace install-helper/.test(text)) {
    hints.push({ args: ['install-helper'] });
    text = text.replace(/"?container-trace install-helper"?/g, '"Container Trace: Install Helper"');
  }
  const close = /close matches: ([^;()]+)/.exec(message);
  const closeMatches = close ? close[1].split(',').map((s) => s.trim()).filter((s) => /^[\w.@$]+$/.test(s)) : [];
  return { text: text.replace(/\s+$/, '').replace(/\s{2,}/g, ' '), hints, closeMatches };
}
