import { describe, expect, it } from 'vitest';
import { computeMetrics, formatMetricsTable, metricsByGroup, metricsMarkdown, type EvalMetrics } from '../src/eval/metrics.js';

function hasNaN(x: unknown): boolean {
  if (typeof x === 'number') return Number.isNaN(x);
  if (Array.isArray(x)) return x.some(hasNaN);
  if (x && typeof x === 'object') return Object.values(x).some(hasNaN);
  return false;
}

// 3-class toy case; confusion a:[2,1,0] b:[0,1,1] c:[1,0,2].
const toy = {
  gold: [['a'], ['a'], ['a'], ['b'], ['b'], ['c'], ['c'], ['c']],
  pred: ['a', 'a', 'b', 'b', 'c', 'c', 'a', 'c'],
  conf: [0.9, 0.8, 0.6, 0.7, 0.4, 0.95, 0.3, 0.5],
  labels: ['a', 'b', 'c'],
};

describe('computeMetrics', () => {
  it('3-class toy case, computed by hand', () => {
    const m = computeMetrics(toy.gold, toy.pred, toy.conf, toy.labels, { bins: 5 });
    expect(m.n).toBe(8);
    expect(m.accuracy).toBeCloseTo(5 / 8, 12);
    expect(m.confusion).toEqual({
      labels: ['a', 'b', 'c'],
      matrix: [
        [2, 1, 0],
        [0, 1, 1],
        [1, 0, 2],
      ],
    });
    expect(m.per_class.a!.precision).toBeCloseTo(2 / 3, 12);
    expect(m.per_class.a!.recall).toBeCloseTo(2 / 3, 12);
    expect(m.per_class.a!.f1).toBeCloseTo(2 / 3, 12);
    expect(m.per_class.a!.support).toBe(3);
    expect(m.per_class.b).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(m.per_class.c!.f1).toBeCloseTo(2 / 3, 12);
    expect(m.macro_f1).toBeCloseTo(11 / 18, 12);
    expect(m.worst_class_accuracy).toBe(0.5);

    // Bins (lower, upper]: 0.4 -> (0.2,0.4], 0.6 -> (0.4,0.6], 0.8 -> (0.6,0.8].
    expect(m.ece_bins).toBe(5);
    expect(m.reliability.map((r) => r.count)).toEqual([0, 2, 2, 2, 2]);
    expect(m.reliability.map((r) => r.accuracy)).toEqual([0, 0, 0.5, 1, 1]);
    const confs = m.reliability.map((r) => r.confidence);
    [0, 0.35, 0.55, 0.75, 0.925].forEach((c, i) => expect(confs[i]).toBeCloseTo(c, 12));
    expect(m.reliability[1]).toMatchObject({ bin_lower: 0.2, bin_upper: 0.4 });
    // (2/8) * (0.35 + 0.05 + 0.25 + 0.075)
    expect(m.ece).toBeCloseTo(0.18125, 12);
  });

  it('uses 15 bins by default and puts exact edges in the lower bin', () => {
    const m = computeMetrics([['a'], ['a'], ['a']], ['a', 'a', 'a'], [0.7, 0, 1], ['a']);
    expect(m.ece_bins).toBe(15);
    expect(m.reliability).toHaveLength(15);
    expect(m.reliability[0]!.count).toBe(1); // 0
    expect(m.reliability[14]!.count).toBe(1); // 1
    const m10 = computeMetrics([['a']], ['a'], [0.7], ['a'], { bins: 10 });
    expect(m10.reliability[6]!.count).toBe(1); // 0.7 in (0.6, 0.7], not (0.7, 0.8]
  });

  it('multi-label gold: correct if in the set, confusion row is the matched label', () => {
    const m = computeMetrics([['a', 'b'], ['a', 'b'], ['c']], ['b', 'c', 'c'], [1, 1, 1], ['a', 'b', 'c']);
    expect(m.accuracy).toBeCloseTo(2 / 3, 12);
    expect(m.confusion.matrix).toEqual([
      [0, 0, 1],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(m.per_class.a).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(m.per_class.b).toEqual({ precision: 1, recall: 1, f1: 1, support: 1 });
    expect(m.per_class.c!.precision).toBe(0.5);
    expect(m.per_class.c!.recall).toBe(1);
    expect(m.per_class.c!.f1).toBeCloseTo(2 / 3, 12);
    expect(m.macro_f1).toBeCloseTo(5 / 9, 12);
    expect(m.worst_class_accuracy).toBe(0);
  });

  it('classes absent from gold and predictions are zero and left out of macro-F1', () => {
    const m = computeMetrics([['a'], ['b'], ['a']], ['a', 'c', 'a'], [0.9, 0.9, 0.9], ['a', 'b', 'c', 'd']);
    expect(m.per_class.d).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    // c is predicted (f1 0, counted); d is neither (not counted): (1 + 0 + 0) / 3
    expect(m.per_class.c).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.macro_f1).toBeCloseTo(1 / 3, 12);
    expect(m.worst_class_accuracy).toBe(0);
    expect(formatMetricsTable(m)).toMatch(/^d\s+-\s+-\s+-\s+0$/m);
  });

  it('appends labels missing from the label list instead of dropping them', () => {
    const m = computeMetrics([['a'], ['x']], ['y', 'x'], [0.5, 0.5], ['a']);
    expect(m.confusion.labels).toEqual(['a', 'y', 'x']);
    expect(m.confusion.matrix).toEqual([
      [0, 1, 0],
      [0, 0, 0],
      [0, 0, 1],
    ]);
  });

  it('empty input: all zeros, no NaN', () => {
    const m = computeMetrics([], [], [], ['a', 'b']);
    expect(m.n).toBe(0);
    expect(m.accuracy).toBe(0);
    expect(m.macro_f1).toBe(0);
    expect(m.worst_class_accuracy).toBe(0);
    expect(m.ece).toBe(0);
    expect(m.per_class.a).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.confusion.matrix).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(m.reliability.every((r) => r.count === 0 && r.accuracy === 0 && r.confidence === 0)).toBe(true);
    expect(hasNaN(m)).toBe(false);
    expect(formatMetricsTable(m)).not.toContain('NaN');
    expect(metricsMarkdown(m)).not.toContain('NaN');
  });

  it('weights scale every count', () => {
    const m = computeMetrics([['a'], ['b']], ['a', 'a'], [1, 1], ['a', 'b'], { weights: [3, 1] });
    expect(m.n).toBe(2);
    expect(m.accuracy).toBe(0.75);
    expect(m.confusion.matrix).toEqual([
      [3, 0],
      [1, 0],
    ]);
    expect(m.per_class.a!.precision).toBe(0.75);
    expect(m.ece).toBeCloseTo(0.25, 12);
  });

  it('rejects mismatched lengths, empty gold sets and bad numbers', () => {
    expect(() => computeMetrics([['a']], [], [], ['a'])).toThrow(/length mismatch/);
    expect(() => computeMetrics([[]], ['a'], [0.5], ['a'])).toThrow(/no gold label/);
    expect(() => computeMetrics([['a']], ['a'], [NaN], ['a'])).toThrow(/confidence/);
    expect(() => computeMetrics([['a']], ['a'], [0.5], ['a'], { weights: [-1] })).toThrow(/weight/);
    expect(() => computeMetrics([['a']], ['a'], [0.5], ['a'], { bins: 0 })).toThrow(/bins/);
  });
});

