import type { Classifier } from '../classifier.js';
import { LineSplitter, type RawLine } from '../io/line-reader.js';
import type { extractMainText as ExtractMainText } from '../extract/html-text.js';
import { errorRecord, parseDocLine, type ParsedDoc } from '../io/records.js';
import { outputLine, type TagFormat } from './output-record.js';

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
}

/** How input lines become documents. */
export interface LineOptions {
  /** Field holding the text; with `htmlField`, where the extracted text is written. */
  field: string;
  /** Field holding raw HTML: its main text is extracted (Readability, else visible text) and classified. */
  htmlField?: string;
  /** Leave the HTML field out of the output (it is usually most of the bytes). */
  dropHtml?: boolean;
}

// The HTML extractor (linkedom + Readability) costs ~26 MB and ~0.2 s to load: only HTML input pays for it.
let extractMainText: typeof ExtractMainText | undefined;

/** Loads what `options` needs before processLines runs (the extractor for HTML input). */
export async function prepareLineOptions(options: LineOptions): Promise<void> {
  if (options.htmlField !== undefined && !extractMainText) extractMainText = (await import('../extract/html-text.js')).extractMainText;
}

/**
 * A line with raw HTML becomes a line with its extracted text: the text goes to `field`, the method
 * used to `extract_method`, and the HTML field stays unless `dropHtml`.
 */
function withExtractedText(raw: RawLine, o: LineOptions & { htmlField: string }): { raw: string; parsed: ParsedDoc } {
  const parsed = parseDocLine(raw, o.htmlField);
  if (!parsed.ok) return { raw: '', parsed };
  const url = typeof parsed.obj.url === 'string' ? parsed.obj.url : undefined;
  if (!extractMainText) throw new Error('internal: prepareLineOptions was not awaited before HTML input');
  const extracted = extractMainText(parsed.text, url === undefined ? {} : { url });
  if (extracted.method === 'empty') {
    return { raw: '', parsed: { ok: false, error: errorRecord(raw, 'empty_text', `no text could be extracted from field "${o.htmlField}"`, o.htmlField) } };
  }
  const obj: Record<string, unknown> = { ...parsed.obj, [o.field]: extracted.text, extract_method: extracted.method };
  if (o.dropHtml) delete obj[o.htmlField];
  return { raw: JSON.stringify(obj), parsed: { ok: true, obj, text: extracted.text } };
}

/** Parse, classify and format a batch of input lines (the unit of work of a worker thread). */
export function processLines(clf: Classifier, lines: readonly RawLine[], options: LineOptions, format: TagFormat): BatchResult {
  const field = options.field;
  const html = options.htmlField === undefined ? undefined : { ...options, htmlField: options.htmlField };
  let out = '';
  let errors = '';
  const outAt: number[] = [];
  const outEnd: number[] = [];
  const errAt: number[] = [];
  const errEnd: number[] = [];
  let bytes = 0;
  const bytesTo = new Float64Array(lines.length);
  const raws: string[] = [];
  const objs: Record<string, unknown>[] = [];
  const texts: string[] = [];
  const at: number[] = [];
  const flush = (): void => {
    if (texts.length === 0) return;
    const { probs, scripts, chunks } = clf.scoreTexts(texts);
    const K = clf.labels.length;
    for (let i = 0; i < texts.length; i++) {
      out += outputLine(raws[i]!, objs[i]!, probs.subarray(i * K, i * K + K), scripts[i]!, chunks[i]!, format) + '\n';
      outAt.push(at[i]!);
      outEnd.push(out.length);
    }
    raws.length = objs.length = texts.length = at.length = 0;
  };
  for (let j = 0; j < lines.length; j++) {
    const raw = lines[j]!;
    bytes += raw.byteLength + 1;
    bytesTo[j] = bytes;
    let line = raw.text!;
    let parsed: ParsedDoc;
    if (html) ({ raw: line, parsed } = withExtractedText(raw, html));
    else parsed = parseDocLine(raw, field);
    if (!parsed.ok) {
      errors += JSON.stringify(parsed.error) + '\n';
      errAt.push(j);
      errEnd.push(errors.length);
      continue;
    }
    raws.push(line);
    objs.push(parsed.obj);
    texts.push(parsed.text);
    at.push(j);
    if (texts.length >= clf.batchSize) flush();
  }
  flush();
  return {
    read: lines.length,
    bytes,
    bytesTo,
    out,
    outAt: Int32Array.from(outAt),
    outEnd: Int32Array.from(outEnd),
    errors,
    errAt: Int32Array.from(errAt),
    errEnd: Int32Array.from(errEnd),
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
