/**
 * Container-controlled text (names, images, pods, comm, command lines,
 * messages that quote them) placed in Markdown tooltips: it can never make
 * a link, an image, HTML, a table cell, a theme icon or a heading. Plain
 * functions (no vscode import), so they are tested against a real renderer.
 */

// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Text shown as it is: every ASCII punctuation character escaped, line breaks and control characters made spaces. */
export function mdText(s: string): string {
  return s
    .replace(CONTROL, ' ')
    .replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/** An inline code span holding `s` whatever backticks it has (a fence longer than any run inside). */
export function mdCode(s: string): string {
  const flat = s.replace(CONTROL, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence} ${flat} ${fence}`;
}

/** A fenced code block holding `s` (a fence longer than any backtick run inside, so nothing closes it early). */
export function mdCodeblock(s: string, language = ''): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `\n${fence}${language}\n${s.replace(/\r/g, ' ')}\n${fence}\n`;
}
