import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rebalance } from '../src/rebalance/plan.js';
import { readWeights } from '../src/rebalance/read-weights.js';
import { parseTargetSpec, readTargetSpec, SpecError } from '../src/rebalance/target-spec.js';
import type { Report } from '../src/report/report-types.js';
import { makeReport } from './fixtures/tagged/reports.js';
import { tempDir } from './helpers/temp-dir.js';

const cells = [
  { topic: 'science', lang: 'en', tokens: 600 },
  { topic: 'science', lang: 'zh', tokens: 200 },
  { topic: 'law', lang: 'en', tokens: 100 },
  { topic: 'law', lang: 'zh', tokens: 100 },
];
const withModel = makeReport(cells, { name: 'mini-topics', dataHash: 'abc123def4567890', labels: ['law', 'science', 'sports'] });
const noModel = makeReport(cells);

async function plan(yaml: string, report: Report = withModel, normalise = false): Promise<unknown> {
  return rebalance(report, parseTargetSpec(yaml, 'target.yaml'), { reportFile: 'report.json', targetFile: 'target.yaml', normalise });
}

let dir: string;
beforeAll(async () => {
  dir = tempDir('topicmix-rebalance-');
});

describe('bad targets are refused with the file and the key', () => {
  it('unknown topic', async () => {
    await expect(plan('topics: {science: 0.5, food: 0.5}')).rejects.toThrow(/target\.yaml: topics\.food: unknown topic "food"; known topics: law, science, sports/);
    await expect(plan('languages: {zh: {share: 1, topics: {food: 1}}}')).rejects.toThrow(/languages\.zh\.topics\.food: unknown topic/);
  });

  it('a topic of the model with no documents is fine with --model, unknown without', async () => {
    const r = (await plan('topics: {science: 0.5, sports: 0.5}')) as { shortfalls: Array<{ key: string; message: string }> };
    expect(r.shortfalls[0]!.message).toMatch(/topic "sports".*no tokens of it in the corpus/);
    await expect(plan('topics: {science: 0.5, sports: 0.5}', noModel)).rejects.toThrow(/unknown topic "sports".*--model/);
  });

  it('unknown language', async () => {
    await expect(plan('languages: {zh: 0.5, fr: 0.5}')).rejects.toThrow(/target\.yaml: languages\.fr: unknown language "fr"/);
  });

  it('another model or label set', async () => {
    await expect(plan('model: other-model\ntopics: {science: 1}')).rejects.toThrow(
      /target\.yaml: model: the target is for model "other-model", but report\.json was made with "mini-topics@abc123def456"/,
    );
    await expect(plan('model: mini-topics@abc123d\ntopics: {science: 1}')).resolves.toBeTruthy();
    await expect(plan('model: mini-topics@ffffffff\ntopics: {science: 1}')).rejects.toThrow(/model:/);
    await expect(plan('model: mini-topics\ntopics: {science: 1}', noModel)).rejects.toThrow(/records no model/);
    await expect(plan('labels: [science, law]\ntopics: {science: 1}')).rejects.toThrow(/labels: the target's label set differs.*only in the report: sports/);
  });

  it('proportions that do not sum to 1, unless --normalise', async () => {
    await expect(plan('topics: {science: 2, law: 8}')).rejects.toThrow(/target\.yaml: topics: shares sum to 10, not 1 \(fix them, or pass --normalise/);
    const r = (await plan('topics: {science: 2, law: 8}', withModel, true)) as { by_topic: Array<{ key: string; target_share: number }> };
    expect(r.by_topic.find((t) => t.key === 'law')!.target_share).toBeCloseTo(0.8, 12);
    await expect(plan('languages: {zh: {share: 0.2, topics: {science: 0.5}}, en: 0.8}')).rejects.toThrow(/languages\.zh\.topics: shares sum to 0\.5/);
  });

  it('negative shares, typos and missing sections', async () => {
    await expect(plan('topics: {science: -0.5, law: 1.5}')).rejects.toThrow(/topics\.science: must be >= 0/);
    expect(() => parseTargetSpec('topic: {science: 1}', 'target.yaml')).toThrow(/target\.yaml: \(top level\): unknown key\(s\) "topic"/);
    expect(() => parseTargetSpec('method: feedback', 't.yaml')).toThrow(/t\.yaml: feedback: missing/);
    expect(() => parseTargetSpec('method: target', 't.yaml')).toThrow(/topics \/ languages: missing/);
    expect(() => parseTargetSpec('', 't.yaml')).toThrow(/t\.yaml: the file is empty/);
    expect(() => parseTargetSpec('topics: [', 't.yaml')).toThrow(SpecError);
    await expect(plan('budget: lots\ntopics: {science: 1}')).rejects.toThrow(/target\.yaml: budget: cannot read "lots"/);
    await expect(plan('floor: 0.9\nbudget: 100\ntopics: {science: 1}')).rejects.toThrow(/floor 0\.9 alone keeps 900 tokens, more than the budget of 100/);
  });

  it('missing loss values, unknown topics in losses, alpha too large', async () => {
    const fb = (losses: string, extra = ''): string => `method: feedback\nfeedback: {alpha: 0.5${extra}, losses: ${losses}}`;
    await expect(plan(fb('{previous: {science: 2, law: 3}, current: {science: 2.1}}'))).rejects.toThrow(
      /target\.yaml \(feedback\.losses\): current\.law: missing loss value for topic "law" at checkpoint t/,
    );
    await expect(plan(fb('{previous: {science: 2, food: 3}, current: {science: 2.1}}'))).rejects.toThrow(/previous\.food: unknown topic "food"/);
    await expect(plan(fb('{previous: {science: 2, law: 3}, current: {science: 2.1, law: 2}}', ', normalise: none'))).resolves.toBeTruthy();
    await expect(plan('method: feedback\nfeedback: {alpha: 5, losses: {previous: {science: 2, law: 3}, current: {science: 2.1, law: 2.9}}}')).rejects.toThrow(
      /target\.yaml: feedback\.alpha: f for topic "law" = 1 \+ 5 \* -1 \* 1 = -4 is not positive/,
    );

    const losses = join(dir, 'losses.yaml');
    await writeFile(losses, 'previous: {science: 2.0}\ncurrent: {science: 2.0, law: 1}\n');
    const target = join(dir, 'fb.yaml');
    await writeFile(target, 'method: feedback\nfeedback: {alpha: 0.5, losses: losses.yaml}\n');
    const spec = await readTargetSpec(target);
    await expect(rebalance(withModel, spec, { reportFile: 'report.json', targetFile: target, normalise: false })).rejects.toThrow(
      new RegExp(`${losses.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: previous\\.law: missing loss value`),
    );
  });

  it('an empty corpus', async () => {
    await expect(plan('topics: {science: 1}', makeReport([]))).rejects.toThrow(/report\.json: empty corpus: no tokens counted/);
  });

  it('a file that is not a weights file', async () => {
    const f = join(dir, 'not-weights.json');
    await writeFile(f, '{"schema": "something-else"}');
    await expect(readWeights(f)).rejects.toThrow(/not-weights\.json: schema: .*not a topicmix weights file/);
    await expect(readTargetSpec(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read .*missing\.yaml/);
  });
});
