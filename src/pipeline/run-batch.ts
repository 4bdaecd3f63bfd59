import type { Classifier } from '../classifier.js';
import { LineSplitter, type RawLine } from '../io/line-reader.js';
import type { WarcDoc } from '../io/warc-reader.js';
import type { TagFormat } from './output-record.js';
import { classifyItems } from './steps/classify.js';
import { countDoc, type CountSetup, type DocCount } from './steps/count.js';
import { extractHtml, loadExtractor } from './steps/extract.js';
import { readJsonl } from './steps/read-jsonl.js';
import { readWarcRecords } from './steps/read-warc.js';
import { jsonlLine } from './steps/write-jsonl.js';

/**
 * What one batch of input lines became, packed so that it crosses to and from worker threads as a few
 * strings and typed arrays rather than an object per line. Positions let the caller cut a batch at an
 * exact line (--max-errors).
 */
export interface BatchResult {
  read: number;
  bytes: number;
  /** bytes of the batch up to and including each line (for cutting it at a line) */
  bytesTo: Float64Array;
  /** output lines, each ending in \n, in input order */
  out: string;
  /** index in the batch of each output line, and where it ends in `out` */
  outAt: Int32Array;
  outEnd: Int32Array;
  /** error records as JSON lines */
  errors: string;
  errAt: Int32Array;
  errEnd: Int32Array;
  /** index in the batch of each line whose input had fields classify replaced (topic, scores, ...) */
  replacedAt: Int32Array;
  /** With BatchSetup.count: each output line's document as the report counts it. */
  counted?: DocCount[];
}

/** How input becomes documents (the read and extract steps). */
export interface ReadOptions {
  /** Field holding the text; with `htmlField`, where the extracted text is written. */
  field: string;
  /** Field holding raw HTML: its main text is extracted (Readability, else visible text) and classified. */
  htmlField?: string;
  /** Leave the HTML field out of the output (it is usually most of the bytes). */
  dropHtml?: boolean;
}

/** What a batch runs with: the same in this thread and in every worker. */
export interface BatchSetup {
  clf: Classifier;
  format: TagFormat;
  /** Count each document for the report of the output (sharded runs). */
  count?: CountSetup;
}

/** One unit of work: lines of a JSONL file, or records of a WARC file. */
export type BatchInput = { lines: readonly RawLine[]; read: ReadOptions } | { records: readonly WarcDoc[]; read: ReadOptions };

/** Loads what a batch needs before runBatch runs: the HTML extractor for HTML fields and WARC records. */
export async function prepareBatch(read: ReadOptions, warc = false): Promise<void> {
  if (read.htmlField !== undefined || warc) await loadExtractor();
}

/** The steps over one batch: read -> extract -> classify -> (count) -> write, keeping every line's position. */
export function runBatch(setup: BatchSetup, input: BatchInput): BatchResult {
  const { read } = input;
  const items = 'lines' in input ? readJsonl(input.lines, read.field, read.htmlField) : readWarcRecords(input.records, read.field);
  extractHtml(items, { field: read.field, ...(read.htmlField !== undefined && { htmlField: read.htmlField }), ...(read.dropHtml && { dropHtml: true }) });
  classifyItems(setup.clf, items, setup.format.parts);
  let out = '';
  let errors = '';
  const outAt: number[] = [];
  const outEnd: number[] = [];
  const errAt: number[] = [];
  const errEnd: number[] = [];
  const replacedAt: number[] = [];
  const stats = { replaced: false };
  const counted: DocCount[] | undefined = setup.count ? [] : undefined;
  let bytes = 0;
  const bytesTo = new Float64Array(items.length);
  for (let j = 0; j < items.length; j++) {
    const item = items[j]!;
    if ('lines' in input) bytes += input.lines[j]!.byteLength + 1;
    else bytes += Buffer.byteLength(input.records[j]!.content) + 1;
    bytesTo[j] = bytes;
    if ('error' in item) {
      errors += JSON.stringify(item.error) + '\n';
      errAt.push(j);
      errEnd.push(errors.length);
      continue;
    }
    stats.replaced = false;
    out += jsonlLine(item.doc, setup.format, stats) + '\n';
    if (stats.replaced) replacedAt.push(j);
    outAt.push(j);
    outEnd.push(out.length);
    counted?.push(countDoc(item.doc, setup.format, setup.count!, read.field));
  }
  return {
    read: items.length,
    bytes,
    bytesTo,
    out,
    outAt: Int32Array.from(outAt),
    outEnd: Int32Array.from(outEnd),
    errors,
    errAt: Int32Array.from(errAt),
    errEnd: Int32Array.from(errEnd),
    replacedAt: Int32Array.from(replacedAt),
    ...(counted && { counted }),
  };
}

