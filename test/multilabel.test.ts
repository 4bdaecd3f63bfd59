import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier } from '../src/classifier.js';
import { computeMultiLabelMetrics } from '../src/eval/multilabel-metrics.js';
import { evaluateModel } from '../src/evaluate.js';
import { readModelParams } from '../src/io/model-files.js';
import { makePrediction } from '../src/model/prediction.js';
import { tagIndices, tuneThresholds } from '../src/model/thresholds.js';
import { fieldsJson, tagFormat } from '../src/pipeline/output-record.js';
import { buildReport } from '../src/report/build-report.js';
import { parseReport } from '../src/report/read-report.js';
import { ReportBuilder } from '../src/report/report-builder.js';
import { loadTokenCounter } from '../src/report/token-counter.js';
import { trainModel } from '../src/train.js';
import { multiLabelRows, TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

// Multi-label (one-vs-all) models: thresholds, tags, metrics, report counting; issue 13.

describe('tuneThresholds', () => {
  it('picks, per label, the cut with the best F1, halfway to the next score; a label without positives keeps the fallback', () => {
    const probs = Float32Array.from([0.9, 0.2, 0.8, 0.2, 0.4, 0.2, 0.3, 0.2, 0.1, 0.2]);
    const targets = Int32Array.from([0, 0]);
    const targetOffsets = Int32Array.from([0, 1, 1, 2, 2, 2]); // docs 0 and 2 are label 0; label 1 has none
    const t = tuneThresholds(probs, { n: 5, targets, targetOffsets }, 2, 0.5);
    // cuts: {0.9} F1 2/3, {0.9,0.8} 1/2, {..,0.4} 4/5, {..,0.3} 2/3, all 4/7: best is between 0.4 and 0.3
    expect(t[0]).toBeCloseTo(0.35, 6);
    expect(t[1]).toBe(0.5);
  });

  it('with shrinkage, pulls each label toward the micro-F1-optimal threshold by its positive count', () => {
    // label 0: scores 0.9+ 0.8 0.4+ 0.3 (best cut 0.35); label 1: 0.6+ 0.2 0.2 0.1 (best cut (0.6 + 0.2) / 2)
    const probs = Float32Array.from([0.9, 0.1, 0.8, 0.6, 0.4, 0.2, 0.3, 0.2]);
    const data = { n: 4, targets: Int32Array.from([0, 1, 0]), targetOffsets: Int32Array.from([0, 1, 2, 3, 3]) };
    const [a, b] = tuneThresholds(probs, data, 2, 0.5);
    expect(a).toBeCloseTo(0.35, 6);
    expect(b).toBeCloseTo(0.4, 6);
    // all cells: 0.9+ 0.8- 0.6+ 0.4+ 0.3- 0.2- 0.2- 0.1-: best cut after 0.4 (F1 6/7), threshold 0.35
    const [sa, sb] = tuneThresholds(probs, data, 2, 0.5, 2);
    expect(sa).toBeCloseTo((2 * a! + 2 * 0.35) / 4, 6);
    expect(sb).toBeCloseTo((1 * b! + 2 * 0.35) / 3, 6);
  });

  it('does not cut between equal scores; ties in F1 go to the higher threshold', () => {
    const probs = Float32Array.from([0.5, 0.5, 0.25]);
    const t = tuneThresholds(probs, { n: 3, targets: Int32Array.from([0]), targetOffsets: Int32Array.from([0, 1, 1, 1]) }, 1, 0.5);
    // {0.5, 0.5}: F1 2/3; all three: F1 1/2. The cut sits between 0.5 and 0.25.
    expect(t).toEqual([0.375]);
    expect(tagIndices([0.2, 0.7, 0.6], [0.1, 0.65, 0.7])).toEqual([1, 0]);
  });
});

describe('makePrediction with thresholds (tags)', () => {
  const labels = ['a', 'b', 'c'];
  const o = { topK: 2, threshold: 0, allScores: false, parts: 0, partChars: 0, partsMinChars: 3000 };
  const p = Float32Array.from([0.2, 0.7, 0.6]);
  it('tags every label at or above its threshold, most probable first', () => {
    const pred = makePrediction(p, labels, 'en', o, undefined, undefined, [0.1, 0.65, 0.7]);
    expect(pred.tags).toEqual([
      { label: 'b', score: p[1] },
      { label: 'a', score: p[0] },
    ]);
    expect(pred.label).toBe('b');
  });
  it('the top label when none reaches its threshold; none when the prediction abstains; never the abstain label', () => {
    expect(makePrediction(p, labels, 'en', o, undefined, undefined, [0.9, 0.9, 0.9]).tags).toEqual([{ label: 'b', score: p[1] }]);
    expect(makePrediction(p, labels, 'en', o, 'b', undefined, [0.1, 0.1, 0.1]).tags).toEqual([]);
    expect(makePrediction(p, labels, 'en', { ...o, threshold: 0.8 }, undefined, undefined, [0.1, 0.1, 0.1]).tags).toEqual([]);
    expect(makePrediction(p, labels, 'en', o, 'a', undefined, [0.1, 0.1, 0.1]).tags).toEqual([
      { label: 'b', score: p[1] },
      { label: 'c', score: p[2] },
    ]);
    expect(makePrediction(p, labels, 'en', o, undefined).tags).toBeUndefined();
  });
  it('classify writes tags after topics', () => {
    const f = tagFormat(labels, o, undefined, false, [0.1, 0.65, 0.7]);
    expect(fieldsJson(p, 'en', 1, f, true)).toBe(
      '"topic":"b","topic_score":0.7,"topics":[{"label":"b","score":0.7},{"label":"c","score":0.6}],"tags":[{"label":"b","score":0.7},{"label":"a","score":0.2}],"lang":"en"',
    );
    const below = tagFormat(labels, { ...o, threshold: 0.8 }, undefined, false, [0.1, 0.65, 0.7]);
    expect(fieldsJson(p, 'en', 1, below, false)).toBe('"topic":null,"abstain":"below_threshold","topic_score":0.7,"topics":[{"label":"b","score":0.7},{"label":"c","score":0.6}],"tags":[]');
  });
});

describe('computeMultiLabelMetrics', () => {
  it('micro, macro, subset accuracy, Hamming loss and per label', () => {
    const m = computeMultiLabelMetrics([['a'], ['a', 'b'], ['c']], [['a'], ['a'], ['b']], ['a', 'b', 'c']);
    expect(m.micro_precision).toBeCloseTo(2 / 3, 12);
    expect(m.micro_recall).toBe(0.5);
    expect(m.micro_f1).toBeCloseTo(4 / 7, 12);
    expect(m.macro_precision).toBeCloseTo(1 / 3, 12);
    expect(m.macro_recall).toBeCloseTo(1 / 3, 12);
    expect(m.macro_f1).toBeCloseTo(1 / 3, 12);
    expect(m.subset_accuracy).toBeCloseTo(1 / 3, 12);
    expect(m.hamming_loss).toBeCloseTo(3 / 9, 12);
    expect(m.per_label).toEqual({
      a: { precision: 1, recall: 1, f1: 1, support: 2, predicted: 2 },
      b: { precision: 0, recall: 0, f1: 0, support: 1, predicted: 1 },
      c: { precision: 0, recall: 0, f1: 0, support: 1, predicted: 0 },
    });
    expect([m.gold_per_doc, m.predicted_per_doc]).toEqual([4 / 3, 1]);
  });
});

describe('train --multi-label', () => {
  let dir: string;
  let data: string;
  let big: string;
  beforeAll(() => {
    dir = tempDir();
    data = writeJsonl(join(dir, 'multi.jsonl'), multiLabelRows());
    // 540 rows: enough for the held-out slice (10% >= 50 documents)
    big = writeJsonl(
      join(dir, 'big.jsonl'),
      Array.from({ length: 8 }, () => multiLabelRows())
        .flat()
        .slice(0, 540),
    );
  });

  it('is chosen automatically for rows with several labels: a sigmoid layers model with per-label thresholds, deterministic', async () => {
    const a = await trainModel({ data: [data], out: join(dir, 'auto'), buckets: 4096, seed: 3, quantize: 'float32' });
    const b = await trainModel({ data: [data], out: join(dir, 'auto2'), buckets: 4096, seed: 3, quantize: 'float32', multiLabel: true });
    expect(a.meta.multiLabel).toEqual({ thresholds: expect.any(Array), tunedOn: 'train', nTune: 72, rule: 'max-f1-per-label', shrinkage: 100 });
    expect(a.meta.training.classWeight).toBe('none'); // the multi-label default
    expect(a.meta.training.epochs).toBe(30); // auto: 30 for 72 rows, at least MULTI_LABEL_DEFAULTS.minAutoEpochs
    expect(a.meta.multiLabel!.thresholds).toHaveLength(3);
    expect(b.meta.multiLabel).toEqual(a.meta.multiLabel);
    expect(readFileSync(join(dir, 'auto', 'weights.bin')).equals(readFileSync(join(dir, 'auto2', 'weights.bin')))).toBe(true);
    const json = JSON.parse(readFileSync(join(dir, 'auto', 'model.json'), 'utf8'));
    const output = json.modelTopology.config.layers.find((l: { name: string }) => l.name === 'output');
    expect(output.config.activation).toBe('sigmoid');
    const { params } = await readModelParams(join(dir, 'auto'));
    expect(params.output).toBe('sigmoid');

    const clf = await loadClassifier(join(dir, 'auto'));
    const [two, one] = await clf.classifyBatch(['足球比赛，篮球联赛的最新消息 股市上涨，银行贷款的最新消息', 'News about the smartphone chip and the computer processor']);
    expect(two!.tags!.map((t) => t.label).sort()).toEqual(['finance', 'sports']);
    expect(one!.tags!.map((t) => t.label)).toEqual(['tech']);
  });

  it('multiLabel false trains one softmax on the same rows (as before)', async () => {
    const r = await trainModel({ data: [data], out: join(dir, 'softmax'), buckets: 4096, seed: 3, multiLabel: false });
    expect(r.meta.multiLabel).toBeUndefined();
    const json = JSON.parse(readFileSync(join(dir, 'softmax', 'model.json'), 'utf8'));
    expect(json.modelTopology.config.layers.find((l: { name: string }) => l.name === 'output').config.activation).toBe('softmax');
    const clf = await loadClassifier(join(dir, 'softmax'));
    expect(clf.classify('football match').tags).toBeUndefined();
  });

  it('thresholds are tuned on a seeded held-out 10% without dev data, on the dev data with it', async () => {
    const h = await trainModel({ data: [big], out: join(dir, 'held'), buckets: 4096, seed: 3 });
    expect(h.meta.multiLabel).toMatchObject({ tunedOn: 'held-out', nTune: 54, heldOutShare: 0.1 });
    expect(h.meta.training.nTrain).toBe(540); // the final model trains on all of it
    const d = await trainModel({ data: [big], dev: [data], out: join(dir, 'dev'), buckets: 4096, seed: 3 });
    expect(d.meta.multiLabel).toMatchObject({ tunedOn: 'dev', nTune: 72 });
    expect(d.devMultiLabel!.n).toBe(72);
    expect(d.meta.metrics!.dev).toHaveProperty('micro_f1', Math.round(d.devMultiLabel!.micro_f1 * 1e6) / 1e6);
  });

  it('autotune refuses multi-label data, naming the way out', async () => {
    await expect(trainModel({ data: [data], out: join(dir, 'tuned'), autotune: { trials: 1 } })).rejects.toThrow(
      'train: `autotune` does not search multi-label models yet: give the settings yourself, or set `multiLabel` false to train one softmax',
    );
  });

  it('eval: multi-label metrics on a multi-label model; single-label data on a softmax model has none', async () => {
    const r = await evaluateModel({ model: join(dir, 'auto'), data: [data] });
    expect(r.multi_label!.n).toBe(72);
    expect(r.multi_label!.micro_f1).toBeGreaterThan(0.9);
    expect(Object.keys(r.multi_label!.per_label)).toEqual(['finance', 'sports', 'tech']);
    const single = writeJsonl(join(dir, 'single.jsonl'), TINY_EXAMPLES);
    const s = await evaluateModel({ model: join(dir, 'softmax'), data: [single] });
    expect(s.multi_label).toBeUndefined();
  });
});

describe('report on tagged documents', () => {
  it('counts every tag, splits soft counts over the tags by score, states the rule, and merges', async () => {
    const dir = tempDir();
    const lines = [
      {
        text: 'a b',
        lang: 'en',
        topic: 'x',
        topic_score: 0.9,
        topics: [{ label: 'x', score: 0.9 }],
        tags: [
          { label: 'x', score: 0.9 },
          { label: 'y', score: 0.6 },
        ],
      },
      { text: 'c d e', lang: 'en', topic: 'y', topic_score: 0.8, topics: [{ label: 'y', score: 0.8 }], tags: [{ label: 'y', score: 0.8 }] },
      { text: 'f', lang: 'en', topic: null, abstain: 'below_threshold', topic_score: 0.3, topics: [{ label: 'x', score: 0.3 }], tags: [] },
    ];
    const file = writeJsonl(join(dir, 'tagged.jsonl'), lines);
    const options = { tokenizer: await loadTokenCounter('words'), model: null, termCapacity: 0 };
    const { report } = await buildReport([file], options);
    expect(report.counts).toMatchObject({ counted: 3, multi_label_docs: 3, full_scores_docs: 0, top_k_docs: 0 });
    expect(report.state.tags).toEqual([
      { group: null, lang: 'en', topic: 'x', docs: 1, chars: 3, tokens: 2 },
      { group: null, lang: 'en', topic: 'y', docs: 2, chars: 8, tokens: 5 },
    ]);
    // doc 1: 0.9 / 1.5 to x, 0.6 / 1.5 to y; doc 2: all to y; doc 3 (no tags): all to its top topic x
    expect(report.state.soft.map((c) => [c.topic, c.docs_e6])).toEqual([
      ['x', 1_600_000],
      ['y', 1_400_000],
    ]);
    const ml = report.summary.multi_label!;
    expect(ml.docs).toBe(3);
    expect(ml.by_tag.map((r) => [r.topic, r.docs, r.docs_share])).toEqual([
      ['y', 2, 2 / 3],
      ['x', 1, 1 / 3],
    ]);
    expect(ml.rules.tags).toBe('each document counts once under every one of its tags (tag shares add up to more than 1)');
    expect(report.summary.notes.some((n) => n.startsWith('Multi-label: 3 documents carry tags'))).toBe(true);

    const [one, two] = [writeJsonl(join(dir, 'p1.jsonl'), lines.slice(0, 1)), writeJsonl(join(dir, 'p2.jsonl'), lines.slice(1))];
    const parts = await Promise.all([one, two].map(async (f) => parseReport(JSON.stringify((await buildReport([f], options)).report), f)));
    const b = new ReportBuilder(parts[0]!.settings, null);
    parts.forEach((p, i) => b.merge(p, `part-${i}.json`));
    const merged = b.build();
    expect(merged.state.tags).toEqual(report.state.tags);
    expect(merged.state.soft).toEqual(report.state.soft);
    expect(merged.counts.multi_label_docs).toBe(3);
  });
});

const BDCI = join(import.meta.dirname, '..', '..', 'shared', 'data', 'bdci2018_car_subjects');

describe.skipIf(!existsSync(join(BDCI, 'READY_bdci2018_car_subjects')) && !existsSync(join(BDCI, 'train.jsonl')))('real data: bdci2018_car_subjects (multi-label car-forum comments)', () => {
  it('train picks multi-label by itself and beats the softmax top label on test micro-F1', async () => {
    const dir = tempDir();
    const train = join(BDCI, 'train.jsonl');
    const test = join(BDCI, 'test.jsonl');
    const ml = await trainModel({ data: [train], out: join(dir, 'ml') });
    expect(ml.meta.multiLabel).toMatchObject({ tunedOn: 'held-out', nTune: 746 });
    await trainModel({ data: [train], out: join(dir, 'sm'), multiLabel: false });
    const a = await evaluateModel({ model: join(dir, 'ml'), data: [test] });
    const b = await evaluateModel({ model: join(dir, 'sm'), data: [test] });
    expect(a.multi_label!.micro_f1).toBeGreaterThan(0.8);
    expect(a.multi_label!.micro_f1).toBeGreaterThan(b.multi_label!.micro_f1);
  }, 120_000);
});
