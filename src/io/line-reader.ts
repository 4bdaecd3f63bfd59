import { isUtf8 } from 'node:buffer';
import { createReadStream, ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { READ_DEFAULTS } from '../defaults.js';
import { InputError, displayPath, isGzipPath } from './inputs.js';

/**
 * One input line. `byteOffset`/`byteLength` locate the line's content in the (decompressed) stream,
 * without its `\n` or `\r\n` terminator and without a leading UTF-8 BOM. `text` is null when `error`
 * is set; blank (empty or whitespace-only) lines have text ''.
 */
export interface RawLine {
  file: string;
  line: number;
  byteOffset: number;
  byteLength: number;
  text: string | null;
  /** `message` says what is wrong, without the file:line prefix (see records.ts). */
  error?: { code: 'invalid_utf8' | 'line_too_long'; message: string };
}

/** READ_DEFAULTS.maxLineBytes (64 MiB), under the name the readers use. */
export const DEFAULT_MAX_LINE_BYTES = READ_DEFAULTS.maxLineBytes;
/** Bigger than fs's 64 KiB default: fewer chunks means fewer async hops and boundary lines. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

export interface ReadLinesOptions {
  maxLineBytes?: number;
  highWaterMark?: number;
  /** Read from this stream instead of opening `file` (tests; `file` is then only a name). */
  stream?: Readable;
  /**
   * Byte range of an uncompressed file (shards of one large file): the lines that start at an offset in
   * [start, end) are read, so adjacent ranges split a file with no line lost or read twice. A line that
   * begins before `start` belongs to the range before; a line that begins before `end` and runs past it
   * belongs to this one. `byteOffset` stays absolute and `line` is the true line number in the file.
   *
   * Cost: to number the lines, the bytes before `start` are scanned once for newlines (large reads and
   * Buffer.indexOf, at disk or page-cache speed: a range at offset S reads S extra bytes, so k ranges of
   * one file read about (k - 1) / 2 times the file on top of their own bytes). `.gz` files, stdin and
   * injected streams cannot be read from the middle: a range there is an InputError naming the file.
   */
  range?: { start: number; end: number };
  /**
   * Called after each batch with the bytes read so far from the file as stored (compressed bytes for
   * `.gz`): what a progress bar measures against the file's size. Not called for stdin or streams.
   */
  onStoredBytes?: (bytes: number) => void;
}

const NL = 10;
const CR = 13;

function invalidUtf8Message(buf: Buffer, start: number, end: number): string {
  const at = firstInvalidUtf8(buf, start, end);
  return `invalid UTF-8 at byte ${at} of the line`;
}

/** Index (relative to start) of the first byte that is not part of a valid UTF-8 sequence. */
export function firstInvalidUtf8(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i - start;
    if (i + need >= end) return i - start; // truncated sequence
    const c1 = buf[i + 1]!;
    if (c1 < lo || c1 > hi) return i - start;
    for (let k = 2; k <= need; k++) {
      const c = buf[i + k]!;
      if (c < 0x80 || c > 0xbf) return i - start;
    }
    i += need + 1;
  }
  return -1;
}

function isBlankStart(c: number): boolean {
  // Cheap pre-check before trim(): a line starting with printable ASCII (JSONL: '{') is not blank.
  return c <= 0x20 || c === 0x7f || c >= 0x80;
}

/**
 * Splits a byte stream into lines. Synchronous and allocation-light: complete lines inside a chunk
 * are decoded straight from it; only the partial tail of a chunk is carried over, and a line
 * longer than the limit is counted, not kept.
 */
export class LineSplitter {
  private line = 0;
  /** Stream offset of the current chunk's first byte. */
  private base = 0;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private pendingStart = 0;
  private skipping = false;
  private skipLen = 0;
  private lastByte = -1;

