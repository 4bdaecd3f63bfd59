import { createReadStream } from 'node:fs';
import zlib from 'node:zlib';
import { LimitReader, WARCParser, type WARCRecord } from 'warcio';
import { decodeHtml } from '../extract/charset.js';

/** One document read from a WARC/WET file. */
export interface WarcDoc {
  /** The path as passed to `readWarcDocs`. */
  file: string;
  /** 1-based number of the record in the file (every record counts, skipped ones too). */
  index: number;
  /** Where the record starts: in the file as stored, i.e. the gzip member's offset for `.gz`; null when unknown (a whole-file gzip). */
  byteOffset: number | null;
  /** WARC-Target-URI. */
  url: string | null;
  /** WARC-Date. */
  date: string | null;
  /** WARC-Record-ID, e.g. `<urn:uuid:...>`. */
  recordId: string | null;
  /** 'html': an HTML `response` (or `resource`) record; 'text': a WET `conversion` record. */
  kind: 'html' | 'text';
  /** The decoded HTML (HTTP headers stripped, transfer/content encodings undone) or the converted text. */
  content: string;
  /** The charset `content` was decoded from (see `decodeHtml`); 'utf-8' for conversion records. */
  charset: string | null;
}

/** Counts for one file; final once the generator has finished. */
export interface WarcStats {
  /** Records read, documents or not. */
  records: number;
  /** Documents yielded. */
  docs: number;
  /**
   * Records that are not documents, by reason: the WARC-Type for types that never are (warcinfo,
   * request, metadata, revisit, ...), else `response:not-html`, `response:not-2xx`,
   * `response:bad-http` (no parsable HTTP header), `response:empty`, `conversion:empty`.
   */
  skipped: Record<string, number>;
  /** HTML or conversion records skipped for being larger than `maxRecordBytes`. */
  tooLarge: number;
}

export interface ReadWarcOptions {
  /** Records (or decompressed bodies) larger than this are skipped unread and counted in `tooLarge`. Default 64 MiB. */
  maxRecordBytes?: number;
  /** Documents per yielded batch. Default 256. */
  batchSize?: number;
  /** Filled in as the file is read (the same numbers are the generator's return value). */
  stats?: WarcStats;
}

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
export const DEFAULT_WARC_BATCH_SIZE = 256;
/** An HTTP header block longer than this is not taken for one. */
const MAX_HTTP_HEAD_BYTES = 64 * 1024;

export { isWarcPath } from './warc-path.js';

export function emptyWarcStats(): WarcStats {
  return { records: 0, docs: 0, skipped: {}, tooLarge: 0 };
}

class WarcFormatError extends Error {}

/** Pulls the raw bytes of one record's block, checking that all Content-Length bytes arrive. */
class BlockReader {
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(private readonly limit: LimitReader) {
    this.it = limit[Symbol.asyncIterator]();
  }

  async next(): Promise<Uint8Array | null> {
    const r = await this.it.next();
    if (!r.done) return r.value;
    if (this.limit.limit > 0) throw new WarcFormatError(`record is truncated: ${this.limit.limit} of its ${this.limit.length} bytes are missing`);
    return null;
  }

  async drain(): Promise<void> {
    while ((await this.next()) !== null) {
      /* discard */
    }
  }

  async readAll(into: Uint8Array[] = []): Promise<Buffer> {
    for (let c = await this.next(); c !== null; c = await this.next()) into.push(c);
    return Buffer.concat(into);
  }
}

interface HttpHead {
  status: number;
  headers: Map<string, string>;
}

function parseHttpHead(text: string): HttpHead | null {
  const lines = text.split(/\r?\n/);
  const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/i.exec(lines[0] ?? '');
  if (!m) return null;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { status: Number(m[1]), headers };
}

