import { requiredText } from '../../io/records.js';
import type { WarcDoc } from '../../io/warc-reader.js';
import { sourceLine, type Document, type Item } from '../document.js';

/**
 * WARC/WET records -> documents with fields {id, url, date, warc_record}: WET text goes to `field` (blank
 * text is an error record, as for JSONL), HTML responses wait for the extract step (their HTML is never
 * copied to the output).
 */
export function readWarcRecords(records: readonly WarcDoc[], field: string): Item[] {
  return records.map((d): Item => {
    const fields: Record<string, unknown> = { id: d.recordId, url: d.url, date: d.date, warc_record: d.index };
    const source = { file: d.file, line: d.index, byteOffset: d.byteOffset ?? -1, byteLength: Buffer.byteLength(d.content) };
    if (d.kind === 'html') return { doc: { fields, text: '', html: d.content, source } };
    fields[field] = d.content;
    const doc: Document = { fields, text: d.content, source };
    if (d.content.trim().length > 0) return { doc };
    const t = requiredText(sourceLine(doc), fields, field);
    return t.ok ? { doc } : { error: t.error };
  });
}