  /**
   * `origin` starts the splitter in the middle of a file: `offset` is the stream offset of the first
   * byte it will be given (a line start) and `line` the number of lines before it.
   */
  constructor(
    readonly file: string,
    private readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
    origin?: { line: number; offset: number },
  ) {
    if (!(maxLineBytes > 0)) throw new RangeError(`maxLineBytes must be > 0, got ${maxLineBytes}`);
    if (origin) {
      this.line = origin.line;
      this.base = origin.offset;
    }
  }

  /** Lines read (yielded) so far. */
  get lines(): number {
    return this.line;
  }

  push(chunk: Buffer, out: RawLine[]): void {
    const len = chunk.length;
    let start = 0;
    let nl = chunk.indexOf(NL);
    if (this.pendingLen > 0 || this.skipping) {
      if (nl === -1) {
        this.appendPartial(chunk, 0, len);
        this.base += len;
        return;
      }
      this.finishPending(chunk, nl, out);
      start = nl + 1;
      nl = chunk.indexOf(NL, start);
    }
    if (nl !== -1) {
      // Lines fully inside this chunk: validate them all at once; a newline cannot sit inside a
      // valid multi-byte sequence, so a valid region means every line in it is valid.
      const last = chunk.lastIndexOf(NL);
      const regionValid = isUtf8(start === 0 && last === len - 1 ? chunk : chunk.subarray(start, last));
      while (nl !== -1) {
        this.emit(chunk, start, nl, this.base + start, regionValid, out);
        start = nl + 1;
        nl = chunk.indexOf(NL, start);
      }
    }
    if (start < len) this.appendPartial(chunk, start, len);
    this.base += len;
  }

  /** Flush the final line when the stream does not end with a newline. */
  end(out: RawLine[]): void {
    if (this.skipping) {
      this.emitTooLong(this.skipLen - (this.lastByte === CR ? 1 : 0), out);
    } else if (this.pendingLen > 0) {
      const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
      this.pending = [];
      this.pendingLen = 0;
      this.emit(buf, 0, buf.length, this.pendingStart, false, out);
    }
  }

  private appendPartial(chunk: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n === 0) return;
    this.lastByte = chunk[end - 1]!;
    if (this.skipping) {
      this.skipLen += n;
      return;
    }
    if (this.pendingLen === 0) this.pendingStart = this.base + start;
    // +1: the last byte may be the \r of a \r\n, which does not count against the limit.
    if (this.pendingLen + n > this.maxLineBytes + 1) {
      this.skipping = true;
      this.skipLen = this.pendingLen + n;
      this.pending = [];
      this.pendingLen = 0;
      return;
    }
    this.pending.push(chunk.subarray(start, end));
    this.pendingLen += n;
  }

  private finishPending(chunk: Buffer, nl: number, out: RawLine[]): void {
    if (nl > 0) this.lastByte = chunk[nl - 1]!;
    if (this.skipping) {
      const total = this.skipLen + nl;
      this.skipping = false;
      this.skipLen = 0;
      this.emitTooLong(total - (this.lastByte === CR ? 1 : 0), out);
      return;
    }
    const total = this.pendingLen + nl;
    const parts = this.pending;
    this.pending = [];
    this.pendingLen = 0;
    const content = total - (this.lastByte === CR ? 1 : 0);
    if (content > this.maxLineBytes) {
      this.emitTooLong(content, out);
      return;
    }
    if (nl > 0) parts.push(chunk.subarray(0, nl));
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
    this.emit(buf, 0, total, this.pendingStart, false, out);
  }

  private emitTooLong(byteLength: number, out: RawLine[], line = ++this.line): void {
    out.push({
      file: this.file,
      line,
      byteOffset: this.pendingStart,
      byteLength,
      text: null,
      error: {
        code: 'line_too_long',
        message: `line is ${byteLength} bytes, over the limit of ${this.maxLineBytes} bytes`,
      },
    });
  }

  private emit(buf: Buffer, start: number, end: number, offset: number, known: boolean, out: RawLine[]): void {
    const line = ++this.line;
    if (end > start && buf[end - 1] === CR) end--;
    if (line === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) {
      start += 3;
      offset += 3;
    }
    const byteLength = end - start;
    if (byteLength > this.maxLineBytes) {
      this.pendingStart = offset;
      this.emitTooLong(byteLength, out, line);
      return;
    }
    if (byteLength === 0) {
      out.push({ file: this.file, line, byteOffset: offset, byteLength, text: '' });
      return;
    }
    if (!known && !isUtf8(buf.subarray(start, end))) {
      out.push({
        file: this.file,
        line,
        byteOffset: offset,
        byteLength,
        text: null,
        error: { code: 'invalid_utf8', message: invalidUtf8Message(buf, start, end) },
      });
      return;
    }
    let text = buf.toString('utf8', start, end);
    if (isBlankStart(buf[start]!) && text.trim().length === 0) text = '';
    out.push({ file: this.file, line, byteOffset: offset, byteLength, text });
  }
}

