/**
 * Issue 11 item 8, the smaller faults: hand-edited sampling weights, losses whose difference overflows,
 * a stderr that cannot take error records, and `report` on untagged input. (Merging parts with and
 * without a model is in report-merge.test.ts.)
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { feedbackUpdate } from '../src/rebalance/feedback.js';
import { rebalance } from '../src/rebalance/plan.js';
import { readWeights, WeightsFileError } from '../src/rebalance/read-weights.js';
import { parseTargetSpec } from '../src/rebalance/target-spec.js';
import type { WeightsFile } from '../src/rebalance/weights-types.js';
import { buildReport } from '../src/report/build-report.js';
import { loadTokenCounter } from '../src/report/token-counter.js';
import { runSample } from '../src/sample/run-sample.js';
import { CLI, ROOT, requireBuiltCli, runCli } from './cli-helpers.js';
import { tempDir } from './helpers/temp-dir.js';

let dir: string;
let weights: WeightsFile;
let corpus: string;

beforeAll(async () => {
  dir = tempDir();
  corpus = join(dir, 'corpus.jsonl');
  // one short and one 1 MB document per topic
  const big = 'x'.repeat(1 << 20);
  const line = (id: string, topic: string, text: string): string => JSON.stringify({ id, text, lang: 'en', topic, topic_score: 0.9, topics: [{ label: topic, score: 0.9 }] });
  await writeFile(corpus, `${[line('a1', 'a', 'short a'), line('b1', 'b', 'short b'), line('b2', 'b', big)].join('\n')}\n`);
  const { report } = await buildReport([corpus], { textField: 'text', groupBy: null, tokenizer: await loadTokenCounter('chars'), model: null, uncertainBelow: 0.5, termCapacity: 0, topTerms: 0 });
  const spec = parseTargetSpec('unit: docs\nmax_repeat: 100\ntopics: {a: 0.5, b: 0.5}', 'target.yaml');
  weights = await rebalance(report, spec, { reportFile: 'report.json', targetFile: 'target.yaml', normalise: false });
}, 60_000);

describe('sampling weights', () => {
  it('a cell weight above max_repeat (a hand edit) is refused when the weights are read, naming the cell', async () => {
    const edited = structuredClone(weights);
    const i = edited.cells.findIndex((c) => c.topic === 'a');
    edited.cells[i]!.weight = 1e6;
    const file = join(dir, 'weights-edited.json');
    await writeFile(file, JSON.stringify(edited));
    await expect(readWeights(file)).rejects.toThrow(WeightsFileError);
    await expect(readWeights(file)).rejects.toThrow(`${file}: cells[${i}].weight: 1000000 (en/a) is more than max_repeat 100: no document is repeated more than max_repeat times`);
    const ok = join(dir, 'weights.json');
    await writeFile(ok, JSON.stringify(weights));
    expect((await readWeights(ok)).cells).toHaveLength(weights.cells.length);
  });

  it('many copies of a long line are written in pieces, every copy kept', async () => {
    const w = structuredClone(weights);
    for (const c of w.cells) c.weight = 40; // whole numbers: exactly 40 copies of every document
    const pieces: number[] = [];
    const stats = await runSample([corpus], { write: (s) => void pieces.push(s.length) }, { weights: w, seed: 1, idField: 'id', textField: 'text', manifest: false });
    expect(stats.written_lines).toBe(120);
    const bigLine = (1 << 20) + 120;
    // 40 copies of a 1 MB line (40 MB) go in three pieces of at most 16 Mi characters
    expect(pieces.filter((n) => n > 1 << 20)).toHaveLength(3);
    expect(Math.max(...pieces)).toBeLessThanOrEqual(1 << 24);
    expect(pieces.reduce((a, b) => a + b, 0)).toBeGreaterThan(40 * bigLine);
  });
});

describe('feedback losses far apart', () => {
  const base = {
    previous: new Map([
      ['a', 0.5],
      ['b', 0.5],
    ]),
    alpha: 0.5,
    weights: new Map<string, number>(),
    maxChange: null,
  };

  it('losses of 1e308 then -1e308 normalise exactly (no "NaN is not positive")', () => {
    for (const normalise of ['max_abs', 'sum_abs'] as const) {
      const units = feedbackUpdate({
        ...base,
        normalise,
        lossPrevious: new Map([
          ['a', 1e308],
          ['b', 1],
        ]),
        lossCurrent: new Map([
          ['a', -1e308],
          ['b', 1],
        ]),
      });
      const a = units.find((u) => u.unit === 'a')!;
      const b = units.find((u) => u.unit === 'b')!;
      expect(a.delta).toBeNull(); // -2e308 is beyond a double
      expect(a.delta_normalised).toBe(-1);
      expect(b.delta_normalised).toBe(0);
      expect(a.f).toBe(0.5);
      expect(a.new_share).toBeCloseTo(1 / 3, 12);
      expect(b.new_share).toBeCloseTo(2 / 3, 12);
      expect(JSON.stringify(units)).not.toMatch(/NaN|Infinity/);
    }
  });

  it('a change too large to normalise at all is named, with the unit and its losses', () => {
    const run = (normalise: 'relative') =>
      feedbackUpdate({
        ...base,
        normalise,
        lossPrevious: new Map([
          ['a', 1e-300],
          ['b', 1],
        ]),
        lossCurrent: new Map([
          ['a', 1e308],
          ['b', 1],
        ]),
      });
    expect(() => run('relative')).toThrow('the loss change for "a" (1e-300 to 1e+308) is too large to normalise (relative); check the loss values');
  });
});

describe('the CLI', () => {
  beforeAll(requireBuiltCli);

  it('error records that stderr cannot take fail the run, and the failure is said on stdout', async () => {
    const input = join(dir, 'half-bad.jsonl');
    await writeFile(input, Array.from({ length: 4000 }, (_, i) => (i % 2 ? JSON.stringify({ text: 'The central bank raised interest rates' }) : `{bad ${i}`)).join('\n'));
    // stdout output: error records go to stderr, whose reader goes away at once
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'classify', input], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stderr.destroy();
      const out: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8') }));
    });
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('topicmix: cannot write error records to stderr (EPIPE): they would be lost; keep stderr open or pass --errors FILE');
  }, 60_000);

  it('report on untagged input says on stderr what every line failed with', async () => {
    const input = join(dir, 'untagged.jsonl');
    await writeFile(input, `${JSON.stringify({ text: 'a b c' })}\n${JSON.stringify({ text: 'd e f' })}\n`);
    const r = await runCli(['report', input, '-o', join(dir, 'r.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `topicmix report: empty corpus: no document counted in ${input} (read 2 lines, errors 2). Every line failed with missing_field, the first: ${input}:1: field "topic" is missing`,
    );
    expect(r.stderr).toContain('Use --allow-empty to write the (empty) report anyway');
  });
});
