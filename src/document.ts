import type { Script } from './types.js';

/** A long page's parts as scored: bounds in code points (parts + 1, from 0 to the length), probabilities [parts, K]. */
export interface DocParts {
  bounds: Int32Array;
  probs: Float32Array;
}

/** Where a document was read: file ('-' = stdin), 1-based line (WARC: record number), stored bytes. */
export interface SourceSpan {
  file: string;
  line: number;
  /** Offset in the file as stored (-1 when unknown, e.g. inside a whole-file gzip). */
  byteOffset: number;
  byteLength: number;
}

/** What the classify step adds: the probability of every label, the detected script, chunks scored. */
export interface DocTags {
  probs: Float32Array;
  lang: Script;
  chunks: number;
  /** Only for long pages when parts are asked for. */
  parts?: DocParts;
}

/** Fields a step set (name -> the value as JSON text) or removed (name -> null). */
export type FieldPatch = Record<string, string | null>;

/**
 * One document flowing through the steps (read -> extract -> classify -> count -> write). Readers make it
 * from a JSONL line (also a tagged one, for report and sample) or a WARC record; steps fill in `text` and `tags`; writers serialise `fields` + tags.
 */
export interface Document {
  /** The input's own fields: a JSONL object, or a WARC record's id, url, date and warc_record. */
  fields: Record<string, unknown>;
  /** The text the model reads (also stored in `fields[field]`). Empty until raw HTML is extracted. */
  text: string;
  /** Raw HTML still to be turned into `text` by the extract step. */
  html?: string;
  /** The input line exactly as read: the output is this line with the tags (and `patch`) spliced in, byte for byte. */
  raw?: string;
  /** What steps changed in `fields` (also applied there), for the output line made from `raw`. */
  patch?: FieldPatch;
  source: SourceSpan;
  tags?: DocTags;
}
