import { resolveInputs } from '../../io/inputs.js';
import { readLineBatches } from '../../io/line-reader.js';
import { parseDocLine } from '../../io/records.js';
import { READ_DEFAULTS } from '../../defaults.js';
import { detectScript } from '../../text/script.js';

/** A pool document as the workbench shows it. */
export interface WorkbenchDoc {
  id: string;
  text: string;
  lang: string;
  url?: string;
}

/**
 * Read the pool (JSONL with `id`, text, optional `lang` and `url`) in file order. A bad line, a missing or
 * duplicate id is an error naming file and line, as readPool does; `lang` falls back to the detected script.
 */
export async function readWorkbenchPool(files: string[], field = READ_DEFAULTS.field): Promise<WorkbenchDoc[]> {
  const docs: WorkbenchDoc[] = [];
  const seen = new Set<string>();
  for (const path of await resolveInputs(files)) {
    for await (const batch of readLineBatches(path)) {
      for (const raw of batch) {
        const r = parseDocLine(raw, field);
        if (!r.ok) throw new Error(`pool: ${r.error.message}`);
        const { id, lang, url } = r.obj;
        if (typeof id !== 'string' || id.length === 0) throw new Error(`pool: ${path}:${raw.line}: field "id" must be a non-empty string`);
        if (seen.has(id)) throw new Error(`pool: ${path}:${raw.line}: field "id": "${id}" appears twice`);
        seen.add(id);
        const doc: WorkbenchDoc = { id, text: r.text, lang: typeof lang === 'string' && lang !== '' ? lang : detectScript(r.text) };
        if (typeof url === 'string' && url !== '') doc.url = url;
        docs.push(doc);
      }
    }
  }
  return docs;
}
