/**
 * ReadLinesOptions.range: byte ranges of one uncompressed file. Adjacent ranges must read every line of
 * the file exactly once, with the same absolute offsets and line numbers as a whole-file read.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/io/inputs.js';
import { countNewlinesBefore, type RawLine, type ReadLinesOptions } from '../src/io/line-reader.js';
import { lineFiles } from './helpers/line-files.js';
import { rng } from './helpers/random.js';

const { dir, fixture, collect } = lineFiles('topicmix-range-');

/** A random file: JSON lines, empty lines, blank lines, CRLF, multi-byte text, invalid UTF-8, long lines. */
function randomFile(r: () => number): Buffer {
  const parts: Buffer[] = [];
  if (r() < 0.2) parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
  const lines = Math.floor(r() * 40);
  for (let i = 0; i < lines; i++) {
    const k = r();
    if (k < 0.15) parts.push(Buffer.alloc(0));
    else if (k < 0.2) parts.push(Buffer.from('   \t'));
    else if (k < 0.25) parts.push(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    else if (k < 0.3) parts.push(Buffer.from('x'.repeat(30 + Math.floor(r() * 60))));
    else parts.push(Buffer.from(JSON.stringify({ id: i, text: '股市'.repeat(Math.floor(r() * 5)) + 'ab'.repeat(Math.floor(r() * 8)) })));
    const last = i === lines - 1;
    if (!last || r() < 0.6) parts.push(Buffer.from(r() < 0.3 ? '\r\n' : '\n'));
  }
  return Buffer.concat(parts);
}

describe('readLines with a byte range', () => {
  it('adjacent ranges read every line exactly once (random files and cut points)', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed);
      const bytes = randomFile(r);
      const f = await fixture(bytes);
      const opts: ReadLinesOptions = { maxLineBytes: 40, highWaterMark: 1 + Math.floor(r() * 48) };
      const whole = await collect(f, opts);
      const cuts = Array.from({ length: Math.floor(r() * 7) }, () => Math.floor(r() * (bytes.length + 1))).sort((a, b) => a - b);
      const bounds = [0, ...cuts, bytes.length];
      const pieces: RawLine[] = [];
      for (let i = 0; i + 1 < bounds.length; i++) pieces.push(...(await collect(f, { ...opts, range: { start: bounds[i]!, end: bounds[i + 1]! } })));
      expect(pieces, `seed ${seed}, cuts ${bounds.join(',')}`).toEqual(whole);
    }
  });

  it('keeps absolute offsets and true line numbers; a line straddling end belongs to the range', async () => {
    const f = await fixture('{"a":1}\r\n\n{"b":2}\nlast');
    // line starts: 0, 9, 10, 18
    expect(await collect(f, { range: { start: 9, end: 11 } })).toEqual([
      { file: f, line: 2, byteOffset: 9, byteLength: 0, text: '' },
      { file: f, line: 3, byteOffset: 10, byteLength: 7, text: '{"b":2}' },
    ]);
    // start inside line 1: skip to the next line start; the last line has no newline
    expect((await collect(f, { range: { start: 1, end: 100 } })).map((l) => l.line)).toEqual([2, 3, 4]);
    expect(await collect(f, { range: { start: 18, end: 19 } })).toEqual([{ file: f, line: 4, byteOffset: 18, byteLength: 4, text: 'last' }]);
    expect(await collect(f, { range: { start: 19, end: 22 } })).toEqual([]);
    expect(await collect(f, { range: { start: 5, end: 5 } })).toEqual([]);
    expect(await collect(f, { range: { start: 50, end: 60 } })).toEqual([]);
  });

  it('a range starting inside a BOM does not read the first line again', async () => {
    const f = await fixture(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\nb\n')]));
    expect((await collect(f, { range: { start: 0, end: 2 } })).map((l) => l.text)).toEqual(['a']);
    expect((await collect(f, { range: { start: 2, end: 7 } })).map((l) => [l.line, l.text])).toEqual([[2, 'b']]);
  });

  it('counts newlines across several scan reads', async () => {
    const line = `${JSON.stringify({ text: 'y'.repeat(1000) })}\n`;
    const lines = 9000; // ~9 MB: more than two 4 MiB scan reads
    const f = await fixture(line.repeat(lines));
    const start = line.length * 8000 + 5;
    expect(await countNewlinesBefore(f, start)).toEqual({ count: 8000, last: line.length * 8000 - 1 });
    const got = await collect(f, { range: { start, end: line.length * 8003 } });
    expect(got.map((l) => l.line)).toEqual([8002, 8003]);
    expect(got[0]!.byteOffset).toBe(line.length * 8001);
  });

  it('a .gz file or stdin with a range is an error naming the input', async () => {
    const gz = await fixture('x', 'data.jsonl.gz');
    await expect(collect(gz, { range: { start: 0, end: 1 } })).rejects.toThrow(InputError);
    await expect(collect(gz, { range: { start: 0, end: 1 } })).rejects.toThrow(/data\.jsonl\.gz: .*gzip/);
    await expect(collect('-', { range: { start: 0, end: 1 } })).rejects.toThrow(/<stdin>/);
    const f = await fixture('a\n');
    await expect(collect(f, { range: { start: 2, end: 1 } })).rejects.toThrow(/invalid byte range/);
    await expect(collect(join(dir(), 'missing.jsonl'), { range: { start: 1, end: 2 } })).rejects.toThrow(/cannot open .*missing\.jsonl/);
  });
});
