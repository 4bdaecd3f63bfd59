import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR, loadClassifier } from '../src/classifier.js';
import { parseTaxonomy } from '../src/labels/taxonomy.js';

const root = join(__dirname, '..');

describe('the shipped default model', () => {
  it('is small, loads without a model argument and covers the default taxonomy', async () => {
    expect(statSync(join(DEFAULT_MODEL_DIR, 'weights.bin')).size).toBeLessThanOrEqual(10 * 1024 * 1024);
    const clf = await loadClassifier();
    const taxonomy = parseTaxonomy(readFileSync(join(root, 'labels/default/taxonomy.yaml'), 'utf8'), 'taxonomy.yaml');
    expect([...clf.labels]).toEqual(taxonomy.topics.map((t) => t.id));
    expect(clf.metadata.labelNames?.sports).toEqual({ en: 'Sports & Fitness', zh: '体育运动' });
    const p = await clf.classifyBatch([
      'CBA常规赛：主队末节逆转，豪取八连胜，外援连续命中三记三分球',
      'The central bank raised interest rates and stock markets fell sharply on Wall Street',
      '宫保鸡丁的做法：鸡肉切丁，花生米炸香，干辣椒和花椒爆锅',
    ]);
    expect(p.map((x) => x.label)).toEqual(['sports', 'business_finance', 'food_dining']);
    expect(p.map((x) => x.lang)).toEqual(['zh', 'en', 'zh']);
    clf.dispose();
  });

  it('tags the README example file with no --model (the README\'s first command)', () => {
    const out = execFileSync(process.execPath, [join(root, 'dist/cli/main.js'), 'classify', join(root, 'examples/pages.jsonl'), '-o', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const rows = out.trim().split('\n').map((l) => JSON.parse(l) as { id: string; topic: string; topics: unknown[] });
    const input = readFileSync(join(root, 'examples/pages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(rows.map((r) => r.id)).toEqual(input.map((r) => r.id));
    for (const r of rows) {
      expect(typeof r.topic).toBe('string');
      expect(r.topics).toHaveLength(3);
    }
  });

  it('has a model card with per-topic, per-language results and the sources', () => {
    const card = readFileSync(join(DEFAULT_MODEL_DIR, 'README.md'), 'utf8');
    for (const s of ['## Training data and licences', '## Held-out evaluation', '## On raw web pages', '## Known limitations', '## Rebuild', 'ag_news', 'thucnews', 'sib200']) expect(card).toContain(s);
    expect(existsSync(join(DEFAULT_MODEL_DIR, 'model.json'))).toBe(true);
  });
});
