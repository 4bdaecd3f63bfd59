import { createReadStream } from 'node:fs';
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

function concat(parts: Buffer[], length: number): Uint8Array {
  // a copy that this thread owns, so that it can be moved to a worker
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    const n = Math.min(p.length, length - at);
    bytes.set(n === p.length ? p : p.subarray(0, n), at);
    at += n;
    if (at === length) break;
  }
  return bytes;
}

/**
 * Reads an uncompressed file as chunks of whole lines for worker threads to split; this thread only scans
 * for newlines. The chunks follow the planner's cuts (`cuts`: the ends of the pieces from
 * executor/shard-plan.ts `planPieces`, the same cut as shards use): like a byte range, a chunk holds the
 * lines that start before its cut, so the chunk of piece i has exactly the lines a range read of piece i
 * gives (`size`: the file's size, which the planner read). A line longer than `maxLineBytes` is not buffered: from the chunk holding it on, the file is read
 * by readLineBatches over the rest of the file (which skips it and reports it exactly as a one-thread run does).
 */
export async function* readLineAlignedChunks(file: string, opts: { size: number; cuts: readonly number[]; maxLineBytes?: number; readBytes?: number }): AsyncGenerator<ChunkOrLines> {
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const { size, cuts } = opts;
  let next = 0; // index of the next cut
  let line = 0;
  let offset = 0; // file offset of the pending bytes
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let lastNewline = -1; // absolute offset of the last newline seen
  let pos = 0; // file offset of the next byte to read
  const stream = createReadStream(file, { highWaterMark: opts.readBytes ?? 256 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const chunkPos = pos;
      pos += chunk.length;
      pending.push(chunk);
      pendingLen += chunk.length;
      const last = chunk.lastIndexOf(10);
      if (last !== -1) lastNewline = chunkPos + last;
      // +1: a trailing \r does not count against the limit (as in LineSplitter)
      if (pos - (lastNewline + 1) > maxLineBytes + 1) {
        stream.destroy();
        for await (const lines of readLineBatches(file, { maxLineBytes, range: { start: offset, end: size } })) yield { lines };
        return;
      }
      // cut at every planned cut this chunk reaches: after the first newline at or past cut - 1
      for (;;) {
        while (next < cuts.length && cuts[next]! <= offset) next++;
        if (next === cuts.length) break;
        const from = Math.max(cuts[next]! - 1, offset) - chunkPos;
        if (from >= chunk.length) break;
        const nl = chunk.indexOf(10, Math.max(0, from));
        if (nl === -1) break;
        const end = chunkPos + nl + 1;
        const bytes = concat(pending, end - offset);
        const here = { line, offset };
        // counted before the yield: the consumer may transfer `bytes` to a worker (which detaches it)
        line += countNewlines(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        offset = end;
        pending = nl + 1 < chunk.length ? [chunk.subarray(nl + 1)] : [];
        pendingLen = chunk.length - nl - 1;
        yield { chunk: { file, bytes, ...here } };
      }
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(file, `cannot read ${file}: ${(err as Error).message}`);
  }
  if (pendingLen > 0) yield { chunk: { file, bytes: concat(pending, pendingLen), line, offset } };
}
