import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractMainText } from '../src/extract/html-text.js';

// Real pages from ../shared/data (never copied into the repo); skipped when the data is absent.
const gnePath = fileURLToPath(new URL('../../shared/data/web_html/gne_zh_news.jsonl', import.meta.url));
const hasData = existsSync(gnePath);
if (!hasData) console.warn(`extract-real-pages: skipped, ${gnePath} not found`);

interface GnePage {
  url: string | null;
  html: string;
  page_type: string;
  expected?: { content?: string } | null;
}

function charF1(pred: string, gold: string): number {
  const counts = new Map<string, number>();
  for (const c of gold.replace(/\s+/g, '')) counts.set(c, (counts.get(c) ?? 0) + 1);
  let common = 0;
  let n = 0;
  for (const c of pred.replace(/\s+/g, '')) {
    n++;
    const k = counts.get(c);
    if (k) {
      common++;
      counts.set(c, k - 1);
    }
  }
  const goldN = [...gold.replace(/\s+/g, '')].length;
  const p = n ? common / n : 0;
  const r = goldN ? common / goldN : 0;
  return p + r ? (2 * p * r) / (p + r) : 0;
}

describe.skipIf(!hasData)('extractMainText on the GNE Chinese news pages', () => {
  const pages: GnePage[] = hasData
    ? readFileSync(gnePath, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as GnePage)
    : [];

  it('extracts text from every page and matches GNE ground truth (char F1 >= 0.85 on average)', () => {
    const f1s: number[] = [];
    for (const page of pages) {
      const out = extractMainText(page.html, page.url ? { url: page.url } : {});
      expect(out.method).not.toBe('empty');
      expect(out.text).not.toMatch(/<script|function\s*\(/);
      if (page.expected?.content) f1s.push(charF1(out.text, page.expected.content));
    }
    expect(f1s.length).toBe(20);
    const mean = f1s.reduce((a, b) => a + b, 0) / f1s.length;
    expect(mean).toBeGreaterThan(0.85);
  });
});
