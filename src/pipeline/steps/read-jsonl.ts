import type { RawLine } from '../../io/line-reader.js';
import { parseDocLine } from '../../io/records.js';
import type { Item } from '../document.js';

/**
 * JSONL lines -> documents: each line is a JSON object with non-blank text in `field` (or raw HTML in
 * `htmlField`, extracted later). Bad lines become error records in place.
 */
export function readJsonl(lines: readonly RawLine[], field: string, htmlField?: string): Item[] {
  const items: Item[] = new Array<Item>(lines.length);
  const from = htmlField ?? field;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const parsed = parseDocLine(line, from);
    if (!parsed.ok) {
      items[i] = { error: parsed.error };
      continue;
    }
    const source = { file: line.file, line: line.line, byteOffset: line.byteOffset, byteLength: line.byteLength };
    items[i] = { doc: htmlField === undefined ? { fields: parsed.obj, text: parsed.text, raw: line.text!, source } : { fields: parsed.obj, text: '', html: parsed.text, raw: line.text!, source } };
  }
  return items;
}
