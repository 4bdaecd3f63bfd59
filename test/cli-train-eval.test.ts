/**
 * End-to-end tests of `topicmix train` and `topicmix eval` on bad input, and of training determinism:
 * they spawn the built CLI (dist/cli/main.js; `npm run build` first).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LABELS, escapeRe, parseJsonl, runCli, tinyLabelled, trainTiny, useTinyModel, writeJsonl } from './cli-helpers.js';

const ws = useTinyModel('topicmix-cli-train-');
const caseDir = (): Promise<string> => ws.caseDir();

interface ModelJson {
  userDefinedMetadata: { topicmix: { labels: string[]; training: { nTrain: number; seed: number } } };
}

async function readMeta(dir: string): Promise<ModelJson['userDefinedMetadata']['topicmix']> {
  return (JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson).userDefinedMetadata.topicmix;
}

describe.concurrent('train on malformed data', () => {
  const goodRows = tinyLabelled();
  const badLines = ['{"text":"The bank raises interest rates","label":5}', 'not json', '{"label":"tech"}', '{"text":"   ","label":"tech"}', '{"text":"Bond yields rose today"}'];

  async function writeBad(dir: string): Promise<string> {
    // good lines 1-60, then the bad ones (61-65), then one more good line (66)
    const lines = [...goodRows.map((r) => JSON.stringify(r)), ...badLines, JSON.stringify({ text: '开源数据库发布', label: 'tech' })];
    const file = join(dir, 'bad.jsonl');
    await writeFile(file, lines.join('\n') + '\n');
    return file;
  }

  it('fails naming file:line:field of every bad line, and writes no model', async () => {
    const dir = await caseDir();
    const file = await writeBad(dir);
    const out = join(dir, 'm');
    const r = await runCli(['train', '--data', file, '--out', out, '--buckets', '4096']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('topicmix: train: 5 bad line(s) in the training data:');
    expect(r.stderr).toContain(`${file}:61: field "label" must be a non-empty string, got 5`);
    expect(r.stderr).toMatch(new RegExp(`${escapeRe(file)}:62: invalid JSON: `));
    expect(r.stderr).toContain(`${file}:63: field "text" is missing`);
    expect(r.stderr).toContain(`${file}:64: field "text" is empty or whitespace-only`);
    expect(r.stderr).toContain(`${file}:65: field "label" (or "labels") is missing`);
    expect(r.stderr).toContain('--skip-bad-lines');
    expect(existsSync(join(out, 'model.json'))).toBe(false);
    expect(existsSync(join(out, 'weights.bin'))).toBe(false);
  });

  it('--skip-bad-lines trains on the good lines only', async () => {
    const dir = await caseDir();
    const file = await writeBad(dir);
    const out = join(dir, 'm');
    const r = await runCli(['train', '--data', file, '--out', out, '--buckets', '4096', '--skip-bad-lines', '--json']);
    expect(r.stderr).not.toMatch(/topicmix: /);
    expect(r.code).toBe(0);
    const meta = await readMeta(out);
    expect(meta.training.nTrain).toBe(goodRows.length + 1);
    expect(meta.labels).toEqual([...LABELS]);
    // --json: exactly one JSON object on stdout
    const printed = parseJsonl<{ model: string; labels: string[]; training: { nTrain: number } }>(r.stdout);
    expect(printed).toHaveLength(1);
    expect(printed[0]!.model).toBe(out);
    expect(printed[0]!.training.nTrain).toBe(goodRows.length + 1);
  });

  it('a missing data file fails naming it', async () => {
    const dir = await caseDir();
    const missing = join(dir, 'nope.jsonl');
    const r = await runCli(['train', '--data', ws.data, missing, '--out', join(dir, 'm'), '--buckets', '4096']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`topicmix: input not found: ${missing}`);
    expect(existsSync(join(dir, 'm', 'model.json'))).toBe(false);
  });
});

describe('train determinism', () => {
  it('same seed + same data => byte-identical weights.bin; another seed => different bytes', async () => {
    const dir = await caseDir();
    const [a, b, c] = [join(dir, 'a'), join(dir, 'b'), join(dir, 'c')];
    await Promise.all([trainTiny(ws.data, a, 1), trainTiny(ws.data, b, 1), trainTiny(ws.data, c, 2)]);
    const [wm, wa, wb, wc] = await Promise.all([ws.model, a, b, c].map((d) => readFile(join(d, 'weights.bin'))));
    expect(wa.length).toBeGreaterThan(4096 * 4);
    expect(wa.equals(wb)).toBe(true);
    expect(wa.equals(wm!)).toBe(true); // also the same as the beforeAll model (seed 1)
    expect(wc.length).toBe(wa.length);
    expect(wa.equals(wc)).toBe(false);
    expect((await readMeta(c)).training.seed).toBe(2);
  });
});

interface EvalJson {
  accuracy: number;
  macro_f1: number;
  worst_class_accuracy: number;
  per_class: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  confusion: { labels: string[]; matrix: number[][] };
  ece: number;
  n: number;
  backend: string;
  skipped_unknown: number;
  skipped_bad_lines: number;
}

describe.concurrent('eval', () => {
  it('--json prints exactly one JSON object with the metrics', async () => {
    const r = await runCli(['eval', '--model', ws.model, '--data', ws.data, '--json']);
    expect(r.stderr).not.toMatch(/topicmix: /);
    expect(r.code).toBe(0);
    const lines = parseJsonl<EvalJson>(r.stdout);
    expect(lines).toHaveLength(1);
    const m = lines[0]!;
    const n = tinyLabelled().length;
    expect(m.n).toBe(n);
    for (const k of ['accuracy', 'macro_f1', 'worst_class_accuracy', 'ece'] as const) {
      expect(typeof m[k]).toBe('number');
      expect(m[k]).toBeGreaterThanOrEqual(0);
      expect(m[k]).toBeLessThanOrEqual(1);
    }
    // the model has seen these very examples
    expect(m.accuracy).toBe(1);
    expect(m.worst_class_accuracy).toBe(1);
    expect(Object.keys(m.per_class).sort()).toEqual([...LABELS]);
    for (const label of LABELS) {
      const c = m.per_class[label]!;
      expect(Object.keys(c).sort()).toEqual(['f1', 'precision', 'recall', 'support']);
      expect(c.support).toBe(n / 3);
    }
    expect(m.confusion.labels).toEqual([...LABELS]);
    expect(m.confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(n);
    expect(typeof m.backend).toBe('string');
    expect(m.backend).toBe('js');
    expect(m.skipped_unknown).toBe(0);
    expect(m.skipped_bad_lines).toBe(0);
  });

  it('labels the model does not know: exit 1 naming file:line and label; --ignore-unknown skips and counts them', async () => {
    const dir = await caseDir();
    const rows = [
      { text: 'The stock market fell sharply', label: 'finance' },
      { text: 'Chess grandmaster wins the title', label: 'games' },
      { text: '新处理器发布', label: 'tech' },
      { text: 'Oscar winners announced', label: 'movies' },
      { text: 'Tennis star wins the open', labels: ['sports', 'celebrity'] },
    ];
    const file = await writeJsonl(join(dir, 'eval.jsonl'), rows);
    const r = await runCli(['eval', '--model', ws.model, '--data', file, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('topicmix: eval: 3 example(s) have labels the model does not know');
    expect(r.stderr).toContain(`${file}:2: field "label": "games" is not a label of this model`);
    expect(r.stderr).toContain(`${file}:4: field "label": "movies" is not a label of this model`);
    // (the field is "labels" there; the message says "label": not asserted, see the report)
    expect(r.stderr).toMatch(new RegExp(`${escapeRe(file)}:5: field "labels?": "celebrity" is not a label of this model`));
    expect(r.stderr).toContain('--ignore-unknown');

    const ok = await runCli(['eval', '--model', ws.model, '--data', file, '--json', '--ignore-unknown']);
    expect(ok.code).toBe(0);
    const [m] = parseJsonl<EvalJson>(ok.stdout);
    expect(m!.n).toBe(2);
    expect(m!.skipped_unknown).toBe(3);
    expect(m!.accuracy).toBe(1);
    expect(ok.stderr).toContain('skipped 3 example(s) with labels the model does not know');
  });

  it('malformed eval data: exit 1 naming file:line:field; --skip-bad-lines skips and counts them', async () => {
    const dir = await caseDir();
    const file = join(dir, 'eval.jsonl');
    await writeFile(file, ['{"text":"The stock market fell sharply","label":"finance"}', '{"text":7,"label":"tech"}', '[1]', '{"text":"新处理器发布","label":"tech"}'].join('\n') + '\n');
    const r = await runCli(['eval', '--model', ws.model, '--data', file, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:2: field "text" must be a string, got number`);
    expect(r.stderr).toContain(`${file}:3: expected a JSON object, got array`);

    const ok = await runCli(['eval', '--model', ws.model, '--data', file, '--json', '--skip-bad-lines']);
    expect(ok.code).toBe(0);
    const [m] = parseJsonl<EvalJson>(ok.stdout);
    expect(m!.n).toBe(2);
    expect(m!.skipped_bad_lines).toBe(2);
    expect(ok.stderr).toContain('skipped 2 bad line(s)');
  });

  it('an unreadable model: exit 1 with the path, nothing on stdout', async () => {
    const missing = join(ws.tmp, 'no-model');
    const r = await runCli(['eval', '--model', missing, '--data', ws.data, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`topicmix: model: directory not found: ${missing}`);
  });
});

describe('eval without --model', () => {
  it('evaluates the shipped default model, as classify does', async () => {
    const dir = await caseDir();
    const data = join(dir, 'default.jsonl');
    await writeFile(
      data,
      `${JSON.stringify({ text: 'The striker scored twice as the team won the league title', label: 'sports' })}\n${JSON.stringify({ text: '央行宣布下调存款准备金率，股市应声上涨', label: 'business_finance' })}\n`,
    );
    const r = await runCli(['eval', '--data', data, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { model: string; n: number; accuracy: number };
    expect(report.model).toBe(join(process.cwd(), 'models', 'default'));
    expect(report.n).toBe(2);
    expect(report.accuracy).toBe(1);
  });
});

describe('portable model files', () => {
  it('model.json names its training files without absolute paths, with their sha256', async () => {
    const dir = await caseDir();
    const data = join(dir, 'train.jsonl');
    await writeJsonl(data, tinyLabelled());
    const out = join(dir, 'm');
    const r = await runCli(['train', '--data', data, '--out', out, '--buckets', '4096', '--data-root', dir]);
    expect(r.code).toBe(0);
    const text = await readFile(join(out, 'model.json'), 'utf8');
    expect(text).not.toContain(dir);
    const training = (JSON.parse(text) as { userDefinedMetadata: { topicmix: { training: { trainFiles: string[]; fileHashes: Record<string, string> } } } }).userDefinedMetadata.topicmix.training;
    expect(training.trainFiles).toEqual(['train.jsonl']);
    const { createHash } = await import('node:crypto');
    expect(training.fileHashes).toEqual({
      'train.jsonl': `sha256:${createHash('sha256')
        .update(await readFile(data))
        .digest('hex')}`,
    });
  });
});