describe('metricsByGroup', () => {
  it('splits documents by group', () => {
    const groups = ['zh', 'en', 'zh', 'en', 'zh', 'en', 'zh', 'en'];
    const byLang = metricsByGroup(groups, toy.gold, toy.pred, toy.conf, toy.labels);
    expect(Object.keys(byLang)).toEqual(['en', 'zh']);
    expect(byLang.zh!.n).toBe(4);
    // zh docs: 0,2,4,6 -> a/a ok, a/b no, b/c no, c/a no
    expect(byLang.zh!.accuracy).toBe(0.25);
    // en docs: 1,3,5,7 -> all correct
    expect(byLang.en!.accuracy).toBe(1);
  });
});

describe('formatting', () => {
  const m: EvalMetrics = computeMetrics(toy.gold, toy.pred, toy.conf, toy.labels, { bins: 5 });

  it('text table', () => {
    const t = formatMetricsTable(m);
    expect(t).toContain('label  precision  recall     f1  support');
    expect(t).toMatch(/^b\s+0\.500\s+0\.500\s+0\.500\s+2$/m);
    expect(t).toMatch(/^accuracy\s+0\.625$/m);
    expect(t).toMatch(/^macro-F1\s+0\.611$/m);
    expect(t).toMatch(/^worst-class accuracy\s+0\.500$/m);
    expect(t).toMatch(/^ECE \(5 bins\)\s+0\.181$/m);
  });

  it('markdown', () => {
    const md = metricsMarkdown(m);
    expect(md).toContain('| accuracy | 0.625 |');
    expect(md).toContain('| b | 0.500 | 0.500 | 0.500 | 2 |');
    expect(md).toContain('| a | 2 | 1 | 0 |');
  });
});
