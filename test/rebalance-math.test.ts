import { describe, expect, it } from 'vitest';
import { parseAmount } from '../src/rebalance/amount.js';
import { feedbackUpdate } from '../src/rebalance/feedback.js';
import { rebalance, type RebalanceOptions } from '../src/rebalance/plan.js';
import { solveClamped } from '../src/rebalance/solve-clamped.js';
import { parseTargetSpec } from '../src/rebalance/target-spec.js';
import type { WeightsFile } from '../src/rebalance/weights-types.js';
import type { Report } from '../src/report/report-types.js';
import { makeReport } from './fixtures/tagged/reports.js';

// science: en 600 + zh 200 = 800 tokens; law: en 100 + zh 100 = 200; en 700, zh 300; total 1000.
const base = makeReport([
  { topic: 'science', lang: 'en', tokens: 600 },
  { topic: 'science', lang: 'zh', tokens: 200 },
  { topic: 'law', lang: 'en', tokens: 100 },
  { topic: 'law', lang: 'zh', tokens: 100 },
]);

async function plan(yaml: string, report: Report = base, opts: Partial<RebalanceOptions> = {}): Promise<WeightsFile> {
  return rebalance(report, parseTargetSpec(yaml, 'target.yaml'), { reportFile: 'report.json', targetFile: 'target.yaml', normalise: false, ...opts });
}

function w(r: WeightsFile, topic: string, lang: string): number {
  const c = r.cells.find((x) => x.topic === topic && x.lang === lang);
  if (c === undefined) throw new Error(`no cell ${lang}/${topic}`);
  return c.weight;
}

function share(rows: WeightsFile['by_topic'], key: string): number {
  return rows.find((r) => r.key === key)!.achieved_share;
}

