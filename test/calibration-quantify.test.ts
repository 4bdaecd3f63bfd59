import { describe, expect, it } from 'vitest';
import { applyTemperature, expectedCalibrationError, fitTemperature } from '../src/eval/calibration.js';
import { DEFAULT_SHRINKAGE, adjustedShares, correctedShares, projectSimplex, totalVariation } from '../src/eval/quantify.js';
import { outputLine, tagFormat } from '../src/pipeline/output-record.js';
import { summarize } from '../src/report/summary.js';
import { Rng } from '../src/model/rng.js';

describe('temperature scaling', () => {
  it('T = 1 changes nothing; an overconfident model gets T > 1 and a lower ECE', () => {
    const K = 3;
    const rng = new Rng(7);
    const n = 2000;
    const probs = new Float64Array(n * K);
    const gold = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const pred = rng.int(K);
      // says 0.98 but is right 70% of the time
      gold[i] = rng.next() < 0.7 ? pred : (pred + 1 + rng.int(K - 1)) % K;
      for (let k = 0; k < K; k++) probs[i * K + k] = k === pred ? 0.98 : 0.01;
    }
    expect(Array.from(applyTemperature(probs.subarray(0, 6), K, 1)).map((x) => Math.round(x * 1e9) / 1e9)).toEqual([...probs.subarray(0, 6)].map((x) => Math.round(x * 1e9) / 1e9));
    const T = fitTemperature(probs, gold, K);
    expect(T).toBeGreaterThan(1.5);
    const before = expectedCalibrationError(probs, gold, K);
    const after = expectedCalibrationError(applyTemperature(probs, K, T), gold, K);
    expect(before).toBeCloseTo(0.28, 1);
    expect(after).toBeLessThan(0.03);
  });
});

