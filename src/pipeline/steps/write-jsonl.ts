import type { Document } from '../document.js';
import { outputLine, type TagFormat } from '../output-record.js';

/** A classified document as its output line (no newline): the input kept byte for byte when it can be, plus the tags. */
export function jsonlLine(doc: Document, format: TagFormat): string {
  const t = doc.tags!;
  return outputLine(doc.raw ?? JSON.stringify(doc.fields), doc.fields, t.probs, t.lang, t.chunks, format);
}
