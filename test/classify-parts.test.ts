import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerClassifyCommand } from '../src/cli/commands/classify.js';
import { loadClassifier, type Classifier } from '../src/classifier.js';
import { PART_SPLIT, PREDICT_DEFAULTS } from '../src/defaults.js';
import { Featurizer, IdBuffer } from '../src/features/featurizer.js';
import { readModelDir } from '../src/io/model-files.js';
import { LinearScorer } from '../src/model/linear-scorer.js';
import { scoreTexts } from '../src/model/score-texts.js';
import { buildReport } from '../src/report/build-report.js';
import { mergeReports } from '../src/report/merge-reports.js';
import { parseTaggedDoc } from '../src/report/tagged-doc.js';
import { loadTokenCounter } from '../src/report/token-counter.js';
import { trainModel } from '../src/train.js';
import { requireBuiltCli, runCli, tinyLabelled } from './cli-helpers.js';
import { rng } from './helpers/random.js';
import { tempDir } from './helpers/temp-dir.js';

// A page that is half sports, half finance: two parts of exactly equal length (padded with separators),
// so the cut falls on the boundary.
const rows = tinyLabelled();
const isZh = (t: string): boolean => /[\u4e00-\u9fff]/.test(t);
const pad = (s: string, n: number, c: string): string => s + c.repeat(n - s.length);
const enHalf = (label: string): string =>
  pad(
    `${rows
      .filter((r) => r.label === label && !isZh(r.text))
      .map((r) => `${r.text}.`)
      .join(' ')} `,
    400,
    ' ',
  );
const zhHalf = (label: string): string =>
  pad(
    `${rows
      .filter((r) => r.label === label && isZh(r.text))
      .map((r) => r.text)
      .join('。')}。`,
    150,
    '。',
  );
const EN_PAGE = enHalf('sports') + enHalf('finance');
const ZH_PAGE = zhHalf('sports') + zhHalf('finance');
const SHORT = 'The team won the football match.';
const LABELS_SET = ['finance', 'sports', 'tech'];

let dir: string;
let model: string;
let clf: Classifier;