function openSource(file: string, opts: ReadLinesOptions): Readable {
  if (opts.stream) return opts.stream;
  if (file === '-') return process.stdin;
  return createReadStream(file, { highWaterMark: opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK });
}

function gunzipOf(source: AsyncIterable<Buffer> | Readable): Readable {
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  // Errors (from the source or zlib) reach the consumer through gunzip, which pipeline destroys with them.
  pipeline(source, gunzip, () => undefined);
  return gunzip;
}

async function* prepend(first: Buffer, rest: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield toBuffer(r.value);
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`unexpected chunk type ${typeof chunk}`);
}

function readError(file: string, err: unknown, lines: number, gzip: boolean): InputError {
  const e = err as NodeJS.ErrnoException;
  const name = displayPath(file);
  if (gzip && e.code?.startsWith('Z_')) {
    return new InputError(file, `${name}: corrupt gzip data after line ${lines}: ${e.message}`, { line: lines, cause: err });
  }
  if (lines === 0 && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'EPERM')) {
    return new InputError(file, `cannot open ${name}: ${e.message}`, { cause: err });
  }
  return new InputError(file, `cannot read ${name} after line ${lines}: ${e.message}`, { line: lines, cause: err });
}

function looksGzipped(chunk: Buffer): boolean {
  return chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;
}

/**
 * Read `file` (`-` = stdin) as batches of lines, one batch per chunk read. This is the fast path for
 * the pipeline: one async step per chunk instead of per line. `.gz` files are gunzipped, as is
 * stdin (or an injected stream) when it starts with the gzip magic bytes.
 */
export async function* readLineBatches(file: string, opts: ReadLinesOptions = {}): AsyncGenerator<RawLine[]> {
  if (opts.range) {
    yield* readRangeBatches(file, opts.range, opts);
    return;
  }
  const splitter = new LineSplitter(file, opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  const sniff = file === '-' || opts.stream !== undefined;
  const source = openSource(file, opts);
  let gzip = !sniff && isGzipPath(file);
  let stream = gzip ? gunzipOf(source) : source;
  let it: AsyncIterator<unknown> = stream[Symbol.asyncIterator]();
  let first = sniff;
  try {
    for (;;) {
      let r: IteratorResult<unknown>;
      try {
        r = await it.next();
      } catch (err) {
        throw readError(file, err, splitter.lines, gzip);
      }
      if (r.done) break;
      const chunk = toBuffer(r.value);
      if (first) {
        first = false;
        if (looksGzipped(chunk)) {
          gzip = true;
          stream = gunzipOf(prepend(chunk, it));
          it = stream[Symbol.asyncIterator]();
          continue;
        }
      }
      if (chunk.length === 0) continue;
      const out: RawLine[] = [];
      splitter.push(chunk, out);
      if (opts.onStoredBytes && source instanceof ReadStream) opts.onStoredBytes(source.bytesRead);
      if (out.length > 0) yield out;
    }
    const out: RawLine[] = [];
    splitter.end(out);
    if (out.length > 0) yield out;
  } finally {
    // Early exit by the consumer: release the file descriptor (stdin is left alone).
    if (stream !== process.stdin) stream.destroy();
    if (source !== process.stdin) source.destroy();
  }
}

/** Read `file` line by line; see readLineBatches for the format handling. */
export async function* readLines(file: string, opts: ReadLinesOptions = {}): AsyncGenerator<RawLine> {
  for await (const batch of readLineBatches(file, opts)) {
    for (let i = 0; i < batch.length; i++) yield batch[i]!;
  }
}

/** Bytes per read when counting the newlines before a range. */
const SCAN_CHUNK = 4 * 1024 * 1024;

/**
 * Newlines in bytes [0, end) of `file`, and the offset of the last of them (-1 if none): one sequential
 * pass with large reads; Buffer.indexOf finds each newline (JSONL has few per megabyte).
 */
export async function countNewlinesBefore(file: string, end: number): Promise<{ count: number; last: number }> {
  let count = 0;
  let last = -1;
  if (end <= 0) return { count, last };
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(SCAN_CHUNK, end));
    let pos = 0;
    while (pos < end) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) break; // the file is shorter than `end`
      let i = buf.indexOf(NL, 0);
      while (i !== -1 && i < bytesRead) {
        count++;
        last = pos + i;
        i = buf.indexOf(NL, i + 1);
      }
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { count, last };
}

