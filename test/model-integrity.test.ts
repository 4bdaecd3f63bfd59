/**
 * Issue 11 item 2: a corrupted or hand-edited model never serves. model.json is checked against a schema,
 * weights.bin against the sha256 that model.json records, every weight must be finite, and no score that
 * JSON cannot hold is ever written.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, loadModelHandle } from '../src/classifier.js';
import { readModelDir } from '../src/io/model-files.js';
import { checkFiniteWeights } from '../src/model/weight-data.js';
import { makePrediction } from '../src/model/prediction.js';
import { PREDICT_DEFAULTS } from '../src/defaults.js';
import { fieldsJson, tagFormat } from '../src/pipeline/output-record.js';
import { trainModel } from '../src/train.js';
import { DEFAULT_MODEL_DIR } from '../src/classifier.js';
import { DEFAULT_FEATURIZER_CONFIG, Featurizer } from '../src/features/featurizer.js';
import { TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';
import { requireBuiltCli, runCli } from './cli-helpers.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadBrowserClassifier } from '../src/browser.js';

let dir: string;
let modelDir: string;
let n = 0;

beforeAll(async () => {
  dir = tempDir();
  modelDir = join(dir, 'model');
  await trainModel({ data: [writeJsonl(join(dir, 'train.jsonl'), TINY_EXAMPLES)], out: modelDir, buckets: 4096, seed: 7, quantize: 'float32' });
}, 60_000);

type Meta = Record<string, unknown> & { labels?: unknown[]; featurizer?: Record<string, unknown>; weightsSha256?: string };

/** A copy of the trained model, with model.json's metadata and/or weights.bin changed. */
function variant(edit: { meta?: (m: Meta) => void; weights?: (w: Buffer) => void; rehash?: boolean }): string {
  const d = join(dir, `v${n++}`);
  cpSync(modelDir, d, { recursive: true });
  const json = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8')) as { userDefinedMetadata: { topicmix: Meta } };
  const w = readFileSync(join(d, 'weights.bin'));
  edit.weights?.(w);
  writeFileSync(join(d, 'weights.bin'), w);
  if (edit.rehash) json.userDefinedMetadata.topicmix.weightsSha256 = `sha256:${createHash('sha256').update(w).digest('hex')}`;
  edit.meta?.(json.userDefinedMetadata.topicmix);
  writeFileSync(join(d, 'model.json'), JSON.stringify(json));
  return d;
}

/** Byte offset of the kernel (after the embedding) in a float32 weights.bin. */
async function kernelOffset(): Promise<number> {
  const files = await readModelDir(modelDir);
  const e = files.specs[0]!;
  return e.shape[0]! * e.shape[1]! * 4;
}

describe('weights.bin sha256', () => {
  it('train records the sha256 of weights.bin in model.json, and a load checks it', async () => {
    const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { userDefinedMetadata: { topicmix: Meta } };
    const want = `sha256:${createHash('sha256')
      .update(readFileSync(join(modelDir, 'weights.bin')))
      .digest('hex')}`;
    expect(json.userDefinedMetadata.topicmix.weightsSha256).toBe(want);
    const clf = await loadClassifier(modelDir);
    expect(clf.weightsVerified).toBe(true);
    clf.dispose();
  });

  it('one flipped byte in weights.bin is refused, naming both files', async () => {
    const off = await kernelOffset();
    const d = variant({ weights: (w) => void (w[off + 1] = w[off + 1]! ^ 0x01) });
    await expect(loadClassifier(d)).rejects.toThrow(`model: ${join(d, 'weights.bin')} is corrupted or belongs to another model: its sha256 is `);
    await expect(loadClassifier(d)).rejects.toThrow(`but ${join(d, 'model.json')} records `);
  });

  it('a model saved before the hash was recorded loads, unverified', async () => {
    const d = variant({ meta: (m) => delete m.weightsSha256 });
    const clf = await loadClassifier(d);
    expect(clf.weightsVerified).toBe(false);
    expect(clf.classify('world cup final').label).toBe('sports');
    clf.dispose();
  });

  it('the shipped default model records the hash of its weights.bin', async () => {
    const files = await readModelDir(DEFAULT_MODEL_DIR);
    expect(files.weightsVerified).toBe(true);
    expect(files.meta.weightsSha256).toBe(
      `sha256:${createHash('sha256')
        .update(readFileSync(join(DEFAULT_MODEL_DIR, 'weights.bin')))
        .digest('hex')}`,
    );
  });
});

