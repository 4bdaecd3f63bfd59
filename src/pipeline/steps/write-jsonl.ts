import type { Document } from '../document.js';
import { outputLine, type OutputStats, type TagFormat } from '../output-record.js';

/** A classified document as its output line (no newline): the input line's bytes, plus the tags. */
export function jsonlLine(doc: Document, format: TagFormat, stats?: OutputStats): string {
  const t = doc.tags!;
  // WARC records have no input line: their fields are ours (flat, already extracted), so they are serialised
  if (doc.raw === undefined) return outputLine(JSON.stringify(doc.fields), doc.fields, t.probs, t.lang, t.chunks, format, undefined, undefined, t.parts);
  return outputLine(doc.raw, doc.fields, t.probs, t.lang, t.chunks, format, doc.patch, stats, t.parts);
}