/** Reads up to the end of the HTTP header block; returns the head and the body bytes already read. */
async function readHttpHead(block: BlockReader): Promise<{ head: HttpHead | null; body: Buffer[] }> {
  let buf = Buffer.alloc(0);
  for (let c = await block.next(); c !== null; c = await block.next()) {
    const from = Math.max(0, buf.length - 3);
    buf = Buffer.concat([buf, c]);
    let end = buf.indexOf('\r\n\r\n', from);
    let sep = 4;
    if (end < 0) {
      end = buf.indexOf('\n\n', from);
      sep = 2;
    }
    if (end >= 0) {
      const head = parseHttpHead(buf.subarray(0, end).toString('latin1'));
      return { head, body: [buf.subarray(end + sep)] };
    }
    if (buf.length > MAX_HTTP_HEAD_BYTES) break;
  }
  return { head: null, body: [] };
}

const HTML_TYPES = /^\s*(?:text\/html|application\/xhtml\+xml)\s*(?:;|$)/i;
const HTML_START = /^\s*(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html)[\s>]/i;

/** Undoes chunked transfer encoding; null when the bytes are not validly chunked. */
function dechunk(body: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const size = parseInt(body.subarray(pos, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) return null;
    if (size === 0) return Buffer.concat(parts);
    const start = eol + 2;
    if (start + size > body.length) return null;
    parts.push(body.subarray(start, start + size));
    pos = start + size + 2;
  }
}

class TooLarge extends Error {}

/** Undoes the HTTP transfer and content encodings a crawler kept (Common Crawl stores bodies decoded). */
function decodeBody(body: Buffer, headers: Map<string, string>, maxBytes: number): Buffer {
  let out = body;
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) out = dechunk(out) ?? out;
  const enc = (headers.get('content-encoding') ?? '').trim().toLowerCase();
  const opts = { maxOutputLength: maxBytes };
  try {
    if (enc === 'gzip' || enc === 'x-gzip') out = zlib.gunzipSync(out, opts);
    else if (enc === 'deflate') out = zlib.inflateSync(out, opts);
    else if (enc === 'br') out = zlib.brotliDecompressSync(out, opts);
  } catch (err) {
    if (err instanceof RangeError) throw new TooLarge();
    // a body labelled compressed that is not: keep it as it is
  }
  return out;
}

type Outcome = { doc: Pick<WarcDoc, 'kind' | 'content' | 'charset'> } | { skip: string } | { tooLarge: true };

async function readResponse(record: WARCRecord, block: BlockReader, maxBytes: number): Promise<Outcome> {
  const { head, body } = await readHttpHead(block);
  if (!head) return block.drain().then(() => ({ skip: 'response:bad-http' }));
  const contentType = head.headers.get('content-type');
  const identified = record.warcHeader('WARC-Identified-Payload-Type');
  const firstBytes = body[0]?.subarray(0, 1024).toString('latin1') ?? '';
  const html = contentType ? HTML_TYPES.test(contentType) : identified ? HTML_TYPES.test(identified) : HTML_START.test(firstBytes);
  if (!html) return block.drain().then(() => ({ skip: 'response:not-html' }));
  if (head.status < 200 || head.status > 299) return block.drain().then(() => ({ skip: 'response:not-2xx' }));
  if (record.warcContentLength > maxBytes) return block.drain().then(() => ({ tooLarge: true as const }));
  const raw = await block.readAll(body);
  let bytes: Buffer;
  try {
    bytes = decodeBody(raw, head.headers, maxBytes);
  } catch (err) {
    if (err instanceof TooLarge) return { tooLarge: true };
    throw err;
  }
  if (bytes.length === 0) return { skip: 'response:empty' };
  const decoded = decodeHtml(bytes, contentType ? { contentType } : {});
  return { doc: { kind: 'html', content: decoded.html, charset: decoded.charset } };
}

