/**
 * Issue 11 item 7: the library refuses misuse with clear errors instead of hanging, returning nothing or
 * failing inside tfjs: options are checked at load time, a disposed classifier says so, batch arguments are
 * checked, and empty text is an error, as in the CLI.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, loadModelHandle, type Classifier, type DocInput } from '../src/index.js';
import { trainModel } from '../src/train.js';
import { TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

let modelDir: string;
let clf: Classifier;

beforeAll(async () => {
  const dir = tempDir();
  modelDir = join(dir, 'model');
  await trainModel({ data: [writeJsonl(join(dir, 'train.jsonl'), TINY_EXAMPLES)], out: modelDir, buckets: 4096, seed: 7 });
  clf = await loadClassifier(modelDir, { batchSize: 2 });
}, 60_000);

describe('load options are checked at load time', () => {
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ batchSize: 0 }, '`batchSize` must be an integer from 1 to 1048576, got 0'],
    [{ batchSize: Number.NaN }, '`batchSize` must be an integer from 1 to 1048576, got NaN'],
    [{ batchSize: 2.5 }, '`batchSize` must be an integer from 1 to 1048576, got 2.5'],
    [{ batchSize: '8' }, '`batchSize` must be an integer from 1 to 1048576, got 8'],
    [{ topK: 0 }, '`topK` must be an integer >= 1, got 0'],
    [{ threshold: Number.NaN }, '`threshold` must be a number in [0, 1], got NaN'],
    [{ allScores: 'yes' }, '`allScores` must be true or false, got yes'],
  ];
  for (const [options, message] of bad) {
    it(`${JSON.stringify(options, (_, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v))}: ${message}`, async () => {
      await expect(loadClassifier(modelDir, options)).rejects.toThrow(message);
      await expect(loadModelHandle(modelDir, options)).rejects.toThrow(message);
    });
  }

  it('a bad option fails before the model is read (the option, not the missing folder, is named)', async () => {
    await expect(loadClassifier(join(modelDir, 'nope'), { batchSize: -1 })).rejects.toThrow('`batchSize` must be an integer');
  });

  it('batchSize 1 and a batch larger than it give every document its prediction, in order', async () => {
    const one = await loadClassifier(modelDir, { batchSize: 1 });
    const docs = ['world cup final', 'central bank cuts rates', 'smartphone chip'];
    expect((await one.classifyBatch(docs)).map((p) => p.label)).toEqual(['sports', 'finance', 'tech']);
    one.dispose();
  });
});

describe('batch arguments', () => {
  it('classifyBatch refuses a non-array, naming what it got', async () => {
    await expect(clf.classifyBatch(null as unknown as DocInput[])).rejects.toThrow(new TypeError('classifyBatch: documents must be an array, got null'));
    await expect(clf.classifyBatch('text' as unknown as DocInput[])).rejects.toThrow('classifyBatch: documents must be an array, got string');
  });

  it('a bad document fails the whole batch before any is scored, naming its index', async () => {
    await expect(clf.classifyBatch(['world cup final', 'bank loans', { text: 5 } as unknown as DocInput])).rejects.toThrow(
      new TypeError('document 2 must be a string or an object with a string "text" field, got object'),
    );
    await expect(clf.classifyBatch(['a', null as unknown as DocInput])).rejects.toThrow('document 1 must be a string or an object with a string "text" field, got null');
  });

  it('classifyStream refuses a non-iterable and names a bad document by its position', async () => {
    const drain = async (docs: unknown): Promise<number> => {
      let k = 0;
      for await (const _ of clf.classifyStream(docs as DocInput[])) k++;
      return k;
    };
    await expect(drain(null)).rejects.toThrow('classifyStream: documents must be an iterable or async iterable, got null');
    await expect(drain(['world cup final', 'bank loans', '  '])).rejects.toThrow('document 2 is empty or whitespace-only: there is nothing to classify');
    expect(await drain(['world cup final', 'bank loans', 'smartphone chip'])).toBe(3);
  });
});

describe('empty text is an error, as in the CLI', () => {
  it('classify, classifyBatch and classifyStream refuse empty and whitespace-only text', async () => {
    for (const text of ['', ' \n\t ', '\u3000']) {
      expect(() => clf.classify(text)).toThrow('document is empty or whitespace-only: there is nothing to classify');
      expect(() => clf.classify({ text })).toThrow('document is empty or whitespace-only');
    }
    await expect(clf.classifyBatch(['world cup final', ''])).rejects.toThrow('document 1 is empty or whitespace-only');
  });

  it('text without features (punctuation only) is not empty: it gets the prior', () => {
    const p = clf.classify('...');
    expect(p.topics).toHaveLength(3);
    expect(Number.isFinite(p.score)).toBe(true);
  });
});

describe('use after dispose()', () => {
  it('every method says the classifier was disposed; a second dispose() does nothing', async () => {
    const c = await loadClassifier(modelDir);
    expect(c.classify('world cup final').label).toBe('sports');
    c.dispose();
    c.dispose();
    const msg = 'classifier: used after dispose(); load the model again to classify';
    expect(() => c.classify('world cup final')).toThrow(msg);
    expect(() => c.predictTexts(['world cup final'])).toThrow(msg);
    expect(() => c.scoreTexts(['world cup final'])).toThrow(msg);
    await expect(c.classifyBatch(['world cup final'])).rejects.toThrow(msg);
    await expect(c.classifyStream(['world cup final']).next()).rejects.toThrow(msg);
  });

  it('dispose() while a classifyBatch waits between batches stops it with the same error', async () => {
    const c = await loadClassifier(modelDir, { batchSize: 1 });
    const running = c.classifyBatch(['world cup final', 'bank loans', 'smartphone chip']);
    c.dispose();
    await expect(running).rejects.toThrow('classifier: used after dispose()');
  });
});
