import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rebalance } from '../src/rebalance/plan.js';
import { parseTargetSpec } from '../src/rebalance/target-spec.js';
import type { WeightsFile } from '../src/rebalance/weights-types.js';
import { buildReport } from '../src/report/build-report.js';
import { loadTokenCounter } from '../src/report/token-counter.js';
import { copiesFor } from '../src/sample/copies.js';
import { runSample, type SampleStats } from '../src/sample/run-sample.js';
import { hash53, uniform } from '../src/model/seeded-hash.js';
import type { ErrorRecord } from '../src/types.js';
import { tempDir } from './helpers/temp-dir.js';

let dir: string;
let corpus: string;
let shards: string[];
let weights: WeightsFile;

// 100k documents in four cells; the target moves the mixture far from the corpus proportions.
const CELLS = [
  { topic: 'a', lang: 'en', n: 40000 },
  { topic: 'b', lang: 'en', n: 30000 },
  { topic: 'c', lang: 'zh', n: 20000 },
  { topic: 'd', lang: 'zh', n: 10000 },
];

function docLine(i: number, topic: string, lang: string): string {
  const text = 'x'.repeat(1 + (i % 7));
  return JSON.stringify({ id: `doc-${i}`, text, lang, topic, topic_score: 0.9, topics: [{ label: topic, score: 0.9 }] });
}

beforeAll(async () => {
  dir = tempDir('topicmix-sample-');
  const lines: string[] = [];
  let i = 0;
  for (const c of CELLS) for (let k = 0; k < c.n; k++) lines.push(docLine(i++, c.topic, c.lang));
  // Interleave the cells so shards see all of them.
  lines.sort((x, y) => hash53(x, 3) - hash53(y, 3));
  corpus = join(dir, 'corpus.jsonl');
  await writeFile(corpus, lines.join('\n') + '\n');
  shards = [join(dir, 'shard-0.jsonl'), join(dir, 'shard-1.jsonl'), join(dir, 'shard-2.jsonl')];
  await Promise.all(shards.map((f, s) => writeFile(f, lines.filter((_, k) => k % 3 === s).join('\n') + '\n')));

  const { report } = await buildReport([corpus], {
    textField: 'text',
    groupBy: null,
    tokenizer: await loadTokenCounter('chars'),
    model: null,
    uncertainBelow: 0.5,
    termCapacity: 0,
    topTerms: 0,
  });
  const spec = parseTargetSpec('unit: docs\nmax_repeat: 4\ntopics: {a: 0.1, b: 0.3, c: 0.35, d: 0.25}', 'target.yaml');
  weights = await rebalance(report, spec, { reportFile: 'report.json', targetFile: 'target.yaml', normalise: false });
}, 60_000);

async function sample(files: string[], seed: number, manifest = false, w: WeightsFile = weights): Promise<{ out: string; stats: SampleStats; errors: ErrorRecord[] }> {
  const chunks: string[] = [];
  const errors: ErrorRecord[] = [];
  const stats = await runSample(
    files,
    {
      write(s) {
        chunks.push(s);
        return undefined;
      },
    },
    { weights: w, seed, idField: 'id', textField: 'text', manifest, onError: (e) => void errors.push(e) },
  );
  return { out: chunks.join(''), stats, errors };
}

describe('copies per document', () => {
  it('is floor(w) plus one with probability frac(w)', () => {
    expect(copiesFor(0, 0)).toBe(0);
    expect(copiesFor(2.3, 0.29)).toBe(3);
    expect(copiesFor(2.3, 0.31)).toBe(2);
    expect(copiesFor(1, 0.999)).toBe(1);
    expect(copiesFor(0.5, 0.5)).toBe(0);
  });

  it('draws are uniform and depend only on (seed, key)', () => {
    const n = 100000;
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) bins[Math.floor(uniform(`doc-${i}`, 1) * 10)]!++;
    for (const b of bins) expect(Math.abs(b - n / 10)).toBeLessThan(5 * Math.sqrt(n * 0.1 * 0.9));
    expect(uniform('doc-1', 1)).toBe(uniform('doc-1', 1));
    expect(uniform('doc-1', 1)).not.toBe(uniform('doc-1', 2));
  });
});