beforeAll(async () => {
  requireBuiltCli();
  dir = tempDir();
  writeFileSync(join(dir, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  model = join(dir, 'model');
  await trainModel({ data: [join(dir, 'train.jsonl')], out: model, buckets: 4096, seed: 3 });
  clf = await loadClassifier(model, { parts: 2, partsMinChars: 200 });
}, 120_000);

describe('parts of long pages (library)', () => {
  it('a page half one topic and half another gets two parts with those topics, at the exact boundary (en and zh)', async () => {
    const [en, zh, short] = await clf.classifyBatch([EN_PAGE, ZH_PAGE, SHORT]);
    expect(en!.parts).toEqual([
      { start: 0, end: 400, label: 'sports', score: expect.any(Number) },
      { start: 400, end: 800, label: 'finance', score: expect.any(Number) },
    ]);
    expect(zh!.parts!.map((p) => [p.start, p.end, p.label])).toEqual([
      [0, 150, 'sports'],
      [150, 300, 'finance'],
    ]);
    for (const p of [...en!.parts!, ...zh!.parts!]) expect(p.score).toBeGreaterThan(0.5);
    expect(short!.parts).toBeUndefined();
  });

  it("the page's own prediction is exactly the one without parts", async () => {
    const plain = await loadClassifier(model);
    const withParts = await clf.classifyBatch([EN_PAGE, ZH_PAGE, SHORT]);
    const without = await plain.classifyBatch([EN_PAGE, ZH_PAGE, SHORT]);
    expect(withParts.map(({ parts: _, ...p }) => p)).toEqual(without);
    expect(without.every((p) => p.parts === undefined)).toBe(true);
    // per call: parts on a classifier loaded without them, and off again
    expect(plain.classify(EN_PAGE, { parts: 2, partsMinChars: 200 }).parts).toEqual(withParts[0]!.parts);
    expect(clf.classify(EN_PAGE, { parts: 0 }).parts).toBeUndefined();
    expect(clf.classify(EN_PAGE, { partsMinChars: 801 }).parts).toBeUndefined();
    expect(plain.classify(EN_PAGE, { partChars: 200, partsMinChars: 200 }).parts).toHaveLength(4);
  });

  it('a page longer than the featurizer chunk is split the same way, its own probabilities unchanged', async () => {
    const files = await readModelDir(model);
    const scorer = new LinearScorer(files);
    const settings = { parts: 2, partChars: 0, partsMinChars: 200 };
    const whole = scoreTexts(new Featurizer(files.meta.featurizer), scorer, [EN_PAGE], new IdBuffer(), settings);
    const chunked = new Featurizer({ ...files.meta.featurizer, chunkChars: 150 });
    const a = scoreTexts(chunked, scorer, [EN_PAGE], new IdBuffer(), settings);
    const b = scoreTexts(chunked, scorer, [EN_PAGE], new IdBuffer());
    expect(a.chunks[0]).toBeGreaterThan(1);
    expect(a.probs).toEqual(b.probs);
    expect([...a.parts![0]!.bounds]).toEqual([...whole.parts![0]!.bounds]);
    const top = (p: Float32Array, j: number): number => (p[j * 3]! > p[j * 3 + 1]! ? (p[j * 3]! > p[j * 3 + 2]! ? 0 : 2) : p[j * 3 + 1]! > p[j * 3 + 2]! ? 1 : 2);
    expect([top(a.parts![0]!.probs, 0), top(a.parts![0]!.probs, 1)]).toEqual([top(whole.parts![0]!.probs, 0), top(whole.parts![0]!.probs, 1)]);
  });

  it('the tfjs backends give the same parts (scores within 1e-5)', async () => {
    const js = await clf.classifyBatch([EN_PAGE, ZH_PAGE]);
    for (const backend of ['cpu', 'wasm'] as const) {
      const other = await loadClassifier(model, { backend, parts: 2, partsMinChars: 200 });
      const got = await other.classifyBatch([EN_PAGE, ZH_PAGE]);
      for (let i = 0; i < 2; i++) {
        expect(
          got[i]!.parts!.map(({ score: _, ...p }) => p),
          backend,
        ).toEqual(js[i]!.parts!.map(({ score: _, ...p }) => p));
        for (let j = 0; j < 2; j++) expect(Math.abs(got[i]!.parts![j]!.score - js[i]!.parts![j]!.score), backend).toBeLessThan(1e-5);
      }
      other.dispose();
    }
  });

  it('bad option values fail naming the option, at load and per call', async () => {
    const msg = '`parts` must be 0 (off) or an integer from 2 to 64, got';
    await expect(loadClassifier(model, { parts: 1 })).rejects.toThrow(`${msg} 1`);
    await expect(loadClassifier(model, { parts: 65 })).rejects.toThrow(`${msg} 65`);
    await expect(loadClassifier(model, { parts: 2.5 })).rejects.toThrow(`${msg} 2.5`);
    await expect(loadClassifier(model, { partChars: -1 })).rejects.toThrow('`partChars` must be 0 (off) or a positive integer, got -1');
    await expect(loadClassifier(model, { partsMinChars: 0 })).rejects.toThrow('`partsMinChars` must be a positive integer, got 0');
    await expect(loadClassifier(model, { parts: 3, partChars: 500 })).rejects.toThrow('give `parts` (3) or `partChars` (500), not both');
    await expect(clf.classifyBatch([SHORT], { parts: '2' as unknown as number })).rejects.toThrow(`${msg} 2`);
    expect(() => clf.classify(SHORT, { partChars: 100 })).toThrow('give `parts` (2) or `partChars` (100), not both');
  });
});

describe('classify --parts (CLI)', () => {
  it('takes its defaults from PREDICT_DEFAULTS: off, pages of 3000 characters and more, at most 64 parts', () => {
    const program = new Command();
    registerClassifyCommand(program);
    const opts = program.commands.find((c) => c.name() === 'classify')!.options;
    const dflt = (name: string): unknown => opts.find((o) => o.attributeName() === name)?.defaultValue;
    expect([dflt('parts'), dflt('partChars'), dflt('partsMinChars')]).toEqual([PREDICT_DEFAULTS.parts, PREDICT_DEFAULTS.partChars, PREDICT_DEFAULTS.partsMinChars]);
    expect([PREDICT_DEFAULTS.parts, PREDICT_DEFAULTS.partChars, PREDICT_DEFAULTS.partsMinChars]).toEqual([0, 0, 3000]);
    expect(PART_SPLIT).toEqual({ maxParts: 64, searchChars: 2000 });
  });

  it('writes topic_parts on long pages only; 1 and 2 workers and stdin write the same bytes', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) lines.push(JSON.stringify({ id: i, text: i % 3 === 0 ? SHORT : i % 3 === 1 ? EN_PAGE : ZH_PAGE }));
    const input = join(dir, 'pages.jsonl');
    writeFileSync(input, lines.join('\n') + '\n');
    expect(readFileSync(input).length).toBeGreaterThan(2 * 512 * 1024); // several pieces, so both workers get some
    const args = (out: string, workers: number): string[] => ['classify', '--model', model, input, '-o', out, '--parts', '2', '--parts-min-chars', '200', '--workers', String(workers)];
    const one = await runCli(args(join(dir, 'one.jsonl'), 1));
    expect(one.stderr).toContain('read 2000, tagged 2000, errors 0');
    const two = await runCli(args(join(dir, 'two.jsonl'), 2));
    expect(two.code).toBe(0);
    const stdin = await runCli(['classify', '--model', model, '--parts', '2', '--parts-min-chars', '200'], { input: readFileSync(input) });
    const a = readFileSync(join(dir, 'one.jsonl'), 'utf8');
    expect(readFileSync(join(dir, 'two.jsonl'), 'utf8')).toBe(a);
    expect(stdin.stdout).toBe(a);
    const out = a
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { topic_parts?: { start: number; end: number; topic: string; score: number }[] });
    expect(out[0]!.topic_parts).toBeUndefined();
    expect(out[1]!.topic_parts!.map((p) => [p.start, p.end, p.topic])).toEqual([
      [0, 400, 'sports'],
      [400, 800, 'finance'],
    ]);
    expect(a.split('\n')[2]).toMatch(/,"topic_parts":\[\{"start":0,"end":150,"topic":"sports","score":0\.\d+\},\{"start":150,"end":300,"topic":"finance","score":0\.\d+\}\]\}$/);
    // without --parts, the other fields are byte for byte the same
    const plain = await runCli(['classify', '--model', model, input, '-o', join(dir, 'plain.jsonl'), '--workers', '1']);
    expect(plain.code).toBe(0);
    expect(a.replace(/,"topic_parts":\[[^\]]*\]/g, '')).toBe(readFileSync(join(dir, 'plain.jsonl'), 'utf8'));
  }, 120_000);

  it('bad values are usage errors naming the flag', async () => {
    const one = await runCli(['classify', '--model', model, '--parts', '1'], { input: `${JSON.stringify({ text: SHORT })}\n` });
    expect(one.code).not.toBe(0);
    expect(one.stderr).toContain('--parts must be 0 (off) or an integer from 2 to 64, got 1');
    const both = await runCli(['classify', '--model', model, '--parts', '2', '--part-chars', '500'], { input: `${JSON.stringify({ text: SHORT })}\n` });
    expect(both.stderr).toContain('give --parts (2) or --part-chars (500), not both');
    const min = await runCli(['classify', '--model', model, '--parts-min-chars', '0'], { input: '' });
    expect(min.stderr).toContain('--parts-min-chars must be an integer >= 1, got "0"');
  });
});