describe('method target', () => {
  it('per topic: the language split inside a topic follows the data', async () => {
    const r = await plan('topics: {science: 0.5, law: 0.5}');
    // science: 500 of 800 -> 0.625; law: 500 of 200 -> 2.5
    expect(w(r, 'science', 'en')).toBeCloseTo(0.625, 12);
    expect(w(r, 'science', 'zh')).toBeCloseTo(0.625, 12);
    expect(w(r, 'law', 'en')).toBeCloseTo(2.5, 12);
    expect(w(r, 'law', 'zh')).toBeCloseTo(2.5, 12);
    expect(share(r.by_topic, 'law')).toBeCloseTo(0.5, 12);
    expect(r.budget).toBe(1000);
    expect(r.budget_source).toBe('corpus');
    expect(r.shortfalls).toEqual([]);
  });

  it('per language, with a budget', async () => {
    const r = await plan('languages: {zh: 0.2, en: 0.8}\nbudget: 2k');
    // zh: 400 of 300 -> 4/3; en: 1600 of 700 -> 16/7
    expect(w(r, 'science', 'zh')).toBeCloseTo(4 / 3, 12);
    expect(w(r, 'law', 'zh')).toBeCloseTo(4 / 3, 12);
    expect(w(r, 'science', 'en')).toBeCloseTo(16 / 7, 12);
    expect(r.totals.achieved).toBeCloseTo(2000, 9);
    expect(share(r.by_lang, 'zh')).toBeCloseTo(0.2, 12);
  });

  it('states a shortfall at the repeat cap and redistributes the rest in proportion to the targets', async () => {
    const r = await plan('topics: {science: 0.5, law: 0.5}\nmax_repeat: 2');
    // law can reach at most 2 x 200 = 400 of its 500; science takes the other 600 of 800 -> 0.75.
    expect(w(r, 'law', 'en')).toBeCloseTo(2, 12);
    expect(w(r, 'science', 'en')).toBeCloseTo(0.75, 12);
    expect(share(r.by_topic, 'law')).toBeCloseTo(0.4, 12);
    expect(r.shortfalls).toHaveLength(1);
    expect(r.shortfalls[0]).toMatchObject({ key: 'law', target_amount: 500, max_amount: 400, achieved_amount: 400, missing_amount: 100 });
    expect(r.shortfalls[0]!.message).toMatch(/topic "law": target 50\.00% = 500 tokens, but only 200 tokens are available, at most 400 with max_repeat 2/);
    expect(r.cells.filter((c) => c.bound === 'max_repeat').map((c) => c.topic)).toEqual(['law', 'law']);
  });

  it('on_shortfall: shrink keeps the other targets and lets the total fall short', async () => {
    const r = await plan('topics: {science: 0.5, law: 0.5}\nmax_repeat: 2\non_shortfall: shrink');
    expect(w(r, 'science', 'en')).toBeCloseTo(0.625, 12);
    expect(w(r, 'law', 'zh')).toBeCloseTo(2, 12);
    expect(r.totals.achieved).toBeCloseTo(900, 9);
    expect(share(r.by_topic, 'science')).toBeCloseTo(500 / 900, 12);
  });

  it('on_shortfall: proportional keeps every share and shrinks the mixture to what the caps allow', async () => {
    const r = await plan('topics: {science: 0.5, law: 0.5}\nmax_repeat: 2\non_shortfall: proportional');
    // law is capped at 2 x 200 = 400 = 0.5 x B', so B' = 800: science 400 of 800 -> 0.5, law 400 of 200 -> 2
    expect(r.totals.achieved).toBeCloseTo(800, 9);
    expect(w(r, 'science', 'en')).toBeCloseTo(0.5, 12);
    expect(w(r, 'science', 'zh')).toBeCloseTo(0.5, 12);
    expect(w(r, 'law', 'en')).toBeCloseTo(2, 12);
    expect(share(r.by_topic, 'law')).toBeCloseTo(0.5, 12);
    expect(r.notes.join('\n')).toMatch(/on_shortfall: proportional: every target share is kept, so the mixture has 800 tokens, not the budget of 1000/);
    // the zh:en 2:8 case: en (700) can give at most 1400 at max_repeat 2 = 0.8 x B' -> B' = 1750, zh 350
    const lang = await plan('languages: {zh: 0.2, en: 0.8}\nbudget: 2k\nmax_repeat: 2\non_shortfall: proportional');
    expect(lang.totals.achieved).toBeCloseTo(1750, 9);
    expect(share(lang.by_lang, 'zh')).toBeCloseTo(0.2, 12);
    expect(w(lang, 'science', 'zh')).toBeCloseTo(350 / 300, 12);
  });

  it('two-level: language shares, then topic shares within each language', async () => {
    const yaml = 'languages:\n  zh: {share: 0.5, topics: {science: 0.4, law: 0.6}}\n  en: {share: 0.5, topics: {science: 1}}';
    const r = await plan(yaml);
    expect(w(r, 'science', 'zh')).toBeCloseTo(1, 12); // 200 of 200
    expect(w(r, 'law', 'zh')).toBeCloseTo(3, 12); // 300 of 100
    expect(w(r, 'science', 'en')).toBeCloseTo(500 / 600, 12);
    expect(w(r, 'law', 'en')).toBe(0);
    expect(r.notes.join(' ')).toMatch(/en\/law/);
  });

  it('two-level with a capped cell: its siblings in the same language make up the difference first', async () => {
    const yaml = 'max_repeat: 2\nlanguages:\n  zh: {share: 0.5, topics: {science: 0.4, law: 0.6}}\n  en: {share: 0.5, topics: {science: 1}}';
    const r = await plan(yaml);
    // zh/law: at most 200 of its 300; zh/science takes 300 (lambda = 0.75) so zh stays at 500 = 50%.
    expect(w(r, 'law', 'zh')).toBeCloseTo(2, 12);
    expect(w(r, 'science', 'zh')).toBeCloseTo(1.5, 12);
    expect(share(r.by_lang, 'zh')).toBeCloseTo(0.5, 12);
    expect(r.shortfalls.map((s) => s.key)).toEqual(['zh/law']);
  });

  it('a floor keeps part of every cell; the budget is shared among the targeted cells', async () => {
    const r = await plan('topics: {science: 1}\nfloor: 0.1');
    expect(w(r, 'law', 'en')).toBeCloseTo(0.1, 12);
    expect(w(r, 'science', 'en')).toBeCloseTo(980 / 800, 12);
    expect(r.cells.find((c) => c.topic === 'law' && c.lang === 'zh')!.bound).toBe('floor');
    expect(r.totals.achieved).toBeCloseTo(1000, 9);
  });

  it('counts in documents or characters when unit says so', async () => {
    const r = await plan('unit: docs\ntopics: {science: 0.5, law: 0.5}');
    // docs = tokens / 10: science 80, law 20 -> weights 50/80 and 50/20
    expect(w(r, 'science', 'en')).toBeCloseTo(0.625, 12);
    expect(r.totals.available).toBe(100);
  });
});

