/**
 * Container-controlled text in tooltips, rendered by a real Markdown
 * renderer (marked, as VS Code's hovers use): no link, image, HTML, heading,
 * extra table cell or theme icon comes from it, and it reads as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { marked } from 'marked';
import { mdCode, mdCodeblock, mdText } from '../../src/ext/markdown';

const HOSTILE = [
  '[click me](https://evil.example/x)',
  '![pixel](https://evil.example/p.png)',
  '<img src=https://evil.example/p.png>',
  '<a href="command:workbench.action.terminal.new">open</a>',
  'https://evil.example/bare',
  'www.evil.example',
  'name | with | pipes',
  'line one\n# heading\n- item',
  '$(alert) $(error)',
  '`code` ``two`` ```three```',
  '*em* **strong** _u_ ~~s~~',
  '[ref]: https://evil.example\n[ref]',
  '\\[escaped\\](x)',
  'a\u2028b\u0000c\u001b[31m',
];

/** The text a browser would show for `html` (tags dropped, entities decoded). */
function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const flat = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');

test('mdText: hostile names render as their own text, never as a link, image, HTML, heading or icon', () => {
  for (const s of HOSTILE) {
    const html = marked.parse(`**${mdText(s)}** — running`, { async: false, gfm: true });
    assert.doesNotMatch(html, /<(a|img|h\d|ul|ol|li|code|del|em)\b/, `${JSON.stringify(s)} → ${html}`);
    assert.equal(textOf(html), `${flat(s)} — running`, `${JSON.stringify(s)} → ${html}`);
    assert.doesNotMatch(mdText(s), /(^|[^\\])\$\(/, 'no theme icon syntax survives');
  }
});

test('mdText in a table cell keeps the table at two cells a row', () => {
  for (const s of HOSTILE) {
    const html = marked.parse(`| | |\n|---|---|\n| image | ${mdText(s)} |\n`, { async: false, gfm: true });
    const cells = html.match(/<td>/g) ?? [];
    assert.equal(cells.length, 2, `${JSON.stringify(s)} → ${html}`);
    assert.doesNotMatch(html, /<(a|img)\b/);
  }
});

test('mdCode and mdCodeblock hold any text, backticks included, and nothing escapes them', () => {
  for (const s of HOSTILE) {
    const inline = marked.parse(`image ${mdCode(s)} end`, { async: false, gfm: true });
    assert.equal((inline.match(/<code>/g) ?? []).length, 1, inline);
    assert.doesNotMatch(inline, /<(a|img)\b/);
    assert.equal(textOf(/<code>([\s\S]*)<\/code>/.exec(inline)![1]), flat(s).trim());
    const block = marked.parse(`before${mdCodeblock(`${s}\n\`\`\`\n[x](https://evil.example)`, 'shellscript')}after`, { async: false, gfm: true });
    assert.equal((block.match(/<pre>/g) ?? []).length, 1, block);
    assert.doesNotMatch(block, /<(a|img)\b/, block);
    assert.match(block, /<p>after<\/p>/);
  }
});