async function readRecord(record: WARCRecord, block: BlockReader, maxBytes: number): Promise<Outcome> {
  const type = record.warcType;
  if (type === 'response' && /application\/http/i.test(record.warcContentType ?? 'application/http')) {
    return readResponse(record, block, maxBytes);
  }
  const warcType = record.warcContentType ?? '';
  if (type === 'resource' && HTML_TYPES.test(warcType)) {
    if (record.warcContentLength > maxBytes) return block.drain().then(() => ({ tooLarge: true as const }));
    const bytes = await block.readAll();
    if (bytes.length === 0) return { skip: 'resource:empty' };
    const decoded = decodeHtml(bytes, { contentType: warcType });
    return { doc: { kind: 'html', content: decoded.html, charset: decoded.charset } };
  }
  if (type === 'conversion') {
    if (record.warcContentLength > maxBytes) return block.drain().then(() => ({ tooLarge: true as const }));
    const text = (await block.readAll()).toString('utf8').trim();
    return text ? { doc: { kind: 'text', content: text, charset: 'utf-8' } } : { skip: 'conversion:empty' };
  }
  await block.drain();
  return { skip: type === 'response' || type === 'resource' ? `${type}:not-html` : String(type || 'unknown') };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads the documents of a WARC or WET file (`.warc`, `.warc.gz`, `.wet`, `.wet.gz`; gzip is
 * detected from the bytes, per-record members as Common Crawl writes them or one whole-file
 * member), in batches of up to `batchSize` documents:
 * - `response` records whose HTTP Content-Type is HTML (else Common Crawl's
 *   WARC-Identified-Payload-Type, else a body that starts like HTML) and whose status is 2xx, and
 *   `resource` records of an HTML type → `kind: 'html'`, decoded with `decodeHtml` and the HTTP
 *   Content-Type;
 * - `conversion` records (WET) → `kind: 'text'`.
 * Everything else is skipped and counted in `WarcStats.skipped`; documents over `maxRecordBytes`
 * are skipped without being buffered. The generator returns the stats (also kept in `opts.stats`).
 * A corrupt or truncated file throws an Error naming the file and the record number reached.
 */
export async function* readWarcDocs(file: string, opts: ReadWarcOptions = {}): AsyncGenerator<WarcDoc[], WarcStats, undefined> {
  const maxBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_WARC_BATCH_SIZE);
  const stats = opts.stats ?? emptyWarcStats();
  Object.assign(stats, emptyWarcStats());
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let bytesRead = 0;
  const counted = (async function* () {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      yield chunk as Uint8Array;
    }
  })();
  const parser = new WARCParser(counted, { parseHttp: false });
  let index = 0;
  let previousOffset = -1;
  let batch: WarcDoc[] = [];
  try {
    for (;;) {
      let record: WARCRecord | null;
      let byteOffset: number | null;
      const reached = index + 1;
      try {
        record = await parser.parse();
        if (!record) {
          const inflator = parser._reader.inflator;
          if (bytesRead > 0 && parser._reader.compressed && inflator && !inflator.ended) throw new WarcFormatError('the file ends inside a gzip member');
          break;
        }
        index = reached;
        stats.records++;
        if (!record.warcHeaders.statusline.startsWith('WARC/')) {
          throw new WarcFormatError(`not a WARC record header: "${record.warcHeaders.statusline.slice(0, 40)}"`);
        }
        const length = record.warcHeader('Content-Length');
        if (length == null || !/^\s*\d+\s*$/.test(length)) throw new WarcFormatError('missing or invalid Content-Length');
        // One gzip member for the whole file: every record reports the member's start.
        byteOffset = parser.offset === previousOffset ? null : parser.offset;
        previousOffset = parser.offset;
        if (!(record._reader instanceof LimitReader)) throw new WarcFormatError('unexpected record reader');
        const outcome = await readRecord(record, new BlockReader(record._reader), maxBytes);
        if ('skip' in outcome) {
          stats.skipped[outcome.skip] = (stats.skipped[outcome.skip] ?? 0) + 1;
          continue;
        }
        if ('tooLarge' in outcome) {
          stats.tooLarge++;
          continue;
        }
        batch.push({
          file,
          index,
          byteOffset,
          url: record.warcTargetURI ?? null,
          date: record.warcDate ?? null,
          recordId: record.warcHeader('WARC-Record-ID') ?? null,
          ...outcome.doc,
        });
        stats.docs++;
      } catch (err) {
        const where = `${file}: record ${reached}`;
        if (err instanceof WarcFormatError) throw new Error(`${where}: corrupt or truncated WARC: ${err.message}`);
        throw new Error(`${where}: ${messageOf(err)}`, { cause: err });
      }
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    return stats;
  } finally {
    stream.destroy();
  }
}
