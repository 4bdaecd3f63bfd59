import type { extractMainText as ExtractMainText } from '../../extract/html-text.js';
import { errorRecord } from '../../io/records.js';
import { sourceLine, type FieldPatch, type Item } from '../document.js';

export interface ExtractOptions {
  /** Where the extracted text goes. */
  field: string;
  /** The field the HTML came from (JSONL input); WARC HTML is never copied to the output. */
  htmlField?: string;
  /** Leave the HTML field out of the output. */
  dropHtml?: boolean;
}

// The HTML extractor (linkedom + Readability) costs ~26 MB and ~0.2 s to load: only HTML input pays for it.
let extractMainText: typeof ExtractMainText | undefined;

/** Loads the extractor; await it before `extractHtml` runs on documents with HTML. */
export async function loadExtractor(): Promise<void> {
  extractMainText ??= (await import('../../extract/html-text.js')).extractMainText;
}

/**
 * Raw HTML -> main text (Readability, else all visible text): the text goes to `field` and the method to
 * `extract_method`; a page with no text becomes an error record.
 */
export function extractHtml(items: Item[], o: ExtractOptions): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (!('doc' in item) || item.doc.html === undefined) continue;
    const doc = item.doc;
    if (!extractMainText) throw new Error('internal: loadExtractor was not awaited before HTML input');
    const url = typeof doc.fields.url === 'string' ? doc.fields.url : undefined;
    const extracted = extractMainText(doc.html!, url === undefined ? {} : { url });
    const htmlField = o.htmlField ?? 'html';
    if (extracted.method === 'empty') {
      items[i] = { error: errorRecord(sourceLine(doc, htmlField), 'empty_text', `no text could be extracted from field "${htmlField}"`, htmlField) };
      continue;
    }
    const fields: Record<string, unknown> = { ...doc.fields, [o.field]: extracted.text, extract_method: extracted.method };
    // the input line stays as it was (raw): the output splices these changes into it
    const patch: FieldPatch = { [o.field]: JSON.stringify(extracted.text), extract_method: JSON.stringify(extracted.method) };
    if (o.dropHtml && o.htmlField !== undefined && o.htmlField !== o.field) {
      delete fields[o.htmlField];
      patch[o.htmlField] = null;
    }
    doc.fields = fields;
    doc.patch = patch;
    doc.text = extracted.text;
    delete doc.html;
  }
}
