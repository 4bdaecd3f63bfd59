import { describe, expect, it } from 'vitest';
import { rebalance } from '../src/rebalance/plan.js';
import { parseTargetSpec } from '../src/rebalance/target-spec.js';
import type { WeightsFile } from '../src/rebalance/weights-types.js';
import { makeReport, type CellSpec } from './fixtures/tagged/reports.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const TOPICS = ['a', 'b', 'c', 'd', 'e'];
const LANGS = ['zh', 'en', 'mixed'];

function randomShares(keys: string[], rnd: () => number): Record<string, number> {
  const raw = keys.map(() => rnd() * rnd());
  const z = raw.reduce((s, x) => s + x, 0);
  return Object.fromEntries(keys.map((k, i) => [k, raw[i]! / z]));
}

function randomCase(seed: number): { cells: CellSpec[]; yaml: string; floor: number; maxRepeat: number } {
  const rnd = lcg(seed);
  const cells: CellSpec[] = [];
  for (const topic of TOPICS) for (const lang of LANGS) if (rnd() < 0.8) cells.push({ topic, lang, tokens: 1 + Math.floor(rnd() * 1e6 * rnd()) });
  if (cells.length === 0) cells.push({ topic: 'a', lang: 'en', tokens: 10 });
  const total = cells.reduce((s, c) => s + c.tokens, 0);
  const maxRepeat = 1 + Math.floor(rnd() * 5);
  const floor = rnd() < 0.5 ? 0 : rnd() * 0.2;
  const budget = Math.max(total * (0.2 + rnd() * 3), total * floor * 1.01);
  const topics = [...new Set(cells.map((c) => c.topic))];
  const langs = [...new Set(cells.map((c) => c.lang))];
  const kind = Math.floor(rnd() * 5);
  const head = `budget: ${budget}\nmax_repeat: ${maxRepeat}\nfloor: ${floor}\non_shortfall: ${pick(rnd(), ['redistribute', 'redistribute', 'redistribute', 'shrink', 'proportional'])}\n`;
  let body: string;
  if (kind === 0) body = `topics: ${JSON.stringify(randomShares(topics, rnd))}`;
  else if (kind === 1) body = `languages: ${JSON.stringify(randomShares(langs, rnd))}`;
  else if (kind === 2) {
    const nested = Object.fromEntries(Object.entries(randomShares(langs, rnd)).map(([l, s]) => [l, { share: s, topics: randomShares(topics, rnd) }]));
    body = `languages: ${JSON.stringify(nested)}`;
  } else if (kind === 3) body = `method: temperature\ntemperature: {alpha: ${rnd()}, over: ${['topic', 'language', 'cell'][Math.floor(rnd() * 3)]}}`;
  else {
    const prev = Object.fromEntries(topics.map((t) => [t, 1 + rnd() * 3]));
    const cur = Object.fromEntries(topics.map((t) => [t, prev[t]! + (rnd() - 0.5)]));
    body = `method: feedback\nfeedback: {alpha: ${0.1 + rnd() * 0.8}, max_change: ${rnd() < 0.5 ? 0.03 : 1}, losses: {previous: ${JSON.stringify(prev)}, current: ${JSON.stringify(cur)}}}`;
  }
  return { cells, yaml: head + body, floor, maxRepeat };
}

function pick<T>(u: number, xs: T[]): T {
  return xs[Math.floor(u * xs.length)]!;
}

async function run(seed: number): Promise<{ r: WeightsFile; floor: number; maxRepeat: number; yaml: string }> {
  const c = randomCase(seed);
  const r = await rebalance(makeReport(c.cells), parseTargetSpec(c.yaml, `case-${seed}.yaml`), {
    reportFile: 'report.json',
    targetFile: `case-${seed}.yaml`,
    normalise: false,
  });
  return { r, floor: c.floor, maxRepeat: c.maxRepeat, yaml: c.yaml };
}

const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);

