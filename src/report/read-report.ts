import { readFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { HIST_BINS, REPORT_SCHEMA, TERM_SCRIPTS, type ModelIdentity, type Report } from './report-types.js';
import { withSummary } from './summary.js';

/** A report file that cannot be used; the message names the file and the key. */
export class ReportFileError extends Error {
  override name = 'ReportFileError';
}

const count = z.number().int().nonnegative();
const label = z.string().min(1);

/** ModelIdentity as stored in report and weights files. */
export const modelIdentitySchema: z.ZodType<ModelIdentity> = z.object({
  name: z.string().nullable(),
  data_hash: z.string().nullable(),
  id: z.string().nullable(),
  labels: z.array(label),
  labels_source: z.enum(['model', 'data']),
  label_names: z.record(z.object({ en: z.string().min(1).optional(), zh: z.string().min(1).optional() }).strict()).optional(),
  calibration: z
    .object({ source: z.string(), labels: z.array(label).min(1), confusion: z.record(z.array(z.array(count))), soft_confusion: z.record(z.array(z.array(z.number().nonnegative()))).optional() })
    .optional(),
});

const reportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA),
  plan: z.object({ id: z.string().min(1), shard: count, shards: z.number().int().positive() }).optional(),
  model: modelIdentitySchema,
  settings: z.object({
    tokenizer: z.string(),
    tokenizer_description: z.string(),
    tokenizer_version: z.string().min(1).optional(),
    group_by: z.string().nullable(),
    text_field: z.string(),
    uncertain_below: z.number().min(0).max(1),
    hist_bins: z.literal(HIST_BINS),
    term_capacity: count,
    top_terms: count,
  }),
  inputs: z.array(z.string()),
  counts: z.object({
    read: count,
    counted: count,
    errors: count,
    errors_by_code: z.record(count),
    full_scores_docs: count,
    top_k_docs: count,
    multi_label_docs: count.optional(),
  }),
  state: z.object({
    cells: z.array(
      z.object({
        group: z.string().nullable(),
        lang: z.string().min(1),
        topic: label,
        docs: count,
        chars: count,
        tokens: count,
        confidence_e6: count,
        hist: z.array(count).length(HIST_BINS),
        uncertain_docs: count,
        uncertain_tokens: count,
        below_threshold_docs: count,
      }),
    ),
    soft: z.array(
      z.object({
        group: z.string().nullable(),
        lang: z.string().min(1),
        topic: label.nullable(),
        docs_e6: count,
        chars_e3: count,
        tokens_e3: count,
      }),
    ),
    terms: z.array(
      z.object({
        topic: label,
        script: z.enum(TERM_SCRIPTS),
        docs: count,
        max_error: count,
        counts: z.array(z.tuple([z.string(), count])),
      }),
    ),
    parts: z
      .array(
        z.object({
          lang: z.string().min(1),
          topic: label,
          split_docs: count,
          mixed_docs: count,
          parts: count,
          mixed_parts: count,
          other_topics: z.record(count),
        }),
      )
      .optional(),
    tags: z.array(z.object({ group: z.string().nullable(), lang: z.string().min(1), topic: label, docs: count, chars: count, tokens: count })).optional(),
  }),
});

export function zodPath(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

async function readMaybeGzip(file: string): Promise<string> {
  const buf = await readFile(file);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    const chunks: Buffer[] = [];
    for await (const c of Readable.from([buf]).pipe(createGunzip())) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  return buf.toString('utf8');
}

/** Parse and check a report JSON text; `file` names it in errors. The summary is recomputed from the state when first read. */
export function parseReport(text: string, file: string): Report {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ReportFileError(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (json !== null && typeof json === 'object' && (json as { schema?: unknown }).schema !== REPORT_SCHEMA) {
    const got = (json as { schema?: unknown }).schema;
    throw new ReportFileError(`${file}: not a topicmix report (schema is ${JSON.stringify(got ?? null)}, expected "${REPORT_SCHEMA}")`);
  }
  const r = reportSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ReportFileError(`${file}: ${zodPath(issue.path)}: ${issue.message}`);
  }
  const partial = r.data;
  return withSummary(partial);
}

export async function readReport(file: string): Promise<Report> {
  let text: string;
  try {
    text = await readMaybeGzip(file);
  } catch (err) {
    throw new ReportFileError(`cannot read report ${file}: ${(err as Error).message}`);
  }
  return parseReport(text, file);
}