/** The part of a batch result for its first `n` lines (the lines read before a stop). */
export function truncateResult(r: BatchResult, n: number): BatchResult {
  const o = countBelow(r.outAt, n);
  const e = countBelow(r.errAt, n);
  return {
    read: n,
    bytes: n ? r.bytesTo[n - 1]! : 0,
    bytesTo: r.bytesTo.slice(0, n),
    out: r.out.slice(0, o ? r.outEnd[o - 1] : 0),
    outAt: r.outAt.slice(0, o),
    outEnd: r.outEnd.slice(0, o),
    errors: r.errors.slice(0, e ? r.errEnd[e - 1] : 0),
    errAt: r.errAt.slice(0, e),
    errEnd: r.errEnd.slice(0, e),
    replacedAt: r.replacedAt.slice(0, countBelow(r.replacedAt, n)),
    ...(r.counted && { counted: r.counted.slice(0, o) }),
  };
}

function countBelow(sorted: Int32Array, n: number): number {
  let k = 0;
  while (k < sorted.length && sorted[k]! < n) k++;
  return k;
}

/** A batch of lines packed for postMessage: one string and typed arrays instead of an object per line. */
export interface PackedLines {
  file: string;
  text: string;
  /** per line: [line, byteLength, textLength (-1 = no text)] */
  meta: Int32Array;
  offsets: Float64Array;
  /** lines the reader already rejected: index, code, message */
  errors: { i: number; code: 'invalid_utf8' | 'line_too_long'; message: string }[];
}

export function packLines(lines: readonly RawLine[]): PackedLines {
  const meta = new Int32Array(lines.length * 3);
  const offsets = new Float64Array(lines.length);
  const errors: PackedLines['errors'] = [];
  const parts: string[] = new Array<string>(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    meta[3 * i] = l.line;
    meta[3 * i + 1] = l.byteLength;
    meta[3 * i + 2] = l.text === null ? -1 : l.text.length;
    offsets[i] = l.byteOffset;
    parts[i] = l.text ?? '';
    if (l.error) errors.push({ i, code: l.error.code, message: l.error.message });
  }
  return { file: lines[0]?.file ?? '', text: parts.join(''), meta, offsets, errors };
}

/** Line-aligned bytes of a file, as read by the main thread; the worker splits them into lines. */
export interface RawChunk {
  file: string;
  bytes: Uint8Array;
  /** lines before this chunk, and the file offset of its first byte */
  line: number;
  offset: number;
  maxLineBytes: number;
}

export function splitChunk(c: RawChunk): RawLine[] {
  const out: RawLine[] = [];
  const splitter = new LineSplitter(c.file, c.maxLineBytes, { line: c.line, offset: c.offset });
  splitter.push(Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength), out);
  splitter.end(out);
  return out;
}

export function unpackLines(p: PackedLines): RawLine[] {
  const n = p.offsets.length;
  const lines: RawLine[] = new Array<RawLine>(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const len = p.meta[3 * i + 2]!;
    const text = len < 0 ? null : p.text.slice(pos, pos + len);
    if (len > 0) pos += len;
    lines[i] = { file: p.file, line: p.meta[3 * i]!, byteOffset: p.offsets[i]!, byteLength: p.meta[3 * i + 1]!, text };
  }
  for (const e of p.errors) lines[e.i]!.error = { code: e.code, message: e.message };
  return lines;
}
