import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPieces } from '../src/executor/shard-plan.js';
import { readLineAlignedChunks } from '../src/io/chunk-reader.js';
import { readLines, type RawLine } from '../src/io/line-reader.js';
import { splitChunk } from '../src/pipeline/run-batch.js';
import { tempDir } from './helpers/tiny-data.js';
import { rng } from './helpers/random.js';

describe('readLineAlignedChunks', () => {
  it('gives exactly the lines of a one-thread read once the chunks are split, and each planned piece the lines of its range read (BOM, CRLF, long lines, no final newline)', async () => {
    const dir = tempDir();
    let checkedPieces = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const parts: string[] = [];
      const n = 1 + Math.floor(r() * 60);
      for (let i = 0; i < n; i++) {
        const kind = r();
        if (kind < 0.05) parts.push('');
        else if (kind < 0.1)
          parts.push('x'.repeat(3000 + Math.floor(r() * 3000))); // over the 2 KB limit below
        else parts.push(JSON.stringify({ i, text: '中文 text '.repeat(1 + Math.floor(r() * 40)) }));
      }
      const eol = r() < 0.3 ? '\r\n' : '\n';
      const content = (r() < 0.2 ? '\ufeff' : '') + parts.join(eol) + (r() < 0.7 ? eol : '');
      const file = join(dir, `f${seed}.jsonl`);
      writeFileSync(file, content);
      const maxLineBytes = 2048;
      const want: RawLine[] = [];
      for await (const l of readLines(file, { maxLineBytes })) want.push(l);
      const got: RawLine[] = [];
      const pieces = planPieces({ path: file, size: Buffer.byteLength(content) }, 1 + Math.floor(r() * 900));
      const byPiece: RawLine[][] = [];
      for (const p of pieces) {
        const lines: RawLine[] = [];
        for await (const l of readLines(file, { maxLineBytes, range: { start: p.start, end: p.end } })) lines.push(l);
        if (lines.length > 0) byPiece.push(lines);
      }
      const chunks: RawLine[][] = [];
      let fellBack = false;
      for await (const item of readLineAlignedChunks(file, { size: Buffer.byteLength(content), cuts: pieces.map((p) => p.end), maxLineBytes, readBytes: 1 + Math.floor(r() * 700) })) {
        if ('chunk' in item) {
          const lines = splitChunk({ ...item.chunk, maxLineBytes });
          chunks.push(lines);
          // what postMessage's transfer does to the buffer: the reader must not read it again
          structuredClone(item.chunk.bytes.buffer, { transfer: [item.chunk.bytes.buffer as ArrayBuffer] });
          got.push(...lines);
        } else {
          fellBack = true;
          got.push(...item.lines);
        }
      }
      expect(got, `seed ${seed}`).toEqual(want);
      // the chunks are the planner's pieces: the same cut as shards' byte ranges
      if (!fellBack) expect(chunks, `seed ${seed}`).toEqual(byPiece);
      else checkedPieces--;
      checkedPieces++;
    }
    expect(checkedPieces).toBeGreaterThan(10);
  });
});
