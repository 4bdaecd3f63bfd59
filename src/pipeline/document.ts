import type { Document } from '../document.js';
import type { RawLine } from '../io/line-reader.js';
import type { ErrorRecord } from '../types.js';

export type { Document, DocTags, FieldPatch, SourceSpan } from '../document.js';

/** A step's unit: documents and the input lines that failed, each at its position in the input. */
export type Item = { doc: Document } | { error: ErrorRecord };

/** The input line a document came from, for error records (WARC records: their fields as one JSON line). */
export function sourceLine(doc: Document, htmlField = 'html'): RawLine {
  const text = doc.raw ?? JSON.stringify(doc.html === undefined ? doc.fields : { ...doc.fields, [htmlField]: doc.html });
  return { ...doc.source, text };
}
