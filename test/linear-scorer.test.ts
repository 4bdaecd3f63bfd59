import type { Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifierFromFiles, loadClassifier, loadSharedModel } from '../src/classifier.js';
import { Featurizer, IdBuffer } from '../src/features/featurizer.js';
import { readModelDir } from '../src/io/model-files.js';
import { tf, useBackend } from '../src/model/backend.js';
import { allocateLogitTable, LinearScorer } from '../src/model/linear-scorer.js';
import { SparseScorer } from '../src/model/sparse-scorer.js';
import { trainModel } from '../src/train.js';
import { multiLabelRows, TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

// The js kernel (logit table or embedding gather, plain JS) must give the probabilities of the saved
// tfjs layers model: the reference is tf.loadLayersModel on padded ids, and the tfjs SparseScorer.

let dir: string;
const models: Record<string, string> = {};
const texts = [...TINY_EXAMPLES.map((e) => e.text), '', '...', '世界杯决赛，球队夺冠', 'The central bank cuts rates again'];

beforeAll(async () => {
  await useBackend('wasm');
  dir = tempDir();
  const data = writeJsonl(join(dir, 'train.jsonl'), TINY_EXAMPLES);
  const multi = writeJsonl(join(dir, 'multi.jsonl'), multiLabelRows());
  const variants: [string, Parameters<typeof trainModel>[0]][] = [
    ['table-float32', { data: [data], out: join(dir, 'table-float32'), buckets: 4096, seed: 7, quantize: 'float32' }],
    ['table-uint8', { data: [data], out: join(dir, 'table-uint8'), buckets: 4096, seed: 7, quantize: 'uint8' }],
    ['table-float16', { data: [data], out: join(dir, 'table-float16'), buckets: 4096, seed: 7, quantize: 'float16' }],
    // 3 labels, dim 2: the logit table would be wider than the embedding, so rows of E are gathered
    ['embedding-float32', { data: [data], out: join(dir, 'embedding-float32'), buckets: 4096, seed: 7, dim: 2, quantize: 'float32' }],
    ['embedding-uint8', { data: [data], out: join(dir, 'embedding-uint8'), buckets: 4096, seed: 7, dim: 2, quantize: 'uint8' }],
    // multi-label (one-vs-all): a sigmoid per label, through both gathers
    ['sigmoid-table-uint8', { data: [multi], out: join(dir, 'sigmoid-table-uint8'), buckets: 4096, seed: 7, quantize: 'uint8', multiLabel: true }],
    ['sigmoid-embedding-float32', { data: [multi], out: join(dir, 'sigmoid-embedding-float32'), buckets: 4096, seed: 7, dim: 2, quantize: 'float32', multiLabel: true }],
  ];
  for (const [name, opts] of variants) {
    await trainModel(opts);
    models[name] = opts.out;
  }
}, 120_000);

function idsOf(featurizer: Featurizer, batch: readonly string[]): { ids: Int32Array; offsets: Int32Array } {
  const buf = new IdBuffer();
  const offsets = new Int32Array(batch.length + 1);
  batch.forEach((t, i) => {
    featurizer.featurize(t, buf);
    offsets[i + 1] = buf.length;
  });
  return { ids: buf.view().slice(), offsets };
}

async function viaLayers(modelDir: string, batch: readonly string[]): Promise<number[][]> {
  const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(modelDir, 'weights.bin'));
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }),
  );
  const f = new Featurizer(json.userDefinedMetadata.topicmix.featurizer);
  // One text per call, so no padding: a quantized row 0 is not exactly zero, and padding would add it.
  // An empty text is the single padding id 0, as the serving kernels score it.
  const probs = batch.map((t) => {
    const ids = [...f.ids(t).ids];
    const row = ids.length > 0 ? ids : [0];
    const out = model.predict([tf.tensor2d([row], undefined, 'int32'), tf.tensor2d([[1]])]) as Tensor;
    const p = (out.arraySync() as number[][])[0]!;
    out.dispose();
    return p;
  });
  model.dispose();
  return probs;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('js kernel (LinearScorer)', () => {
  it.each(['table-float32', 'table-uint8', 'table-float16', 'embedding-float32', 'embedding-uint8', 'sigmoid-table-uint8', 'sigmoid-embedding-float32'])(
    '%s: the same probabilities as tf.loadLayersModel and the tfjs kernel (<= 1e-5)',
    async (name) => {
      const files = await readModelDir(models[name]!);
      const js = new LinearScorer(files);
      expect(js.kernel).toBe(name.includes('table') ? 'logit-table' : 'embedding');
      expect(js.output).toBe(name.startsWith('sigmoid') ? 'sigmoid' : 'softmax');
      const tfjs = new SparseScorer(tf, files);
      const { ids, offsets } = idsOf(new Featurizer(files.meta.featurizer), texts);
      const ours = js.score(ids, offsets);
      expect(maxAbsDiff(ours, tfjs.score(ids, offsets))).toBeLessThanOrEqual(1e-5);
      const ref = (await viaLayers(models[name]!, texts)).flat();
      expect(maxAbsDiff(ours, ref)).toBeLessThanOrEqual(1e-5);
      // scored again, now from the filled table: the same bits
      expect(js.score(ids, offsets)).toEqual(ours);
      tfjs.dispose();
    },
  );

  it('uint8 weights decode the padding row to exact zeros, so padded input to tf.loadLayersModel gives the same probabilities', async () => {
    const files = await readModelDir(models['table-uint8']!);
    const js = new LinearScorer(files);
    const batch = texts.filter((t) => t !== '' && t !== '...'); // docs with ids: the layers model divides by their count
    const { ids, offsets } = idsOf(new Featurizer(files.meta.featurizer), batch);
    const json = JSON.parse(readFileSync(join(models['table-uint8']!, 'model.json'), 'utf8'));
    const bin = readFileSync(join(models['table-uint8']!, 'weights.bin'));
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }),
    );
    const rows = batch.map((_, i) => [...ids.subarray(offsets[i]!, offsets[i + 1]!)]);
    const width = Math.max(...rows.map((r) => r.length));
    const padded = rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(0)]);
    const out = model.predict([tf.tensor2d(padded, undefined, 'int32'), tf.tensor2d(rows.map((r) => [width / r.length]))]) as Tensor;
    expect(maxAbsDiff(js.score(ids, offsets), (out.arraySync() as number[][]).flat())).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });

  it('a long text: sums over chunks give the tfjs kernel probabilities', async () => {
    const long = '足球比赛，球队夺冠。 football match, team wins the title. central bank. '.repeat(30_000);
    const js = await loadClassifier(models['table-float32']!, { backend: 'js' });
    const wasm = await loadClassifier(models['table-float32']!, { backend: 'wasm' });
    expect(long.length).toBeGreaterThan(js.metadata.featurizer.chunkChars);
    const a = js.classify(long, { allScores: true });
    const b = wasm.classify(long, { allScores: true });
    expect(a.chunks).toBeGreaterThan(1);
    expect(a.chunks).toBe(b.chunks);
    for (const l of js.labels) expect(Math.abs(a.scores![l]! - b.scores![l]!)).toBeLessThanOrEqual(1e-5);
    expect(js.backend).toBe('js');
    expect(wasm.backend).toBe('wasm');
    wasm.dispose();
  });

  it('a multi-label model serves the same probabilities and tags through --backend js, wasm and cpu', async () => {
    const dirOf = models['sigmoid-table-uint8']!;
    const js = await loadClassifier(dirOf, { backend: 'js' });
    const docs = texts.filter((t) => t.trim() !== '');
    const a = await js.classifyBatch(docs, { allScores: true });
    expect(a.every((p) => p.tags !== undefined && p.tags.length >= 1)).toBe(true);
    for (const backend of ['wasm', 'cpu'] as const) {
      const other = await loadClassifier(dirOf, { backend });
      expect(other.backend).toBe(backend);
      const b = await other.classifyBatch(docs, { allScores: true });
      for (let i = 0; i < docs.length; i++) {
        for (const l of js.labels) expect(Math.abs(a[i]!.scores![l]! - b[i]!.scores![l]!)).toBeLessThanOrEqual(1e-5);
        expect(b[i]!.tags!.map((t) => t.label)).toEqual(a[i]!.tags!.map((t) => t.label));
      }
      other.dispose();
    }
    await useBackend('wasm');
  });

  it('fills the logit table lazily: only the rows of ids it scored', async () => {
    const files = await readModelDir(models['table-float32']!);
    const mem = allocateLogitTable(files.meta.featurizer.buckets, files.meta.labels.length, false);
    const js = new LinearScorer(files, { logitTable: mem });
    const K = files.meta.labels.length;
    const filledRows = (): number => {
      let n = 0;
      for (let r = 0; r < mem.table.length / K; r++) if (!Number.isNaN(mem.table[r * K]!)) n++;
      return n;
    };
    expect(filledRows()).toBe(0);
    const { ids, offsets } = idsOf(new Featurizer(files.meta.featurizer), ['football match']);
    js.score(ids, offsets);
    expect(filledRows()).toBe(new Set(ids).size);
  });

  it('threads share one copy: classifiers on a SharedModel give the bits of a private one, and see each other’s rows', async () => {
    const shared = await loadSharedModel(models['table-uint8']!);
    expect(shared.files.weightData).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.logitTable!.table.buffer).toBeInstanceOf(SharedArrayBuffer);
    const a = await classifierFromFiles(shared.files, {}, shared.logitTable);
    const b = await classifierFromFiles(shared.files, {}, shared.logitTable);
    const own = await loadClassifier(models['table-uint8']!);
    const first = a.scoreTexts(texts).probs;
    const K = a.labels.length;
    const before = shared.logitTable!.table.filter((_, i) => i % K === 0 && !Number.isNaN(shared.logitTable!.table[i]!)).length;
    expect(before).toBeGreaterThan(0);
    expect(b.scoreTexts(texts).probs).toEqual(first);
    expect(own.scoreTexts(texts).probs).toEqual(first);
    // b computed nothing new: a had filled every row these texts use
    expect(shared.logitTable!.table.filter((_, i) => i % K === 0 && !Number.isNaN(shared.logitTable!.table[i]!)).length).toBe(before);
  });

  it('an embedding-gather model needs no logit table', async () => {
    const shared = await loadSharedModel(models['embedding-float32']!);
    expect(shared.logitTable).toBeUndefined();
  });
});