describe('adjusted classify-and-count', () => {
  it('recovers the true shares exactly when tag counts follow the confusion matrix', () => {
    // true shares 0.5 / 0.3 / 0.2; class 0 is tagged 1 a fifth of the time
    const confusion = [
      [80, 20, 0],
      [0, 90, 10],
      [0, 0, 100],
    ];
    const p = [0.5, 0.3, 0.2];
    const M = (j: number, i: number): number => confusion[i]![j]! / confusion[i]!.reduce((a, b) => a + b, 0);
    const tags = [0, 1, 2].map((j) => Math.round(1e6 * [0, 1, 2].reduce((s, i) => s + M(j, i) * p[i]!, 0)));
    const est = adjustedShares(tags, confusion);
    est.forEach((x, i) => expect(x).toBeCloseTo(p[i]!, 4));
    expect(
      totalVariation(
        tags.map((t) => t / 1e6),
        p,
      ),
    ).toBeCloseTo(0.1, 6);
  });

  it('stays on the simplex and gives an interval around the estimate, the same for a seed', () => {
    const r = correctedShares(
      [30, 50, 20],
      [
        [8, 2, 0],
        [1, 8, 1],
        [0, 3, 7],
      ],
      { replicates: 100, seed: 5 },
    );
    expect(r.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    r.shares.forEach((s, i) => {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(r.lo[i]!).toBeLessThanOrEqual(s + 1e-9);
      expect(r.hi[i]!).toBeGreaterThanOrEqual(s - 1e-9);
    });
    expect(
      correctedShares(
        [30, 50, 20],
        [
          [8, 2, 0],
          [1, 8, 1],
          [0, 3, 7],
        ],
        { replicates: 100, seed: 5 },
      ),
    ).toEqual(r);
    expect(projectSimplex([2, 0, -1])).toEqual([1, 0, 0]);
  });
});

describe('abstain in classify output', () => {
  const labels = ['food', 'tech', 'none'];
  const f = tagFormat(labels, { topK: 2, threshold: 0.5, allScores: false }, 'none');
  it('writes topic null and abstain "none" when the abstain label is on top', () => {
    expect(outputLine('{"text":"x"}', { text: 'x' }, Float32Array.from([0.2, 0.1, 0.7]), 'en', 0, f)).toBe(
      '{"text":"x","topic":null,"abstain":"none","topic_score":0.7,"topics":[{"label":"none","score":0.7},{"label":"food","score":0.2}],"lang":"en"}',
    );
  });
  it('says below_threshold when the top topic is not probable enough, and nothing otherwise', () => {
    expect(outputLine('{"text":"x"}', { text: 'x' }, Float32Array.from([0.45, 0.35, 0.2]), 'en', 0, f)).toContain('"topic":null,"abstain":"below_threshold","topic_score":0.45');
    expect(outputLine('{"text":"x"}', { text: 'x' }, Float32Array.from([0.6, 0.2, 0.2]), 'en', 0, f)).toContain('"topic":"food","topic_score":0.6');
  });
});

describe('report: corrected shares', () => {
  it('are computed per language from the hard counts and the calibration counts', () => {
    const cell = (lang: string, topic: string, docs: number) => ({
      group: null,
      lang,
      topic,
      docs,
      chars: docs,
      tokens: docs,
      confidence_e6: 0,
      hist: new Array(10).fill(0),
      uncertain_docs: 0,
      uncertain_tokens: 0,
      below_threshold_docs: 0,
    });
    const confusion = [
      [8, 2],
      [0, 10],
    ];
    const report = {
      schema: 'topicmix/report@1' as const,
      model: { name: 'm', data_hash: null, id: 'm', labels: ['a', 'b'], labels_source: 'model' as const, calibration: { source: 'test', labels: ['a', 'b'], confusion: { en: confusion } } },
      settings: { tokenizer: 'chars', tokenizer_description: '', group_by: null, text_field: 'text', uncertain_below: 0.5, hist_bins: 10, term_capacity: 0, top_terms: 0 },
      inputs: [],
      counts: { read: 100, counted: 100, errors: 0, errors_by_code: {}, full_scores_docs: 100, top_k_docs: 0 },
      state: { cells: [cell('en', 'a', 40), cell('en', 'b', 60), cell('zh', 'a', 10)], soft: [], terms: [] },
    };
    const s = summarize(report);
    expect(s.corrected!.by_lang.map((l) => l.lang)).toEqual(['en']);
    const rows = s.corrected!.by_lang[0]!.rows;
    // q_a = 0.8 p_a -> the unshrunk solution is p_a = 0.5; shrinkage towards q keeps it between 0.4 and 0.5
    expect(rows[0]!.raw_share).toBeCloseTo(0.4, 12);
    expect(adjustedShares([40, 60], confusion)[0]).toBeCloseTo(0.5, 4);
    const expected = adjustedShares([40, 60], confusion, DEFAULT_SHRINKAGE);
    expect(rows[0]!.share).toBeCloseTo(expected[0]!, 9);
    expect(rows[0]!.share).toBeGreaterThan(0.45);
    expect(rows[0]!.share).toBeLessThan(0.5);
    expect(s.corrected!.method).toMatch(/^adjusted classify-and-count on hard counts/);
  });
});

describe('rebalance on corrected shares', () => {
  it('scales each corrected cell by corrected / raw share and names the corrected languages', async () => {
    const { correctedCells } = await import('../src/rebalance/corpus-cells.js');
    const cell = (lang: string, topic: string, docs: number) => ({
      group: null,
      lang,
      topic,
      docs,
      chars: docs * 10,
      tokens: docs * 3,
      confidence_e6: 0,
      hist: new Array(10).fill(0),
      uncertain_docs: 0,
      uncertain_tokens: 0,
      below_threshold_docs: 0,
    });
    const report = {
      state: { cells: [cell('en', 'a', 40), cell('en', 'b', 60), cell('zh', 'a', 10)], soft: [], terms: [] },
      summary: {
        corrected: {
          method: 'm',
          source: 's',
          replicates: 1,
          by_lang: [
            {
              lang: 'en',
              docs: 100,
              rows: [
                { topic: 'a', raw_share: 0.4, share: 0.5, lo: 0, hi: 1 },
                { topic: 'b', raw_share: 0.6, share: 0.5, lo: 0, hi: 1 },
              ],
            },
          ],
        },
      },
    } as unknown as Parameters<typeof correctedCells>[0];
    const r = correctedCells(report, 'tokens');
    expect(r.corrected).toEqual(['en']);
    expect(r.cells).toEqual([
      { topic: 'a', lang: 'zh', docs: 10, amount: 30 },
      { topic: 'a', lang: 'en', docs: 50, amount: 150 },
      { topic: 'b', lang: 'en', docs: 50, amount: 150 },
    ]);
  });
});
