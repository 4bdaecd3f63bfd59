import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonl, runCli, useTinyModel, writeJsonl } from './cli-helpers.js';

const ws = useTinyModel('topicmix-cli-label-tools-');

describe('label suggest', () => {
  it('without a model: a stratified random start, skipping labelled ids, the same for a seed', async () => {
    const dir = await ws.caseDir();
    const pool = await writeJsonl(
      join(dir, 'pool.jsonl'),
      Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, text: i % 3 === 0 ? `股票市场 第${i}天` : `market day ${i}`, lang: i % 3 === 0 ? 'zh' : 'en' })),
    );
    const labels = join(dir, 'labels');
    await mkdir(labels);
    await writeJsonl(join(labels, 'done.jsonl'), [{ id: 'p1', label: 'finance' }]);
    const args = ['label', 'suggest', '--pool', pool, '--labels', labels, '-n', '6', '--seed', '2'];
    const a = await runCli([...args, '-o', join(dir, 'a.jsonl')]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe(`suggested 6 of 29 unlabelled documents -> ${join(dir, 'a.jsonl')}\n`);
    await runCli([...args, '-o', join(dir, 'b.jsonl')]);
    const rows = parseJsonl<{ id: string; lang: string; suggest: { reason: string } }>(await readFile(join(dir, 'a.jsonl'), 'utf8'));
    expect(await readFile(join(dir, 'b.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'a.jsonl'), 'utf8'));
    expect(rows.filter((r) => r.lang === 'zh')).toHaveLength(3);
    expect(rows.map((r) => r.id)).not.toContain('p1');
    expect(new Set(rows.map((r) => r.suggest.reason))).toEqual(new Set(['random']));
  });

  it('with a model: each suggestion carries the model prediction', async () => {
    const dir = await ws.caseDir();
    const pool = await writeJsonl(
      join(dir, 'pool.jsonl'),
      Array.from({ length: 12 }, (_, i) => ({ id: `p${i}`, text: ['stocks and bonds', 'the football final', 'a new phone chip'][i % 3] + ` ${i}` })),
    );
    const r = await runCli(['label', 'suggest', '--pool', pool, '--model', ws.model, '-n', '4', '-o', join(dir, 's.jsonl')]);
    expect(r.code).toBe(0);
    const rows = parseJsonl<{ suggest: { predicted: { label: string; score: number; margin: number } } }>(await readFile(join(dir, 's.jsonl'), 'utf8'));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(['finance', 'sports', 'tech']).toContain(row.suggest.predicted.label);
  });
});

describe('labels agree', () => {
  it('prints agreement and kappa for two label files joined by id, and --json', async () => {
    const dir = await ws.caseDir();
    const a = await writeJsonl(join(dir, 'a.jsonl'), [
      { id: '1', label: 'x' },
      { id: '2', label: 'x' },
      { id: '3', label: 'y' },
      { id: '4', label: 'y' },
    ]);
    const b = await writeJsonl(join(dir, 'b.jsonl'), [
      { id: '1', label: 'x' },
      { id: '2', label: 'y' },
      { id: '3', label: 'y' },
      { id: '4', label: 'y' },
    ]);
    const r = await runCli(['labels', 'agree', a, b]);
    expect(r.code).toBe(0);
    // po = 0.75, pe = 0.5*0.25 + 0.5*0.75 = 0.5, kappa = 0.5
    expect(r.stdout).toContain("agreement 75.0%, Cohen's kappa 0.500");
    expect(r.stdout).toContain('  x -> y: 1');
    const j = await runCli(['labels', 'agree', a, b, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ n: 4, kappa: 0.5, disagreements: [{ id: '2', a: 'x', b: 'y' }] });
  });

  it('a bad line is an error naming file, line and field', async () => {
    const dir = await ws.caseDir();
    const a = await writeJsonl(join(dir, 'a.jsonl'), [{ id: '1', label: 'x' }, { id: '2' }]);
    const r = await runCli(['labels', 'agree', a, a]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${a}:2: field "label" (or "labels") is missing`);
  });
});

describe('train and eval on pool labels', () => {
  it('trains on pool-label rows except held-out ones, and eval --labels measures exactly the held-out rows', async () => {
    const dir = await ws.caseDir();
    const texts: Record<string, string[]> = {
      finance: ['stocks fell on the market', 'the bank raised interest rates', 'bond yields and the stock index', 'shares of the company rose'],
      sports: ['the team won the football final', 'a striker scored two goals', 'the tennis champion lost', 'the marathon runner finished first'],
    };
    const pool: { id: string; text: string; lang: string }[] = [];
    const rows: Record<string, unknown>[] = [];
    for (const [label, list] of Object.entries(texts)) {
      list.forEach((text, i) => {
        const id = `${label}-${i}`;
        pool.push({ id, text, lang: 'en' });
        rows.push({ id, label, annotator: 'test', date: '2026-12-02', split: i === 0 ? 'heldout' : 'train' });
      });
    }
    const poolFile = await writeJsonl(join(dir, 'pool.jsonl'), pool);
    const set = join(dir, 'set');
    await mkdir(join(set, 'web'), { recursive: true });
    await writeFile(
      join(set, 'taxonomy.yaml'),
      'name: t\npool_labels: [web/*.jsonl]\ntopics:\n  - { id: finance, names: { en: F, zh: 财 }, description: money, includes: [stocks] }\n  - { id: sports, names: { en: S, zh: 体 }, description: sport, includes: [football] }\n',
    );
    await writeJsonl(join(set, 'own.jsonl'), [
      { text: 'the stock market', label: 'finance' },
      { text: 'a football match', label: 'sports' },
    ]);
    await writeJsonl(join(set, 'web', 'en.jsonl'), rows);
    const out = join(dir, 'm');
    const t = await runCli(['train', '--labels', set, '--pool', poolFile, '--pool-weight', '2', '--out', out, '--buckets', '4096', '--json']);
    expect(t.code).toBe(0);
    // 2 own rows + 6 pool rows (the 2 held-out ones are not trained on)
    expect(JSON.parse(t.stdout).training.nTrain).toBe(8);
    const e = await runCli(['eval', '--model', out, '--labels', set, '--pool', poolFile, '--json']);
    expect(e.code).toBe(0);
    const report = JSON.parse(e.stdout) as { n: number; per_source: Record<string, { n: number }> };
    expect(report.n).toBe(2);
    expect(Object.keys(report.per_source)).toEqual(['heldout']);
    const bad = await runCli(['train', '--labels', set, '--out', join(dir, 'm2'), '--pool', join(dir, 'missing.jsonl'), '--buckets', '4096']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('missing.jsonl');
  });
});