describe('sample on a 100k-document synthetic corpus', () => {
  it('matches the weights within sampling error, per cell and overall', async () => {
    const { stats, out } = await sample([corpus], 1);
    expect(stats).toMatchObject({ read: 100000, counted: 100000, errors: 0 });
    for (const c of stats.cells) {
      const frac = c.weight - Math.floor(c.weight);
      const sd = Math.sqrt(c.docs_in * frac * (1 - frac));
      expect(Math.abs(c.copies_out - c.expected_copies)).toBeLessThanOrEqual(5 * sd + 1e-9);
    }
    const total = stats.cells.reduce((s, c) => s + c.copies_out, 0);
    expect(out.split('\n').length - 1).toBe(total);
    for (const w of weights.by_topic) {
      const got = stats.cells.filter((c) => c.topic === w.key).reduce((s, c) => s + c.copies_out, 0) / total;
      expect(Math.abs(got - w.achieved_share)).toBeLessThan(0.005);
    }
    // d is short: 10k docs x max_repeat 4 = 40k of the 25k asked -> fine; weights are exact target here.
    expect(weights.shortfalls).toEqual([]);
  });

  it('is deterministic for a seed and independent of sharding', async () => {
    const a = await sample([corpus], 7, true);
    const b = await sample([corpus], 7, true);
    expect(a.out).toBe(b.out);
    const parse = (s: string): string[] =>
      s
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; copies: number })
        .map((m) => `${m.id}:${m.copies}`)
        .sort();
    const sharded = await sample(shards, 7, true);
    expect(parse(sharded.out)).toEqual(parse(a.out));
    const other = await sample([corpus], 8, true);
    expect(parse(other.out)).not.toEqual(parse(a.out));
  });

  it('writes documents unchanged, repeated per weight', async () => {
    const { out } = await sample([corpus], 1);
    const first = out.split('\n')[0]!;
    const obj = JSON.parse(first) as { id: string; topic: string };
    expect(first).toBe(docLine(Number(obj.id.slice(4)), obj.topic, obj.topic === 'a' || obj.topic === 'b' ? 'en' : 'zh'));
  });

  it('reports documents whose cell has no weight as errors', async () => {
    const f = join(dir, 'extra.jsonl');
    await writeFile(f, `${docLine(1, 'a', 'en')}\n${docLine(2, 'a', 'mixed')}\n{oops\n`);
    const { stats, errors } = await sample([f], 1);
    expect(stats).toMatchObject({ read: 3, counted: 1, errors: 2 });
    expect(errors.map((e) => e.error)).toEqual(['unknown_label', 'invalid_json']);
    expect(errors[0]!.message).toMatch(/no weight for topic "a" in language "mixed"/);
  });
});

describe('documents without an id', () => {
  it('are keyed by their text: the same mixture however the files are named or split', async () => {
    const noId = (i: number, topic: string): string => JSON.stringify({ text: `document ${i} about ${topic}`, lang: 'en', topic, topic_score: 0.9, topics: [{ label: topic, score: 0.9 }] });
    const lines = Array.from({ length: 3000 }, (_, i) => noId(i, i % 2 ? 'a' : 'b'));
    const whole = join(dir, 'noid.jsonl');
    const partA = join(dir, 'noid-a.jsonl');
    const partB = join(dir, 'noid-b.jsonl');
    await writeFile(whole, `${lines.join('\n')}\n`);
    await writeFile(partA, `${lines.slice(0, 1234).join('\n')}\n`);
    await writeFile(partB, `${lines.slice(1234).join('\n')}\n`);
    const sorted = (s: string): string[] => s.split('\n').filter(Boolean).sort();
    const a = await sample([whole], 7);
    const b = await sample([`${dir}/./noid.jsonl`], 7); // the path as typed is not part of the key
    const c = await sample([partB, partA], 7);
    expect(a.stats.without_id).toBe(3000);
    expect(a.stats.written_lines).toBeGreaterThan(0);
    expect(b.out).toBe(a.out);
    expect(sorted(c.out)).toEqual(sorted(a.out));
    expect((await sample([whole], 8)).out).not.toBe(a.out);
  });
});