describe('non-finite weights', () => {
  it('a NaN in the kernel is refused even when the hash was recomputed to match', async () => {
    const off = await kernelOffset();
    for (const [value, rehash] of [
      [Number.NaN, true],
      [Number.POSITIVE_INFINITY, false],
    ] as const) {
      const d = variant({ weights: (w) => w.writeFloatLE(value, off + 8), meta: rehash ? undefined : (m) => delete m.weightsSha256, rehash });
      await expect(loadClassifier(d)).rejects.toThrow(`model: ${join(d, 'weights.bin')}: weight output/kernel [32x3] has a non-finite value (NaN or infinity) at flat index 2: the file is corrupted`);
    }
  });

  it('float16 infinities and non-finite uint8 quantization are refused too', () => {
    const half = new Uint16Array([0x3c00, 0x7c00]); // 1, +inf
    const spec16 = { name: 'e', shape: [2], dtype: 'float32' as const, quantization: { dtype: 'float16' as const } };
    expect(() => checkFiniteWeights([spec16], half.buffer, 'w.bin')).toThrow('model: w.bin: weight e [2] has a non-finite value (NaN or infinity) at flat index 1');
    const spec8 = { name: 'k', shape: [2], dtype: 'float32' as const, quantization: { dtype: 'uint8' as const, min: Number.NaN, scale: 0.1 } };
    expect(() => checkFiniteWeights([spec8], new Uint8Array(2).buffer, 'w.bin')).toThrow('model: w.bin: weight k has a non-finite uint8 quantization (min NaN, scale 0.1) in model.json');
    expect(() => checkFiniteWeights([{ ...spec8, quantization: { dtype: 'uint8', min: -1, scale: 0.01 } }], new Uint8Array(2).buffer, 'w.bin')).not.toThrow();
  });
});

describe('model.json schema', () => {
  const cases: Array<[string, (m: Meta) => void, string]> = [
    ['labels missing', (m) => delete m.labels, 'userDefinedMetadata.topicmix.labels is missing'],
    ['featurizer missing', (m) => delete m.featurizer, 'userDefinedMetadata.topicmix.featurizer is missing'],
    ['a number label', (m) => (m.labels![1] = 1), 'userDefinedMetadata.topicmix.labels[1] must be a string, got 1'],
    ['a null label', (m) => (m.labels![2] = null), 'userDefinedMetadata.topicmix.labels[2] must be a string, got null'],
    ['an empty label', (m) => (m.labels![0] = ''), 'userDefinedMetadata.topicmix.labels[0] must be a non-empty string, got ""'],
    ['a repeated label', (m) => (m.labels![2] = m.labels![0]), `userDefinedMetadata.topicmix.labels[2] repeats the label "finance" (labels must be unique)`],
    ['chunkChars 0', (m) => (m.featurizer!.chunkChars = 0), 'userDefinedMetadata.topicmix.featurizer.chunkChars must be an integer >= 1, got 0'],
    ['ngrams 3', (m) => (m.featurizer!.ngrams = 3), 'userDefinedMetadata.topicmix.featurizer.ngrams must be 1 or 2, got 3'],
    ['a bad hash', (m) => (m.weightsSha256 = 'abc'), 'userDefinedMetadata.topicmix.weightsSha256 must be "sha256:" + 64 lowercase hex digits, got "abc"'],
    ['an abstain label that is not a label', (m) => (m.abstain = 'none'), 'userDefinedMetadata.topicmix.abstain is "none", which is not one of the labels'],
  ];
  for (const [what, edit, message] of cases) {
    it(`${what}: refused at load (loadClassifier and loadModelHandle), naming the file and the field`, async () => {
      const d = variant({ meta: edit });
      const want = `model: ${join(d, 'model.json')}: ${message}`;
      await expect(loadClassifier(d)).rejects.toThrow(want);
      await expect(loadModelHandle(d)).rejects.toThrow(want);
    });
  }
});

describe('the featurizer itself', () => {
  it('refuses chunkChars 0, which would cut a long text into empty chunks forever', () => {
    expect(() => new Featurizer({ ...DEFAULT_FEATURIZER_CONFIG, chunkChars: 0 })).toThrow('featurizer: chunkChars must be an integer >= 1, got 0');
  });
});

