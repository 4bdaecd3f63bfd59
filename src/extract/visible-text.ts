import type { DomNode } from './dom.js';

const ELEMENT = 1;
const TEXT = 3;

/** Never rendered as text (or rendered as something other than text). */
const SKIPPED = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'MATH', 'HEAD', 'TITLE', 'IFRAME', 'OBJECT', 'EMBED', 'CANVAS', 'SELECT', 'DATALIST', 'TEXTAREA']);

/** Elements that start a new line of text. */
const BLOCK = new Set([
  'ADDRESS',
  'ARTICLE',
  'ASIDE',
  'BLOCKQUOTE',
  'BODY',
  'CAPTION',
  'CENTER',
  'DD',
  'DETAILS',
  'DIALOG',
  'DIR',
  'DIV',
  'DL',
  'DT',
  'FIELDSET',
  'FIGCAPTION',
  'FIGURE',
  'FOOTER',
  'FORM',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'HEADER',
  'HGROUP',
  'HR',
  'HTML',
  'LEGEND',
  'LI',
  'MAIN',
  'MENU',
  'NAV',
  'OL',
  'P',
  'PRE',
  'SECTION',
  'SUMMARY',
  'TABLE',
  'TBODY',
  'TFOOT',
  'THEAD',
  'TR',
  'UL',
]);

/** Inline elements a browser lays out as separate boxes: their text is kept apart by a space. */
const SPACED = new Set(['TD', 'TH', 'LABEL', 'BUTTON', 'OPTION']);
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const HIDDEN_STYLE = /display\s*:\s*none|visibility\s*:\s*hidden/i;
const SPACES = /\s+/g;
const PRE_SPACES = /[^\S\n]+/g;

function isHidden(el: DomNode): boolean {
  if (el.hasAttribute?.('hidden')) return true;
  const style = el.getAttribute?.('style');
  return style != null && HIDDEN_STYLE.test(style);
}

/** A node to visit, or the marker left on the stack to close an element after its children. */
type Step = DomNode | { close: string };

/**
 * The text a reader sees under `root`: script/style/noscript/template/svg and hidden elements
 * dropped, one line per block element (`<br>` breaks too; table cells, labels and buttons are separated
 * by a space),
 * whitespace collapsed except inside `<pre>`, empty lines removed. Iterative, so that the
 * thousands-deep nesting of broken pages cannot overflow the call stack.
 */
export function visibleText(root: DomNode): string {
  const out: string[] = [];
  const stack: Step[] = [root];
  let preDepth = 0;
  while (stack.length > 0) {
    const step = stack.pop()!;
    if ('close' in step) {
      if (step.close === 'PRE') preDepth--;
      out.push(SPACED.has(step.close) ? ' ' : '\n');
      continue;
    }
    if (step.nodeType === TEXT) {
      const value = step.nodeValue ?? '';
      out.push(preDepth > 0 ? value.replace(/\r\n?/g, '\n').replace(PRE_SPACES, ' ') : value.replace(SPACES, ' '));
      continue;
    }
    if (step.nodeType !== ELEMENT) continue;
    const name = step.nodeName.toUpperCase();
    if (SKIPPED.has(name) || isHidden(step)) continue;
    if (name === 'BR' || name === 'HR') {
      out.push('\n');
      continue;
    }
    const block = BLOCK.has(name);
    if (block) out.push('\n');
    if (block || SPACED.has(name)) stack.push({ close: name });
    if (name === 'PRE') preDepth++;
    const children = step.childNodes;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return tidyLines(out.join(''));
}

/** Drops control characters, trims each line, squeezes runs of spaces, drops empty lines. */
export function tidyLines(text: string): string {
  const lines: string[] = [];
  for (const raw of text.replace(CONTROL_CHARS, '').split('\n')) {
    const line = raw.replace(/ {2,}/g, ' ').trim();
    if (line) lines.push(line);
  }
  return lines.join('\n');
}
