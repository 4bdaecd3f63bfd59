import type { ErrorRecord, LabelledExample } from '../types.js';
import { resolveInputs } from './inputs.js';
import { readLineBatches } from './line-reader.js';
import { parseDocLine, parseLabelledLine, type PoolTexts } from './records.js';
import { READ_DEFAULTS } from '../defaults.js';

export interface ReadLabelledResult {
  examples: LabelledExample[];
  /** One record per bad line; `examples.length + errors.length === lines`. */
  errors: ErrorRecord[];
  lines: number;
}

/**
 * Read labelled JSONL from files or glob patterns (`-` = stdin; see resolveInputs). Bad lines do not
 * stop the read: they come back as error records, and the caller decides whether to fail.
 */
export async function readLabelled(files: string[], opts: { field?: string; maxLineBytes?: number; pool?: PoolTexts; textOptional?: boolean } = {}): Promise<ReadLabelledResult> {
  const paths = await resolveInputs(files);
  const examples: LabelledExample[] = [];
  const errors: ErrorRecord[] = [];
  const parseOpts = { ...(opts.field !== undefined && { field: opts.field }), ...(opts.pool !== undefined && { pool: opts.pool }), ...(opts.textOptional && { textOptional: true }) };
  const readOpts = opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes };
  let lines = 0;
  for (const path of paths) {
    for await (const batch of readLineBatches(path, readOpts)) {
      lines += batch.length;
      for (const raw of batch) {
        const r = parseLabelledLine(raw, parseOpts);
        if (r.ok) examples.push(r.example);
        else errors.push(r.error);
      }
    }
  }
  return { examples, errors, lines };
}

/** The first `max` error messages, one per line, then "... and K more" when there are more. */
export function formatErrors(errors: ErrorRecord[], max = 10): string {
  const shown = errors.slice(0, Math.max(0, max)).map((e) => e.message);
  const rest = errors.length - shown.length;
  if (rest > 0) shown.push(`... and ${rest} more`);
  return shown.join('\n');
}

/**
 * Read a document pool (JSONL with `id` and text, e.g. the unlabelled pages to label) into id -> text.
 * A bad line, a missing or duplicate id is an error naming file and line: label rows must resolve to
 * exactly one document.
 */
export async function readPool(files: string[], opts: { field?: string } = {}): Promise<Map<string, { text: string; lang?: string }>> {
  const field = opts.field ?? READ_DEFAULTS.field;
  const pool = new Map<string, { text: string; lang?: string }>();
  for (const path of await resolveInputs(files)) {
    for await (const batch of readLineBatches(path)) {
      for (const raw of batch) {
        const r = parseDocLine(raw, field);
        if (!r.ok) throw new Error(`pool: ${r.error.message}`);
        const id = r.obj.id;
        if (typeof id !== 'string' || id.length === 0) throw new Error(`pool: ${path}:${raw.line}: field "id" must be a non-empty string`);
        if (pool.has(id)) throw new Error(`pool: ${path}:${raw.line}: field "id": "${id}" appears twice`);
        const lang = typeof r.obj.lang === 'string' && r.obj.lang !== '' ? r.obj.lang : undefined;
        pool.set(id, lang === undefined ? { text: r.text } : { text: r.text, lang });
      }
    }
  }
  return pool;
}