describe('method temperature', () => {
  it('p_i proportional to n_i^alpha over languages', async () => {
    const r = await plan('method: temperature\ntemperature: {alpha: 0.5, over: language}');
    const pEn = Math.sqrt(700) / (Math.sqrt(700) + Math.sqrt(300));
    expect(share(r.by_lang, 'en')).toBeCloseTo(pEn, 12);
    expect(w(r, 'science', 'en')).toBeCloseTo((pEn * 1000) / 700, 12);
    expect(w(r, 'law', 'zh')).toBeCloseTo(((1 - pEn) * 1000) / 300, 12);
  });

  it('alpha 1 keeps the corpus as it is; alpha 0 is uniform over cells', async () => {
    const same = await plan('method: temperature\ntemperature: {alpha: 1}');
    for (const c of same.cells) expect(c.weight).toBeCloseTo(1, 12);
    const uniform = await plan('method: temperature\ntemperature: {alpha: 0}\nmax_repeat: 10');
    for (const c of uniform.cells) expect(c.achieved_share).toBeCloseTo(0.25, 12);
  });
});

describe('method feedback (Llama-3-SynE rule)', () => {
  it('follows f_i = 1 + alpha * delta_i * w_i and renormalises', async () => {
    const yaml = 'method: feedback\nfeedback:\n  alpha: 0.5\n  losses: {previous: {science: 2.0, law: 3.0}, current: {science: 2.1, law: 2.9}}';
    const r = await plan(yaml);
    // r(t-1) from the report: science 0.8, law 0.2; delta = +0.1, -0.1 -> normalised +1, -1; f = 1.5, 0.5
    // r(t) = (0.8*1.5, 0.2*0.5) / 1.3 = (12/13, 1/13)
    expect(share(r.by_topic, 'science')).toBeCloseTo(12 / 13, 12);
    expect(w(r, 'science', 'en')).toBeCloseTo(12000 / 13 / 800, 12);
    expect(w(r, 'law', 'zh')).toBeCloseTo(1000 / 13 / 200, 12);
    const units = r.feedback!.units;
    expect(units.map((u) => [u.unit, u.f])).toEqual([
      ['law', 0.5],
      ['science', 1.5],
    ]);
    expect(r.feedback!.previous_from).toBe('report');
  });

  it('caps the change per phase (YuLan-Mini: within 3 points)', async () => {
    const yaml = 'method: feedback\nfeedback:\n  alpha: 0.5\n  max_change: 0.03\n  losses: {previous: {science: 2.0, law: 3.0}, current: {science: 2.1, law: 2.9}}';
    const r = await plan(yaml);
    expect(share(r.by_topic, 'science')).toBeCloseTo(0.83, 12);
    expect(share(r.by_topic, 'law')).toBeCloseTo(0.17, 12);
    expect(r.feedback!.units.every((u) => u.clipped)).toBe(true);
  });

  it('projects onto the capped simplex exactly (three units, hand-computed)', () => {
    const units = feedbackUpdate({
      previous: new Map([
        ['a', 0.5],
        ['b', 0.3],
        ['c', 0.2],
      ]),
      lossPrevious: new Map([
        ['a', 2.0],
        ['b', 2.0],
        ['c', 2.0],
      ]),
      lossCurrent: new Map([
        ['a', 2.2],
        ['b', 1.9],
        ['c', 2.0],
      ]),
      alpha: 0.4,
      normalise: 'max_abs',
      weights: new Map(),
      maxChange: 0.05,
    });
    // delta = (0.2, -0.1, 0) -> (1, -0.5, 0); f = (1.4, 0.8, 1); raw = (0.7, 0.24, 0.2) / 1.14
    expect(units.map((u) => u.raw_share)).toEqual([0.7 / 1.14, 0.24 / 1.14, 0.2 / 1.14].map((x) => expect.closeTo(x, 12)));
    // a capped at 0.55, b at 0.25, c takes the rest: 0.2
    expect(units.map((u) => u.new_share)).toEqual([0.55, 0.25, 0.2].map((x) => expect.closeTo(x, 12)));
  });

  it('supports per-language losses, relative normalisation and topic weights', () => {
    const units = feedbackUpdate({
      previous: new Map([
        ['x', 0.5],
        ['y', 0.5],
      ]),
      lossPrevious: new Map([
        ['x', 2],
        ['y', 4],
      ]),
      lossCurrent: new Map([
        ['x', 2.2],
        ['y', 4],
      ]),
      alpha: 1,
      normalise: 'relative',
      weights: new Map([['x', 2]]),
      maxChange: null,
    });
    // delta_x = 0.2 / 2 = 0.1; f_x = 1 + 1 * 0.1 * 2 = 1.2; f_y = 1
    expect(units[0]!.new_share).toBeCloseTo(0.6 / 1.1, 12);
  });

  it('per_language scope keeps the language shares and updates topics within each', async () => {
    const yaml = [
      'method: feedback',
      'languages: {zh: 0.3, en: 0.7}',
      'feedback:',
      '  alpha: 0.5',
      '  scope: per_language',
      '  losses:',
      '    previous: {zh: {science: 2.0, law: 2.0}, en: {science: 2.0, law: 2.0}}',
      '    current: {zh: {science: 2.2, law: 2.0}, en: {science: 2.0, law: 2.0}}',
    ].join('\n');
    const r = await plan(yaml);
    expect(share(r.by_lang, 'zh')).toBeCloseTo(0.3, 12);
    // zh previous (from the target, data split): science 2/3, law 1/3; f = 1.5, 1 -> science 1/(1+1/3) = 0.75
    const zhScience = r.cells.find((c) => c.topic === 'science' && c.lang === 'zh')!;
    expect(zhScience.achieved_share).toBeCloseTo(0.3 * 0.75, 12);
    expect(r.feedback!.previous_from).toBe('target');
  });
});

describe('helpers', () => {
  it('parses budgets', () => {
    expect(parseAmount('100B')).toBe(1e11);
    expect(parseAmount('2.5T')).toBe(2.5e12);
    expect(parseAmount('300m')).toBe(3e8);
    expect(parseAmount('1_000')).toBe(1000);
    expect(parseAmount('1e9')).toBe(1e9);
    expect(parseAmount('lots')).toBeNull();
    expect(parseAmount('-5')).toBeNull();
  });

  it('solves clamped piecewise-linear sums exactly', () => {
    const terms = [
      { a: 1, b: 0, lo: 0, hi: 2 },
      { a: 2, b: 0, lo: 1, hi: 10 },
    ];
    // s = 3: min(3,2) + clamp(6,1,10) = 8
    expect(solveClamped(terms, 8)).toBeCloseTo(3, 12);
    // for 0.5 <= s <= 2 the sum is s + 2s
    expect(solveClamped(terms, 2.5)).toBeCloseTo(2.5 / 3, 12);
  });
});