/** Where a line begins in the file: its content offset, except a first line whose BOM was skipped. */
function lineStart(l: RawLine): number {
  return l.line === 1 ? 0 : l.byteOffset;
}

function checkRange(file: string, range: { start: number; end: number }, opts: ReadLinesOptions): void {
  const name = displayPath(file);
  if (file === '-' || opts.stream !== undefined) throw new InputError(file, `${name}: a byte range can only be read from a file, not from a stream`);
  if (isGzipPath(file)) throw new InputError(file, `${name}: a byte range cannot be read from a gzip file (it cannot be read from the middle); give the whole file`);
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`${name}: invalid byte range [${start}, ${end})`);
  }
}

/** readLineBatches for a byte range (see ReadLinesOptions.range). */
async function* readRangeBatches(file: string, range: { start: number; end: number }, opts: ReadLinesOptions): AsyncGenerator<RawLine[]> {
  checkRange(file, range, opts);
  const { start, end } = range;
  if (start === end) return;
  let before: { count: number; last: number };
  try {
    before = await countNewlinesBefore(file, start);
  } catch (err) {
    throw readError(file, err, 0, false);
  }
  // Start at the beginning of the line holding byte start-1 (or at start itself when that byte is a
  // newline); the line there, if it begins before `start`, belongs to the range before and is dropped.
  const origin = before.last + 1;
  const splitter = new LineSplitter(file, opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, { line: before.count, offset: origin });
  const stream = createReadStream(file, { start: origin, highWaterMark: opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK });
  const it: AsyncIterator<unknown> = stream[Symbol.asyncIterator]();
  let done = false;
  /** Keeps the lines that begin in [start, end); sets `done` at the first line at or past `end`. */
  const keep = (lines: RawLine[]): RawLine[] => {
    let i = 0;
    while (i < lines.length && lineStart(lines[i]!) < start) i++;
    let j = i;
    while (j < lines.length && lineStart(lines[j]!) < end) j++;
    if (j < lines.length) done = true;
    return i === 0 && j === lines.length ? lines : lines.slice(i, j);
  };
  try {
    while (!done) {
      let r: IteratorResult<unknown>;
      try {
        r = await it.next();
      } catch (err) {
        throw readError(file, err, splitter.lines, false);
      }
      if (r.done) {
        const out: RawLine[] = [];
        splitter.end(out);
        const kept = keep(out);
        if (kept.length > 0) yield kept;
        break;
      }
      const chunk = toBuffer(r.value);
      if (chunk.length === 0) continue;
      const out: RawLine[] = [];
      splitter.push(chunk, out);
      const kept = keep(out);
      if (kept.length > 0) yield kept;
    }
  } finally {
    stream.destroy();
  }
}
