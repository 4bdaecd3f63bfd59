import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR, loadClassifier } from '../src/classifier.js';
import { parseTaxonomy, taxonomyLabels } from '../src/labels/taxonomy.js';
import { evaluateModel } from '../src/evaluate.js';

const root = join(__dirname, '..');

describe('the shipped default model', () => {
  it('is small, loads without a model argument and covers the default taxonomy', async () => {
    expect(statSync(join(DEFAULT_MODEL_DIR, 'weights.bin')).size).toBeLessThanOrEqual(10 * 1024 * 1024);
    const clf = await loadClassifier();
    const taxonomy = parseTaxonomy(readFileSync(join(root, 'labels/default/taxonomy.yaml'), 'utf8'), 'taxonomy.yaml');
    expect([...clf.labels]).toEqual(taxonomyLabels(taxonomy));
    expect(clf.labels.at(-1)).toBe('none');
    expect(clf.metadata.abstain).toBe('none');
    expect(clf.metadata.labelNames?.sports).toEqual({ en: 'Sports & Fitness', zh: '体育运动' });
    // calibrated, with the confusion counts that corrected shares need, per language
    const cal = clf.metadata.calibration!;
    expect(cal.method).toBe('temperature');
    expect(cal.ece_after).toBeLessThan(cal.ece_before);
    for (const lang of ['zh', 'en']) {
      expect(cal.confusion[lang]).toHaveLength(clf.labels.length);
      expect(cal.soft_confusion![lang]).toHaveLength(clf.labels.length);
    }
    // portable: no absolute build paths in the metadata
    expect(JSON.stringify(clf.metadata.training)).not.toMatch(/"\//);
    const p = await clf.classifyBatch([
      'CBA常规赛：主队末节逆转，豪取八连胜，外援连续命中三记三分球',
      'The central bank raised interest rates and stock markets fell sharply on Wall Street',
      '宫保鸡丁的做法：鸡肉切丁，花生米炸香，干辣椒和花椒爆锅',
    ]);
    expect(p.map((x) => x.label)).toEqual(['sports', 'business_finance', 'food_dining']);
    expect(p.map((x) => x.lang)).toEqual(['zh', 'en', 'zh']);
    clf.dispose();
  });

  it("tags the README example file with no --model (the README's first command)", () => {
    const out = execFileSync(process.execPath, [join(root, 'dist/cli/main.js'), 'classify', join(root, 'examples/pages.jsonl'), '-o', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const rows = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; topic: string | null; abstain?: string; topics: unknown[] });
    const input = readFileSync(join(root, 'examples/pages.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string });
    expect(rows.map((r) => r.id)).toEqual(input.map((r) => r.id));
    for (const r of rows) {
      // a topic, or null with the reason
      if (r.topic === null) expect(r.abstain).toBe('none');
      else expect(typeof r.topic).toBe('string');
      expect(r.topics).toHaveLength(3);
    }
  });

  it('has a model card with per-topic, per-language results and the sources', () => {
    const card = readFileSync(join(DEFAULT_MODEL_DIR, 'README.md'), 'utf8');
    for (const s of [
      '## How good it is on real web pages',
      '### Calibration and corrected shares',
      '### Learning curve',
      '## Training data and licences',
      '## News and dataset held-out evaluation',
      '## Known limitations',
      '## Rebuild',
      'ag_news',
      'thucnews',
      'sib200',
    ])
      expect(card).toContain(s);
    expect(existsSync(join(DEFAULT_MODEL_DIR, 'model.json'))).toBe(true);
  });
});

const POOL = join(root, '..', 'shared', 'data', 'web_pool');

describe.skipIf(!existsSync(POOL))('the default model on the held-out web split', () => {
  it('gives exactly the figures of its metrics.json (eval --labels labels/default --pool ...)', async () => {
    const metrics = JSON.parse(readFileSync(join(DEFAULT_MODEL_DIR, 'metrics.json'), 'utf8')) as { web_heldout: Record<string, { n: number; metrics: { accuracy: number; macro_f1: number } }> };
    const r = await evaluateModel({ model: DEFAULT_MODEL_DIR, data: [], labels: join(root, 'labels', 'default'), pool: [join(POOL, 'en.jsonl.gz'), join(POOL, 'zh.jsonl.gz')] });
    for (const lang of ['zh', 'en']) {
      expect(r.per_lang[lang]!.n).toBe(metrics.web_heldout[lang]!.n);
      expect(r.per_lang[lang]!.accuracy).toBeCloseTo(metrics.web_heldout[lang]!.metrics.accuracy, 9);
      expect(r.per_lang[lang]!.macro_f1).toBeCloseTo(metrics.web_heldout[lang]!.metrics.macro_f1, 9);
    }
  }, 60_000);
});
if (!existsSync(POOL)) console.warn(`skipping the held-out web check: ${POOL} is absent`);