describe('report on pages with topic_parts', () => {
  it('counts split and mixed pages per page topic; shard reports merged equal one report over all the parts', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 90; i++) lines.push(JSON.stringify({ id: i, text: i % 3 === 0 ? SHORT : i % 3 === 1 ? EN_PAGE : ZH_PAGE }));
    lines.push(JSON.stringify({ id: 90, text: enHalf('sports') + enHalf('sports') }));
    const input = join(dir, 'report-pages.jsonl');
    writeFileSync(input, lines.join('\n') + '\n');
    const out = join(dir, 'shards');
    const run = await runCli(['classify', '--model', model, input, '--output-dir', out, '--shards', '2', '--parts', '2', '--parts-min-chars', '200', '--report-tokenizer', 'chars', '--workers', '1']);
    expect(run.code, run.stderr).toBe(0);
    // the part settings are in the plan: another split is another plan
    const again = await runCli(['classify', '--model', model, input, '--output-dir', out, '--shards', '2', '--parts', '3', '--parts-min-chars', '200', '--report-tokenizer', 'chars', '--resume']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('holds the outputs of another plan (parts: {"part_chars":0,"parts":2,"parts_min_chars":200} recorded, {"part_chars":0,"parts":3,"parts_min_chars":200} now)');
    const merged = await mergeReports([join(out, 'part-00000.report.json'), join(out, 'part-00001.report.json')]);
    const tokenizer = await loadTokenCounter('chars');
    const single = await buildReport([join(out, 'part-00000.jsonl'), join(out, 'part-00001.jsonl')], { tokenizer, model: null });
    const [en, zh] = await clf.classifyBatch([EN_PAGE, ZH_PAGE]);
    const other = (l: string | null): string => (l === 'sports' ? 'finance' : 'sports');
    // 30 en and 30 zh half-and-half pages (mixed), 1 all-sports page (split, not mixed)
    const expected = [
      { lang: 'en', topic: en!.label!, split_docs: 30, mixed_docs: 30, parts: 60, mixed_parts: 30, other_topics: { [other(en!.label)]: 30 } },
      { lang: 'en', topic: 'sports', split_docs: 1, mixed_docs: 0, parts: 2, mixed_parts: 0, other_topics: {} },
      { lang: 'zh', topic: zh!.label!, split_docs: 30, mixed_docs: 30, parts: 60, mixed_parts: 30, other_topics: { [other(zh!.label)]: 30 } },
    ];
    if (en!.label === 'sports') expected.splice(0, 2, { ...expected[0]!, split_docs: 31, parts: 62 });
    expect(single.report.state.parts).toEqual(expected);
    expect(merged.report.state.parts).toEqual(single.report.state.parts);
    expect(merged.report.summary.parts).toEqual(single.report.summary.parts);
    expect(single.report.summary.parts).toMatchObject({ split_docs: 61, mixed_docs: 60 });
    const md = await runCli(['report', '--merge', join(out, 'part-00000.report.json'), join(out, 'part-00001.report.json'), '--format', 'md']);
    expect(md.stdout).toContain('## Long pages split into parts');
    expect(md.stdout).toContain("61 long pages were split into parts (classify --parts); 60 (98.4%) are mixed: a part's top topic differs from the page's.");
    // no topic_parts: no parts in the report
    expect((await runCli(['classify', '--model', model, input, '-o', join(dir, 'report-plain.jsonl')])).code).toBe(0);
    const plain = await buildReport([join(dir, 'report-plain.jsonl')], { tokenizer, model: null });
    expect(plain.report.state.parts).toBeUndefined();
    expect(plain.report.summary.parts).toBeUndefined();
  }, 120_000);

  it('bad topic_parts are invalid_field errors saying what is wrong', () => {
    const base = { topic: 'sports', topic_score: 0.9, topics: [{ label: 'sports', score: 0.9 }], lang: 'en' };
    const bad = (topic_parts: unknown): string => {
      const r = parseTaggedDoc({ ...base, topic_parts }, new Set(LABELS_SET));
      return r.ok ? 'ok' : `${r.code} ${r.field}: ${r.message}`;
    };
    expect(bad([{ start: 0, end: 5, topic: 'sports', score: 0.9 }])).toBe('ok');
    expect(bad([])).toBe('invalid_field topic_parts: field "topic_parts" must be a non-empty array of {start, end, topic, score}, got an array');
    expect(bad([{ start: 1, end: 5, topic: 'sports', score: 0.9 }])).toBe(
      'invalid_field topic_parts: field "topic_parts" element 0 must span the characters after the previous part (start 0), got start 1, end 5',
    );
    expect(bad([{ start: 0, end: 5, topic: 'sports', score: 2 }])).toBe('invalid_field topic_parts: field "topic_parts" element 0 score must be a probability in [0, 1], got 2');
    expect(bad([{ start: 0, end: 5, topic: 'cooking', score: 0.5 }])).toBe('unknown_label topic_parts: label "cooking" is not a label of the model');
  });
});

