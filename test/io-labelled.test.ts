import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/io/inputs.js';
import { formatErrors, readLabelled } from '../src/io/labelled.js';
import type { ErrorRecord } from '../src/types.js';
import { tempDir } from './helpers/temp-dir.js';

let dir: string;

beforeAll(async () => {
  dir = tempDir('topicmix-labelled-');
  await writeFile(join(dir, 'a.jsonl'), '{"text":"one","label":"x"}\n\n{"text":"two","labels":["y","x"],"weight":2}\n');
  await writeFile(join(dir, 'b.jsonl.gz'), gzipSync('{"text":"three","label":"z","id":9}\n{"text":"","label":"z"}\nnot json\n'));
});

describe('readLabelled', () => {
  it('reads examples and keeps every bad line as an error', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl.gz');
    const r = await readLabelled([join(dir, '*.jsonl*')]);
    expect(r.lines).toBe(6);
    expect(r.examples).toEqual([
      { text: 'one', labels: ['x'], weight: 1, source: { file: a, line: 1, byteOffset: expect.any(Number), byteLength: expect.any(Number) }, fields: expect.any(Object) },
      { text: 'two', labels: ['y', 'x'], weight: 2, source: { file: a, line: 3, byteOffset: expect.any(Number), byteLength: expect.any(Number) }, fields: expect.any(Object) },
      { text: 'three', labels: ['z'], id: '9', weight: 1, source: { file: b, line: 1, byteOffset: expect.any(Number), byteLength: expect.any(Number) }, fields: expect.any(Object) },
    ]);
    expect(r.errors.map((e) => [e.file, e.line, e.error, e.message])).toEqual([
      [a, 2, 'invalid_json', `${a}:2: empty line`],
      [b, 2, 'empty_text', `${b}:2: field "text" is empty or whitespace-only`],
      [b, 3, 'invalid_json', `${b}:3: invalid JSON: ${jsonError('not json')}`],
    ]);
  });

  it('uses opts.field and opts.maxLineBytes', async () => {
    const f = join(dir, 'c.jsonl');
    await writeFile(f, '{"body":"b","label":"l"}\n{"body":"a much longer body","label":"l"}\n');
    const r = await readLabelled([f], { field: 'body', maxLineBytes: 30 });
    expect(r.lines).toBe(2);
    expect(r.examples).toEqual([{ text: 'b', labels: ['l'], weight: 1, source: { file: f, line: 1, byteOffset: 0, byteLength: 24 }, fields: { body: 'b', label: 'l' } }]);
    expect(r.errors.map((e) => e.message)).toEqual([`${f}:2: line is 41 bytes, over the limit of 30 bytes`]);
  });

  it('fails on a missing input', async () => {
    const p = join(dir, 'missing.jsonl');
    await expect(readLabelled([p])).rejects.toThrow(new InputError(p, `input not found: ${p}`));
  });

  it('shared data (optional): reads ag_news test cleanly', async () => {
    const p = resolve('../shared/data/ag_news/test.jsonl');
    if (!existsSync(p)) {
      console.warn(`skipped: ${p} not present`);
      return;
    }
    const r = await readLabelled([p]);
    expect(r.errors).toEqual([]);
    expect(r.examples.length).toBe(7600);
    expect(new Set(r.examples.map((e) => e.labels[0]))).toEqual(new Set(['World', 'Sports', 'Business', 'Sci/Tech']));
  });
});

function jsonError(s: string): string {
  try {
    JSON.parse(s);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected invalid JSON');
}

describe('formatErrors', () => {
  const errs = Array.from(
    { length: 13 },
    (_, i): ErrorRecord => ({
      file: 'f',
      line: i + 1,
      error: 'invalid_json',
      message: `f:${i + 1}: empty line`,
      byte_offset: i,
      byte_length: 0,
    }),
  );
  it('shows the first N and counts the rest', () => {
    expect(formatErrors(errs, 2)).toBe('f:1: empty line\nf:2: empty line\n... and 11 more');
    expect(formatErrors(errs).split('\n')).toHaveLength(11);
    expect(formatErrors(errs).split('\n')[10]).toBe('... and 3 more');
    expect(formatErrors(errs.slice(0, 2))).toBe('f:1: empty line\nf:2: empty line');
    expect(formatErrors([])).toBe('');
  });
});
