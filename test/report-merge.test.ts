import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../src/report/build-report.js';
import { readModelIdentity } from '../src/report/model-info.js';
import { parseReport } from '../src/report/read-report.js';
import { ReportBuilder, ReportMergeError } from '../src/report/report-builder.js';
import type { Report } from '../src/report/report-types.js';
import { loadTokenCounter, type TokenizerName } from '../src/report/token-counter.js';
import { TermCounter } from '../src/report/term-summary.js';
import { tempDir } from './helpers/temp-dir.js';

const FIX = 'test/fixtures/tagged';
let dir: string;

beforeAll(async () => {
  dir = tempDir('topicmix-merge-');
});

async function reportOf(files: string[], opts: { tokenizer?: TokenizerName; model?: boolean; termCapacity?: number } = {}): Promise<Report> {
  const { report } = await buildReport(files, {
    textField: 'text',
    groupBy: 'source',
    tokenizer: await loadTokenCounter(opts.tokenizer ?? 'words'),
    model: opts.model ? await readModelIdentity(`${FIX}/model`) : null,
    uncertainBelow: 0.5,
    termCapacity: opts.termCapacity ?? 500,
    topTerms: 10,
  });
  // Partial reports travel as JSON files.
  return parseReport(JSON.stringify(report), files.join('+'));
}

function merge(parts: Report[]): Report {
  const b = new ReportBuilder(parts[0]!.settings, parts[0]!.model.labels_source === 'model' ? parts[0]!.model : null);
  parts.forEach((p, i) => b.merge(p, `part-${i}.json`));
  return b.build();
}

/** Deterministic pseudo-random numbers for generating test corpora. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'market', 'stock', 'game', 'team', '经济', '市场', '体育', '比赛', '科学', '研究'];
const LABELS = ['law', 'science', 'sports'];

async function syntheticShards(n: number, shards: number, seed: number): Promise<string[]> {
  const rnd = lcg(seed);
  const files = Array.from({ length: shards }, (_, i) => join(dir, `s${seed}-${i}.jsonl`));
  const lines: string[][] = files.map(() => []);
  for (let i = 0; i < n; i++) {
    const raw = LABELS.map(() => rnd() + 0.01);
    const z = raw.reduce((a, b) => a + b, 0);
    const probs = raw.map((x) => x / z);
    const order = [...LABELS.keys()].sort((a, b) => probs[b]! - probs[a]!);
    const top = order[0]!;
    const text = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
    const full = rnd() < 0.5;
    const doc: Record<string, unknown> = {
      id: `x${i}`,
      source: rnd() < 0.5 ? 'web' : 'book',
      text,
      lang: ['zh', 'en', 'mixed'][Math.floor(rnd() * 3)],
      topic: probs[top]! < 0.4 ? null : LABELS[top],
      topic_score: probs[top],
      topics: order.slice(0, 2).map((k) => ({ label: LABELS[k], score: probs[k] })),
    };
    if (full) doc.scores = Object.fromEntries(LABELS.map((l, k) => [l, probs[k]]));
    lines[Math.floor(rnd() * shards)]!.push(JSON.stringify(doc));
  }
  await Promise.all(files.map((f, i) => writeFile(f, lines[i]!.join('\n') + '\n')));
  return files;
}

describe('mergeable partial reports', () => {
  it('merging per-file reports equals the report over all files at once (whole report)', async () => {
    const files = [`${FIX}/mini.jsonl`, `${FIX}/topk.jsonl`, `${FIX}/bad.jsonl`];
    const whole = await reportOf(files);
    const parts = await Promise.all(files.map((f) => reportOf([f])));
    expect(merge(parts)).toEqual(whole);
    expect(merge([parts[2]!, parts[0]!, parts[1]!])).toEqual(whole);
    expect(JSON.stringify(merge(parts))).toBe(JSON.stringify(whole));
  });

  it('is exact for every numeric field with floating-point probabilities, in any order and grouping', async () => {
    const files = await syntheticShards(3000, 5, 42);
    const whole = await reportOf(files, { termCapacity: 100 });
    const parts = await Promise.all(files.map((f) => reportOf([f], { termCapacity: 100 })));
    const a = merge(parts);
    const b = merge([merge([parts[4]!, parts[1]!]), merge([parts[0]!, parts[3]!, parts[2]!])]);
    for (const m of [a, b]) {
      expect(m.counts).toEqual(whole.counts);
      expect(m.state.cells).toEqual(whole.state.cells);
      expect(m.state.soft).toEqual(whole.state.soft);
      expect({ ...m.summary, top_terms: [] }).toEqual({ ...whole.summary, top_terms: [] });
      expect(m.inputs).toEqual(whole.inputs);
    }
    // 14 distinct words fit the term capacity: top terms are exact as well.
    expect(a.state.terms).toEqual(whole.state.terms);
    expect(JSON.stringify(a)).not.toMatch(/NaN|Infinity/);
  });

  it('refuses partial reports made with other settings or another model, naming the file and key', async () => {
    const words = await reportOf([`${FIX}/mini.jsonl`]);
    const chars = await reportOf([`${FIX}/topk.jsonl`], { tokenizer: 'chars' });
    expect(() => merge([words, chars])).toThrow(ReportMergeError);
    expect(() => merge([words, chars])).toThrow(/part-1\.json: settings\.tokenizer is "chars"/);

    const modelled = await reportOf([`${FIX}/mini.jsonl`], { model: true });
    const other = { ...modelled, model: { ...modelled.model, name: 'other', id: 'other@abc' } };
    expect(() => merge([modelled, other])).toThrow(/part-1\.json: model\.id is "other@abc"/);
    // A part made without a model does not merge with parts counted with one, in either order (issue 11).
    expect(() => merge([modelled, words])).toThrow(/part-1\.json: was made without `model` \(labels from the data\), but the reports merged before it were counted with model mini-topics@/);
    expect(() => merge([words, modelled])).toThrow(/part-1\.json: was counted with model mini-topics@\w+, but the reports merged before it were made without `model`/);
  });
});

describe('TermCounter (Misra-Gries)', () => {
  it('is exact while the distinct terms fit, and within maxError after pruning', () => {
    const rnd = lcg(7);
    const truth = new Map<string, number>();
    const c = new TermCounter(20);
    for (let i = 0; i < 20000; i++) {
      // Zipf-like: a few frequent terms, a long tail.
      const t = `t${Math.floor(1 / (rnd() + 0.002))}`;
      truth.set(t, (truth.get(t) ?? 0) + 1);
      c.add(t);
    }
    expect(c.maxError).toBeGreaterThan(0);
    for (const [t, n] of truth) {
      const est = c.counts.get(t) ?? 0;
      expect(est).toBeLessThanOrEqual(n);
      expect(n - est).toBeLessThanOrEqual(c.maxError);
    }
    const small = new TermCounter(20);
    for (const t of ['a', 'b', 'a', 'c', 'a', 'b']) small.add(t);
    expect(small.sorted()).toEqual([
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ]);
    expect(small.maxError).toBe(0);
  });
});
