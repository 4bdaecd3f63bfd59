import { Readability } from '@mozilla/readability';
import { domShape, parseDocument, type DomDocument, type DomNode } from './dom.js';
import { tidyLines, visibleText } from './visible-text.js';

export interface ExtractedText {
  /** Main text, one paragraph (block) per line, `\n`-separated; '' when `method` is 'empty'. */
  text: string;
  /** Readability's title (from the page's metadata or <title>), else the document's <title>; null when neither has text. */
  title: string | null;
  /** 'readability': the main-content extractor succeeded; 'visible': all visible text of the page; 'empty': no text. */
  method: 'readability' | 'visible' | 'empty';
}

export interface ExtractOptions {
  /** The page's URL. Text extraction does not depend on it today; accepted so callers can pass their record's URL. */
  url?: string;
  /**
   * Readability's result is used only when it has at least this many characters (after whitespace
   * tidying); otherwise the page falls back to all visible text. Also passed to Readability as its
   * `charThreshold` (its own default is 500, too high for short news items and dense CJK text).
   * Default 200.
   */
  minReadabilityChars?: number;
}

export const DEFAULT_MIN_READABILITY_CHARS = 200;

/**
 * Pages nested deeper than this, or with more elements, skip Readability and get visible text.
 * Real pages stay under ~50 levels and ~5,000 elements (after scripts/styles are cut); Readability's
 * time grows steeply with depth (2,000 nested divs take minutes) and linearly with elements.
 */
export const MAX_READABILITY_DEPTH = 256;
export const MAX_READABILITY_ELEMENTS = 100_000;

const EMPTY: ExtractedText = { text: '', title: null, method: 'empty' };

function clean(s: string | null | undefined): string {
  return s ? tidyLines(s.replace(/\s+/g, ' ')) : '';
}

/** Readability's article, or null when it rejects the page or throws. Mutates `doc`. */
function readArticle(doc: DomDocument, charThreshold: number): { title: string; text: string } | null {
  try {
    const reader = new Readability<DomNode>(doc as never, { charThreshold, serializer: (node) => node as unknown as DomNode });
    const article = reader.parse();
    if (!article?.content) return null;
    return { title: clean(article.title), text: visibleText(article.content) };
  } catch {
    // Readability throws on some pathological DOMs; the visible-text fallback still applies.
    return null;
  }
}

/**
 * Main text of an HTML page: Mozilla Readability over a linkedom DOM; when Readability rejects the
 * page (returns nothing or throws), keeps fewer than `minReadabilityChars` characters, or the page
 * is too deep/large for it (see `MAX_READABILITY_DEPTH`), all visible text of the page instead (see
 * `visibleText`). Comments and script/style/noscript/template/svg are cut before parsing. Never throws.
 */
export function extractMainText(html: string, opts: ExtractOptions = {}): ExtractedText {
  const minChars = Math.max(1, opts.minReadabilityChars ?? DEFAULT_MIN_READABILITY_CHARS);
  if (typeof html !== 'string' || html.trim() === '') return EMPTY;
  try {
    let doc = parseDocument(html);
    const body = doc.body ?? doc.documentElement;
    if (!body) return EMPTY;
    const shape = domShape(body);
    let article: { title: string; text: string } | null = null;
    if (shape.depth <= MAX_READABILITY_DEPTH && shape.elements <= MAX_READABILITY_ELEMENTS) {
      article = readArticle(doc, minChars);
      if (article && article.text.length >= minChars) return { text: article.text, title: article.title || null, method: 'readability' };
      doc = parseDocument(html); // Readability took the DOM apart
    }
    const root = doc.body ?? doc.documentElement;
    const text = root ? visibleText(root) : '';
    const title = article?.title || clean(doc.title) || null;
    return text ? { text, title, method: 'visible' } : { ...EMPTY, title };
  } catch {
    return EMPTY;
  }
}
