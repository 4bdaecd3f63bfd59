import type { Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, type Classifier } from '../src/classifier.js';
import { Featurizer, IdBuffer } from '../src/features/featurizer.js';
import { tf, useBackend } from '../src/model/backend.js';
import { readModelDir } from '../src/io/model-files.js';
import { forward } from '../src/model/params.js';
import { trainModel } from '../src/train.js';
import { TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

let dir: string;
let modelDir: string;
let clf: Classifier;

beforeAll(async () => {
  await useBackend('auto');
  dir = tempDir();
  const data = writeJsonl(join(dir, 'train.jsonl'), TINY_EXAMPLES);
  modelDir = join(dir, 'model');
  await trainModel({ data: [data], out: modelDir, buckets: 4096, seed: 7, quantize: 'float32' });
  clf = await loadClassifier(modelDir);
}, 60_000);

/** The model's weights as plain arrays, read back from weights.bin. */
async function paramsOf(path: string) {
  const files = await readModelDir(path);
  const t = tf.io.decodeWeights(files.weightData as ArrayBuffer, files.specs);
  const [e, w, b] = files.specs.map((s) => t[s.name]!);
  const p = {
    buckets: e!.shape[0]!,
    dim: e!.shape[1]!,
    numLabels: b!.shape[0]!,
    E: e!.dataSync() as Float32Array,
    W: w!.dataSync() as Float32Array,
    b: b!.dataSync() as Float32Array,
  };
  return { p, meta: files.meta };
}

describe('model folder', () => {
  it('is a standard tfjs layers model: tf.loadLayersModel on padded ids gives the same probabilities', async () => {
    const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.userDefinedMetadata.topicmix.labels).toEqual(['finance', 'sports', 'tech']);
    const weightData = readFileSync(join(modelDir, 'weights.bin'));
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
      }),
    );
    const texts = ['世界杯决赛，球队夺冠', 'The central bank cuts rates again', 'a new smartphone chip and cloud computing'];
    const f = new Featurizer(clf.metadata.featurizer);
    const rows = texts.map((t) => [...f.ids(t).ids]);
    const width = Math.max(...rows.map((r) => r.length));
    const padded = rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(0)]);
    const scale = rows.map((r) => [width / r.length]);
    const out = model.predict([tf.tensor2d(padded, undefined, 'int32'), tf.tensor2d(scale)]) as Tensor;
    const viaLayers = out.arraySync() as number[][];
    const ours = clf.predictTexts(texts, { allScores: true });
    for (let i = 0; i < texts.length; i++) {
      clf.labels.forEach((label, k) => expect(ours[i]!.scores![label]).toBeCloseTo(viaLayers[i]![k]!, 5));
    }
    expect(ours.map((p) => p.label)).toEqual(['sports', 'finance', 'tech']);
  });

  it('serves exactly the JS reference forward pass', async () => {
    const { p } = await paramsOf(modelDir);
    const f = new Featurizer(clf.metadata.featurizer);
    const texts = TINY_EXAMPLES.map((e) => e.text);
    const buf = new IdBuffer();
    const offsets = new Int32Array(texts.length + 1);
    texts.forEach((t, i) => {
      f.featurize(t, buf);
      offsets[i + 1] = buf.length;
    });
    const ref = forward(p, buf.view(), offsets);
    const ours = clf.predictTexts(texts, { allScores: true });
    ours.forEach((pred, i) => clf.labels.forEach((l, k) => expect(pred.scores![l]).toBeCloseTo(ref[i * 3 + k]!, 5)));
  });

  it('scores a long text over all of its chunks, exactly like the whole text', async () => {
    const long = '足球比赛，球队夺冠。 football match, team wins the title. '.repeat(40_000); // ~2.3M chars
    expect(long.length).toBeGreaterThan(clf.metadata.featurizer.chunkChars);
    const pred = clf.classify(long, { allScores: true });
    expect(pred.chunks).toBeGreaterThan(1);
    const { p } = await paramsOf(modelDir);
    const f = new Featurizer({ ...clf.metadata.featurizer, chunkChars: Number.MAX_SAFE_INTEGER });
    const buf = new IdBuffer();
    f.featurize(long, buf);
    // chunks are cut after separators; at most one bigram per cut differs from one uncut pass
    const ref = forward(p, buf.view(), Int32Array.of(0, buf.length));
    clf.labels.forEach((l, k) => expect(pred.scores![l]).toBeCloseTo(ref[k]!, 3));
    expect(pred.label).toBe('sports');
  });

  it('gives an empty text the prior (softmax of the bias) and keeps batch rows aligned', () => {
    const preds = clf.predictTexts(['', '世界杯决赛', '...', 'central bank']);
    expect(preds).toHaveLength(4);
    expect(preds[0]!.score).toBeCloseTo(preds[2]!.score, 6);
    expect(preds[1]!.label).toBe('sports');
    expect(preds[3]!.label).toBe('finance');
  });

  it('float16 and uint8 quantized weights load and predict nearly the same', async () => {
    for (const quantize of ['float16', 'uint8'] as const) {
      const qdir = join(dir, `model-${quantize}`);
      await trainModel({ data: [join(dir, 'train.jsonl')], out: qdir, buckets: 4096, seed: 7, quantize });
      const full = readFileSync(join(modelDir, 'weights.bin')).byteLength;
      const q = readFileSync(join(qdir, 'weights.bin')).byteLength;
      expect(q).toBeLessThan(full / (quantize === 'float16' ? 1.9 : 3.5));
      const qclf = await loadClassifier(qdir);
      const texts = TINY_EXAMPLES.map((e) => e.text);
      const a = clf.predictTexts(texts);
      const b = qclf.predictTexts(texts);
      const agree = a.filter((x, i) => x.label === b[i]!.label).length;
      expect(agree / texts.length).toBeGreaterThanOrEqual(0.95);
      qclf.dispose();
    }
  }, 60_000);

  it('rejects weights that do not match model.json, naming both files', async () => {
    const bad = join(dir, 'model-bad');
    await trainModel({ data: [join(dir, 'train.jsonl')], out: bad, buckets: 4096, seed: 7, quantize: 'float32' });
    const w = readFileSync(join(bad, 'weights.bin'));
    writeFileSync(join(bad, 'weights.bin'), w.subarray(0, w.byteLength - 4));
    await expect(loadClassifier(bad)).rejects.toThrow(/weights\.bin has \d+ bytes but .*model\.json declares weights of \d+ bytes/);
  });

  it('rejects a missing or non-model directory', async () => {
    await expect(loadClassifier(join(dir, 'nope'))).rejects.toThrow(/model: directory not found: .*nope/);
    await expect(loadClassifier(dir)).rejects.toThrow(/cannot read .*model\.json/);
  });
});

