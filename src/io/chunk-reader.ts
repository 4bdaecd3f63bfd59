import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { InputError } from './inputs.js';
import { DEFAULT_MAX_LINE_BYTES, readLineBatches, type RawLine } from './line-reader.js';

/** Whole lines of a file as raw bytes, with where they start: worker threads split and decode them. */
export interface LineAlignedChunk {
  file: string;
  bytes: Uint8Array;
  /** lines before the chunk, and the file offset of its first byte */
  line: number;
  offset: number;
}

export type ChunkOrLines = { chunk: LineAlignedChunk } | { lines: RawLine[] };

function countNewlines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Reads an uncompressed file in chunks cut after their last newline, so that each chunk holds whole
 * lines and can be split by another thread; the main thread only scans for newlines. A line longer than
 * `maxLineBytes` is not buffered: from its start on, the file is read by readLineBatches over the rest of
 * the file (which skips it and reports it exactly as a one-thread run does).
 */
export async function* readLineAlignedChunks(file: string, opts: { maxLineBytes?: number; chunkBytes?: number } = {}): AsyncGenerator<ChunkOrLines> {
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new InputError(file, `cannot open ${file}: ${(err as Error).message}`);
  }
  let line = 0;
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const stream = createReadStream(file, { highWaterMark: opts.chunkBytes ?? 256 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const last = chunk.lastIndexOf(10);
      if (last === -1) {
        pending.push(chunk);
        pendingLen += chunk.length;
        // +1: a trailing \r does not count against the limit (as in LineSplitter)
        if (pendingLen > maxLineBytes + 1) {
          stream.destroy();
          for await (const lines of readLineBatches(file, { maxLineBytes, range: { start: offset, end: size } })) yield { lines };
          return;
        }
        continue;
      }
      const head = chunk.subarray(0, last + 1);
      // a copy that this thread owns, so that it can be moved to a worker
      const bytes = new Uint8Array(pendingLen + head.length);
      let at = 0;
      for (const p of pending) {
        bytes.set(p, at);
        at += p.length;
      }
      bytes.set(head, at);
      const here = { line, offset };
      // pending bytes hold no newline, so all of this chunk's newlines are in `head`; counted before the
      // yield, because the consumer may transfer `bytes` to a worker (which detaches it)
      line += countNewlines(head);
      offset += bytes.length;
      yield { chunk: { file, bytes, ...here } };
      pending = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : [];
      pendingLen = chunk.length - last - 1;
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(file, `cannot read ${file}: ${(err as Error).message}`);
  }
  if (pendingLen > 0) {
    const bytes = new Uint8Array(pendingLen);
    let at = 0;
    for (const p of pending) {
      bytes.set(p, at);
      at += p.length;
    }
    yield { chunk: { file, bytes, line, offset } };
  }
}