describe('scores JSON cannot hold are never written', () => {
  const labels = ['a', 'b'];
  it('the output writer stops instead of writing NaN or Infinity', () => {
    const f = tagFormat(labels, { topK: 2, threshold: 0, allScores: true });
    expect(fieldsJson(Float32Array.of(0.25, 0.75), 'en', 0, f, true)).toBe(
      '"topic":"b","topic_score":0.75,"topics":[{"label":"b","score":0.75},{"label":"a","score":0.25}],"lang":"en","scores":{"a":0.25,"b":0.75}',
    );
    expect(() => fieldsJson(Float32Array.of(Number.NaN, 0.5), 'en', 0, f, true)).toThrow('model: produced a non-finite score (NaN), which is not JSON: its weights are corrupted or overflow');
    expect(() => fieldsJson(Float32Array.of(Number.POSITIVE_INFINITY, 0.5), 'en', 0, f, true)).toThrow('non-finite score (Infinity)');
  });

  it('a library prediction with a non-finite probability is an error, not a NaN score', () => {
    expect(() => makePrediction(Float32Array.of(0.5, Number.NaN), labels, 'en', PREDICT_DEFAULTS, undefined)).toThrow('model: produced a non-finite score (NaN) for "b"');
  });
});

describe('topicmix classify with a corrupted model', () => {
  beforeAll(requireBuiltCli);

  it('a NaN in the kernel: exit 1, the file named, no output written (it wrote "topic_score":NaN with exit 0)', async () => {
    const off = await kernelOffset();
    const d = variant({ weights: (w) => w.writeFloatLE(Number.NaN, off), rehash: true });
    const input = writeJsonl(join(dir, 'in.jsonl'), [{ text: 'world cup final' }]);
    const output = join(dir, 'out-nan.jsonl');
    const r = await runCli(['classify', '--model', d, input, '-o', output]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`topicmix: model: ${join(d, 'weights.bin')}: weight output/kernel [32x3] has a non-finite value (NaN or infinity) at flat index 0`);
    expect(existsSync(output)).toBe(false);
  });

  it('--verbose says when a model records no weights hash (saved before it was recorded)', async () => {
    const d = variant({ meta: (m) => delete m.weightsSha256 });
    const input = writeJsonl(join(dir, 'in2.jsonl'), [{ text: 'world cup final' }]);
    const r = await runCli(['classify', '--model', d, input, '-o', join(dir, 'out-old.jsonl'), '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('weights unverified: model.json records no weightsSha256');
    const verified = await runCli(['classify', '--model', modelDir, input, '-o', join(dir, 'out-new.jsonl'), '--verbose']);
    expect(verified.stderr).not.toContain('unverified');
  });
});

describe('topicmix/browser runs the same checks on fetched models', () => {
  const fetchFrom =
    (folder: string) =>
    async (url: string): Promise<Response> =>
      new Response(await readFile(join(folder, new URL(url).pathname.replace(/^\/m\//, ''))));

  it('verifies the sha256 with WebCrypto, and refuses a flipped byte, a NaN weight and a bad schema', async () => {
    const ok = await loadBrowserClassifier('http://models.test/m/', { fetch: fetchFrom(modelDir) });
    expect(ok.weightsVerified).toBe(true);
    ok.dispose();
    const off = await kernelOffset();
    const flipped = variant({ weights: (w) => void (w[off] = w[off]! ^ 0x80) });
    await expect(loadBrowserClassifier('http://models.test/m/', { fetch: fetchFrom(flipped) })).rejects.toThrow(
      'model: http://models.test/m/weights.bin is corrupted or belongs to another model: its sha256 is ',
    );
    const nan = variant({ weights: (w) => w.writeFloatLE(Number.NaN, off), rehash: true });
    await expect(loadBrowserClassifier('http://models.test/m/', { fetch: fetchFrom(nan) })).rejects.toThrow('weight output/kernel [32x3] has a non-finite value');
    const noLabels = variant({ meta: (m) => delete m.labels });
    await expect(loadBrowserClassifier('http://models.test/m/', { fetch: fetchFrom(noLabels) })).rejects.toThrow(
      'model: http://models.test/m/model.json: userDefinedMetadata.topicmix.labels is missing',
    );
    await expect(loadBrowserClassifier('http://models.test/m/', { fetch: fetchFrom(modelDir), batchSize: 0 })).rejects.toThrow('`batchSize` must be an integer from 1 to 1048576, got 0');
  });
});