describe('Classifier API', () => {
  it('classify returns label, score, top-k topics and lang', () => {
    const p = clf.classify('一篇关于央行降息和股市上涨的文章');
    expect(p.label).toBe('finance');
    expect(p.lang).toBe('zh');
    expect(p.topics).toHaveLength(3);
    expect(p.topics[0]).toEqual({ label: 'finance', score: p.score });
    expect(p.topics[0]!.score).toBeGreaterThanOrEqual(p.topics[1]!.score);
    const sum = Object.values(clf.classify('x', { allScores: true }).scores!).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
  });

  it('threshold makes label null but keeps the score', () => {
    const p = clf.classify('一篇关于央行降息和股市上涨的文章', { threshold: 1 });
    expect(p.label).toBeNull();
    expect(p.score).toBeGreaterThan(0);
    expect(() => clf.classify('x', { topK: 0 })).toThrow(/topK/);
  });

  it('classifyBatch and classifyStream agree with classify, in order', async () => {
    const texts = TINY_EXAMPLES.map((e) => e.text);
    const one = texts.map((t) => clf.classify(t));
    const batch = await clf.classifyBatch(texts.map((text) => ({ text })));
    async function* gen() {
      for (const t of texts) yield t;
    }
    const streamed: string[] = [];
    for await (const p of clf.classifyStream(gen())) streamed.push(p.label!);
    expect(batch.map((p) => p.label)).toEqual(one.map((p) => p.label));
    expect(streamed).toEqual(one.map((p) => p.label));
    const right = batch.filter((p, i) => p.label === TINY_EXAMPLES[i]!.label).length;
    expect(right / texts.length).toBeGreaterThan(0.9);
  });
});
