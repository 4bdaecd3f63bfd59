import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, type Classifier } from '../src/classifier.js';
import { classifyFiles, TooManyErrors } from '../src/executor/run-pipeline.js';
import { trainModel } from '../src/train.js';
import { TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

let dir: string;
let clf: Classifier;
let input: string;
// ~2.5 MB: several 1 MB read batches, so batches finish out of order across workers
const N = 40_000;

beforeAll(async () => {
  dir = tempDir();
  writeJsonl(join(dir, 'train.jsonl'), TINY_EXAMPLES);
  await trainModel({ data: [join(dir, 'train.jsonl')], out: join(dir, 'model'), buckets: 4096 });
  clf = await loadClassifier(join(dir, 'model'), { batchSize: 64 });
  // many lines (several read batches), a bad line every 500
  const lines: string[] = [];
  for (let i = 1; i <= N; i++) {
    if (i % 500 === 0) lines.push(i % 1000 === 0 ? `{"id":${i},"text":42}` : `{"id":${i}`);
    else lines.push(JSON.stringify({ id: i, text: TINY_EXAMPLES[i % TINY_EXAMPLES.length]!.text }));
  }
  input = join(dir, 'in.jsonl');
  writeFileSync(input, lines.join('\n') + '\n');
}, 60_000);

describe('classify with worker threads', () => {
  it('writes exactly what one thread writes, in input order, with the same error records', async () => {
    const one = await classifyFiles(clf, { inputs: [input], output: join(dir, 'w1.jsonl'), workers: 1 });
    const two = await classifyFiles(clf, { inputs: [input], output: join(dir, 'w2.jsonl'), workers: 2, maxLineBytes: 1 << 20 });
    expect(one).toEqual({ read: N, tagged: N - N / 500, errors: N / 500, bytes: one.bytes });
    expect(one.bytes).toBeGreaterThan(2 << 20);
    expect(two).toEqual(one);
    // Buffer.equals: vitest's deep equality walks a 3 MB buffer byte by byte for most of a minute
    expect(readFileSync(join(dir, 'w2.jsonl')).equals(readFileSync(join(dir, 'w1.jsonl')))).toBe(true);
    expect(readFileSync(join(dir, 'w2.errors.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'w1.errors.jsonl'), 'utf8'));
    const ids = readFileSync(join(dir, 'w2.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: number }).id);
    expect(ids).toEqual(Array.from({ length: N }, (_, i) => i + 1).filter((i) => i % 500 !== 0));
  }, 60_000);

  it('--max-errors stops at the exact line with workers too', async () => {
    for (const workers of [1, 2]) {
      const err = await classifyFiles(clf, { inputs: [input], output: join(dir, `m${workers}.jsonl`), workers, maxErrors: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TooManyErrors);
      // the third bad line is line 1500: lines 1-1500 read, 3 of them bad
      expect((err as TooManyErrors).counts).toMatchObject({ read: 1500, tagged: 1497, errors: 3 });
      const errs = readFileSync(join(dir, `m${workers}.errors.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { line: number }).line);
      expect(errs).toEqual([500, 1000, 1500]);
    }
  }, 60_000);

  it('a model that cannot load in the workers fails the run with its message', async () => {
    const broken = { ...clf, dir: join(dir, 'missing-model'), labels: clf.labels, batchSize: 64, backend: clf.backend, predictOptions: clf.predictOptions.bind(clf) } as unknown as Classifier;
    await expect(classifyFiles(broken, { inputs: [input], output: join(dir, 'x.jsonl'), workers: 2 })).rejects.toThrow(/model: directory not found: .*missing-model/);
    // nothing was opened for the output: no temp file is left behind
    expect(readdirSync(dir).filter((f) => f.startsWith('.x.jsonl'))).toEqual([]);
  });
});

describe('--unordered', () => {
  it('writes every line exactly once, possibly out of order', async () => {
    const c = await classifyFiles(clf, { inputs: [input], output: join(dir, 'u.jsonl'), workers: 2, unordered: true });
    expect(c).toMatchObject({ read: N, tagged: N - N / 500, errors: N / 500 });
    const ids = readFileSync(join(dir, 'u.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: number }).id);
    expect(ids.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1).filter((i) => i % 500 !== 0));
  }, 60_000);
});
