import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIN_READABILITY_CHARS, extractMainText } from '../src/extract/html-text.js';
import { normalizeShell, stripInvisible } from '../src/extract/dom.js';

const article = readFileSync(new URL('./fixtures/html/article-with-chrome.html', import.meta.url), 'utf8');

describe('extractMainText: Readability path', () => {
  const out = extractMainText(article, { url: 'https://daily-coast.example/tidal' });

  it('finds the main text of an article page', () => {
    expect(out.method).toBe('readability');
    expect(out.text).toContain('Harbour City switched on its first tidal power plant on Monday');
    expect(out.text).toContain('glass floor above one of the turbines');
    expect(out.title).toContain('Harbour City');
  });

  it('leaves out navigation, ads, related links, footer, scripts and styles', () => {
    for (const noise of ['NAVLINK', 'ADVERT', 'RELATED', 'FOOTERTEXT', 'UA-SCRIPT-TEXT', 'SCRIPTBODY', 'font-family']) {
      expect(out.text).not.toContain(noise);
    }
  });

  it('keeps paragraphs on their own lines, whitespace collapsed, entities decoded', () => {
    const lines = out.text.split('\n');
    expect(lines.some((l) => l.startsWith('Harbour City switched on') && l.endsWith('at full capacity.'))).toBe(true);
    expect(lines.some((l) => l.startsWith('The plant sits at the mouth'))).toBe(true);
    expect(out.text).not.toMatch(/ {2}|\n\n|^\s|\s$/);
    expect(out.text).toContain('“The results are encouraging & we will keep watching,” said');
  });
});

describe('extractMainText: fallback to visible text', () => {
  it('uses visible text for a short page (below minReadabilityChars)', () => {
    const html = `<html><head><title>Opening hours</title><style>p { color: red }</style>
      <script>var hidden = "SCRIPTTEXT";</script></head>
      <body><h2>Opening hours</h2><p>Mon&ndash;Fri 9&nbsp;&ndash;&nbsp;17</p><p>Sat 10 &ndash; 14</p>
      <noscript>NOSCRIPTTEXT</noscript><template>TEMPLATETEXT</template><svg><text>SVGTEXT</text></svg></body></html>`;
    const out = extractMainText(html);
    expect(out.method).toBe('visible');
    expect(out.text).toBe('Opening hours\nMon–Fri 9 – 17\nSat 10 – 14');
    expect(out.title).toBe('Opening hours');
  });

  it('uses visible text when Readability rejects the page (a consent wall it takes for a modal dialog)', () => {
    const notice =
      'We and our partners use cookies to store and access information on your device, to measure how our pages ' +
      'are used and to show you personalised content. You can accept all cookies, reject them, or choose which ' +
      'purposes you allow in the settings. Your choice applies to this site only.';
    const html = `<!doctype html><html><head><title>Before you continue</title>
      <style>.consent { position: fixed } .STYLETEXT {}</style><script>window.cmp = "SCRIPTTEXT";</script></head>
      <body><div class="consent" role="dialog" aria-modal="true"><h2>Before you continue</h2><p>${notice}</p>
      <button>Accept all</button><button>Reject all</button></div><script>cmp.show("MORESCRIPT")</script></body></html>`;
    const out = extractMainText(html);
    expect(out.method).toBe('visible');
    expect(out.text.length).toBeGreaterThan(DEFAULT_MIN_READABILITY_CHARS);
    expect(out.text).toContain(notice);
    expect(out.text).toContain('Accept all Reject all');
    expect(out.text).not.toMatch(/SCRIPTTEXT|MORESCRIPT|STYLETEXT|position: fixed/);
  });

  it('honours minReadabilityChars', () => {
    expect(extractMainText(article, { minReadabilityChars: 5000 }).method).toBe('visible');
    const visible = extractMainText(article, { minReadabilityChars: 5000 }).text;
    expect(visible).toContain('NAVLINK Home');
    expect(visible).not.toContain('UA-SCRIPT-TEXT');
  });

  it('drops hidden elements and separates table cells', () => {
    const out = extractMainText('<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table><div hidden>H1</div><p style="display: none">H2</p>');
    expect(out.text).toBe('a b\nc');
  });

  it('keeps line breaks inside <pre> and from <br>', () => {
    expect(extractMainText('<pre>line 1\n  line 2</pre><p>x<br>y</p>').text).toBe('line 1\nline 2\nx\ny');
  });
});

describe('extractMainText: robustness', () => {
  it.each([
    ['empty string', ''],
    ['whitespace', ' \n\t '],
    ['empty body', '<html><head></head><body></body></html>'],
    ['only scripts and styles', '<script>alert(1)</script><style>a{}</style>'],
    ['comment only', '<!-- nothing -->'],
  ])('returns empty for %s', (_name, html) => {
    expect(extractMainText(html)).toEqual({ text: '', title: null, method: 'empty' });
  });

  it('does not throw on garbage or broken markup', () => {
    const inputs = [
      '\u0000\u0001<<<>>>&&&;;<div <p',
      '<html><body><table><p>unclosed <b><i>tags</table></div></div></body>',
      '</html></body><p>after the end',
      '<scr' + 'ipt>never closed',
      '<div>'.repeat(20000) + 'deep text' + '</div>'.repeat(20000),
      '\uFFFD\uD800 lone surrogate',
    ];
    for (const html of inputs) {
      expect(() => extractMainText(html)).not.toThrow();
    }
    expect(extractMainText('<div>'.repeat(20000) + 'deep text' + '</div>'.repeat(20000)).text).toBe('deep text');
    expect(extractMainText('\u0000\u0001<<<>>>&&&;;<div <p').text).not.toMatch(/[\u0000\u0001]/);
  });

  it('decodes entities', () => {
    const out = extractMainText('<p>Fish &amp; chips &lt;b&gt; &eacute;t&eacute; &#20013;&#x6587; &quot;q&quot; &nbsp;x</p>');
    expect(out.text).toBe('Fish & chips <b> été 中文 "q" x');
  });

  it('finds text a bare fragment or a page without <body> puts outside the body', () => {
    expect(extractMainText('just some text').text).toBe('just some text');
    expect(extractMainText('<html><p>x</p></html>').text).toBe('x');
    expect(extractMainText('<html><head><title>T</title></head><p>hi</p></html><p>after</p>')).toMatchObject({ text: 'hi\nafter', title: 'T' });
  });
});

describe('markup preparation', () => {
  it('strips comments and invisible elements but keeps JSON-LD', () => {
    const html = '<p>a</p><!-- c --><script>x</script\n><style>s</style><script type="application/ld+json">{"a":1}</script><svg><g/></svg><p>b</p>';
    expect(stripInvisible(html)).toBe('<p>a</p><script type="application/ld+json">{"a":1}</script><p>b</p>');
  });

  it('rebuilds the html/head/body shell', () => {
    expect(normalizeShell('<p>x</p>')).toBe('<!DOCTYPE html><html><head></head><body><p>x</p></body></html>');
    expect(normalizeShell('<!doctype html><html><head><title>t</title></head><body class="k">b</body></html>')).toBe(
      '<!DOCTYPE html><html><head><title>t</title></head><body class="k">b</body></html>',
    );
  });
});