describe('rebalance properties (200 random reports and targets)', () => {
  const seeds = Array.from({ length: 200 }, (_, i) => i + 1);

  it('weights are finite, non-negative and within [floor, max_repeat]', async () => {
    for (const seed of seeds) {
      const { r, floor, maxRepeat } = await run(seed);
      for (const c of r.cells) {
        expect(Number.isFinite(c.weight)).toBe(true);
        expect(c.weight).toBeGreaterThanOrEqual(floor * (1 - 1e-9));
        expect(c.weight).toBeLessThanOrEqual(maxRepeat * (1 + 1e-9));
      }
    }
  });

  it('achieved proportions sum to 1 and the budget is met unless a shortfall says otherwise', async () => {
    for (const seed of seeds) {
      const { r } = await run(seed);
      expect(sum(r.cells.map((c) => c.achieved_share))).toBeCloseTo(1, 9);
      expect(sum(r.by_topic.map((c) => c.achieved_share))).toBeCloseTo(1, 9);
      expect(sum(r.by_lang.map((c) => c.achieved_share))).toBeCloseTo(1, 9);
      expect(sum(r.by_topic.map((c) => c.target_share))).toBeCloseTo(1, 9);
      expect(r.totals.achieved).toBeLessThanOrEqual(r.budget * (1 + 1e-9));
      if (r.on_shortfall === 'redistribute' && !r.shortfalls.some((s) => s.key === '(budget)')) {
        expect(r.totals.achieved).toBeCloseTo(r.budget, 3);
      }
      for (const c of r.cells) expect(c.achieved_amount).toBeCloseTo(c.weight * c.available, 6);
    }
  });

  it('amounts carry no floating-point noise: at most 15 significant digits (300000, not 300000.00000000006)', async () => {
    let noisy = 0;
    for (const seed of seeds) {
      const { r } = await run(seed);
      const amounts = [
        r.totals.achieved,
        r.totals.docs_expected,
        ...[...r.cells, ...r.by_topic, ...r.by_lang, ...r.targets].flatMap((row) =>
          Object.entries(row)
            .filter(([k]) => k.endsWith('_amount'))
            .map(([, v]) => v as number),
        ),
      ];
      for (const x of amounts) expect(Number(x.toPrecision(15))).toBe(x);
      noisy += r.cells.filter((c) => c.weight * c.available !== c.achieved_amount).length;
    }
    expect(noisy).toBeGreaterThan(0); // the unrounded products do carry noise in these reports
  });

  it('on_shortfall: proportional meets every target share exactly, short or not (no floor)', async () => {
    let checked = 0;
    for (const seed of seeds) {
      const { r, floor } = await run(seed);
      if (r.on_shortfall !== 'proportional' || floor > 0 || r.method !== 'target') continue;
      // a target with no data at all cannot be met by any mixture
      if (r.shortfalls.some((x) => x.available === 0)) continue;
      for (const t of r.targets) expect(t.achieved_share).toBeCloseTo(t.target_share, 9);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('meets every target exactly when nothing is short and there is no floor', async () => {
    for (const seed of seeds) {
      const { r, floor } = await run(seed);
      if (r.shortfalls.length > 0 || floor > 0) continue;
      for (const t of r.targets) expect(t.achieved_share).toBeCloseTo(t.target_share, 9);
    }
  });

  it('every shortfall is a target that max_repeat cannot reach', async () => {
    for (const seed of seeds) {
      const { r } = await run(seed);
      for (const s of r.shortfalls) {
        if (s.key === '(budget)') continue;
        expect(s.max_amount).toBeLessThan(s.target_amount);
        expect(s.achieved_amount).toBeLessThanOrEqual(s.max_amount * (1 + 1e-9));
        expect(s.message.length).toBeGreaterThan(20);
      }
    }
  });

  it('is deterministic and never writes NaN', async () => {
    for (const seed of seeds.slice(0, 50)) {
      const a = await run(seed);
      const b = await run(seed);
      expect(JSON.stringify(a.r)).toBe(JSON.stringify(b.r));
      expect(JSON.stringify(a.r)).not.toMatch(/NaN|Infinity|null,\s*"target_share"/);
    }
  });
});