describe('LinearScorer.scoreWithParts: pages and parts from one gather', () => {
  it("gives the pages' probabilities bit for bit as score does, and each part's as score over its ids (lazy logit table too)", async () => {
    const files = await readModelDir(model);
    const r = rng(5);
    const n = 40;
    const offsets = new Int32Array(n + 1);
    const lens = Array.from({ length: n }, () => Math.floor(r() * 200));
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + lens[i]!;
    const ids = Int32Array.from({ length: offsets[n]! }, () => 1 + Math.floor(r() * 4095));
    const cutAt = new Int32Array(n + 1);
    const cuts: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let a = offsets[i]! + 8 * (1 + Math.floor(r() * 4)); i % 3 !== 0 && a < offsets[i + 1]!; a += 8 * (1 + Math.floor(r() * 6))) cuts.push(a);
      cutAt[i + 1] = cuts.length;
    }
    expect(cuts.length).toBeGreaterThan(20);
    const fused = new LinearScorer(files).scoreWithParts(ids, offsets, Int32Array.from(cuts), cutAt);
    const plain = new LinearScorer(files);
    expect(fused.probs).toEqual(plain.score(ids, offsets));
    // the parts as documents of their own
    const partIds: number[] = [];
    const po = [0];
    for (let i = 0; i < n; i++) {
      if (cutAt[i + 1] === cutAt[i]) continue;
      const b = [offsets[i]!, ...cuts.slice(cutAt[i]!, cutAt[i + 1]!), offsets[i + 1]!];
      for (let j = 0; j + 1 < b.length; j++) {
        partIds.push(...ids.subarray(b[j]!, b[j + 1]!));
        po.push(partIds.length);
      }
    }
    const want = plain.score(Int32Array.from(partIds), Int32Array.from(po));
    expect(fused.parts.length).toBe(want.length);
    for (let k = 0; k < want.length; k++) expect(Math.abs(fused.parts[k]! - want[k]!)).toBeLessThan(1e-6);
  });
});
