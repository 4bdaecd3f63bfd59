import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLabelled, readPool } from '../src/io/labelled.js';
import { checkLabelSet } from '../src/labels/check.js';
import { agreeLabels } from '../src/labels/agree.js';
import { suggestLabels } from '../src/labels/suggest.js';
import { parseTaxonomy, taxonomyLabels } from '../src/labels/taxonomy.js';
import type { LabelledExample } from '../src/types.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir('topicmix-web-labels-');

const TAXONOMY = `name: t
topics:
  - { id: food, names: { en: Food, zh: 美食 }, description: food, includes: [recipes] }
  - { id: tech, names: { en: Tech, zh: 科技 }, description: tech, includes: [phones] }
pool_labels: [web/*.jsonl]
abstain: { id: none, names: { en: No topic, zh: 无主题 }, description: nothing fits, reasons: [spam, boilerplate] }
`;

function write(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}

function labelSet(name: string, web: string): string {
  const d = join(dir, name);
  mkdirSync(join(d, 'web'), { recursive: true });
  write(join(d, 'taxonomy.yaml'), TAXONOMY);
  write(join(d, 'examples.jsonl'), '{"text":"a cake recipe","label":"food","lang":"en"}\n{"text":"a new phone","label":"tech","lang":"en"}\n');
  write(join(d, 'web', 'en.jsonl'), web);
  return d;
}

const POOL = write(
  join(dir, 'pool.jsonl'),
  ['{"id":"p1","text":"how to bake bread","lang":"en"}', '{"id":"p2","text":"buy cheap pills now now now","lang":"en"}', '{"id":"p3","text":"my laptop will not boot","lang":"en"}'].join('\n') + '\n',
);

describe('taxonomy v2: the abstain label', () => {
  it('is the last output label and cannot reuse a topic id', () => {
    expect(taxonomyLabels(parseTaxonomy(TAXONOMY, 't.yaml'))).toEqual(['food', 'tech', 'none']);
    expect(() => parseTaxonomy(TAXONOMY.replace('abstain: { id: none', 'abstain: { id: food'), 't.yaml')).toThrow(/abstain\.id: abstain id "food" is also a topic id/);
  });

  it('the shipped taxonomy keeps its 18 topic ids and adds none', async () => {
    const { loadTaxonomy } = await import('../src/labels/taxonomy.js');
    const t = await loadTaxonomy(join(import.meta.dirname, '..', 'labels', 'default', 'taxonomy.yaml'));
    expect(t.topics).toHaveLength(18);
    expect(t.abstain?.id).toBe('none');
    expect(t.version).toBe(2);
  });
});

describe('label rows keyed by pool id', () => {
  it('join their text from the pool, and keep label2, annotator, date and split', async () => {
    const f = write(join(dir, 'rows.jsonl'), '{"id":"p1","label":"food","label2":"tech","annotator":"a","date":"2026-12-02","split":"heldout"}\n');
    const { examples, errors } = await readLabelled([f], { pool: await readPool([POOL]) });
    expect(errors).toEqual([]);
    expect(examples[0]).toMatchObject({ text: 'how to bake bread', labels: ['food'], lang: 'en', id: 'p1', annotation: { label2: 'tech', annotator: 'a', date: '2026-12-02', split: 'heldout' } });
  });

  it('bad fields are error records naming file, line and field', async () => {
    const f = write(
      join(dir, 'bad-rows.jsonl'),
      ['{"id":"zz","label":"food"}', '{"id":"p1","label":"food","date":"2026-13-45"}', '{"id":"p1","label":"food","label2":"food"}', '{"id":"p1","label":"food","split":"dev"}'].join('\n') + '\n',
    );
    const { errors } = await readLabelled([f], { pool: await readPool([POOL]) });
    expect(errors.map((e) => [e.line, e.field, e.error])).toEqual([
      [1, 'id', 'unknown_id'],
      [2, 'date', 'invalid_field'],
      [3, 'label2', 'invalid_field'],
      [4, 'split', 'invalid_field'],
    ]);
    expect(errors[0]!.message).toBe(`${f}:1: field "id": "zz" is not in the pool`);
  });

  it('a pool with a duplicate id is refused, naming the line', async () => {
    const p = write(join(dir, 'dup-pool.jsonl'), '{"id":"a","text":"x"}\n{"id":"a","text":"y"}\n');
    await expect(readPool([p])).rejects.toThrow(`pool: ${p}:2: field "id": "a" appears twice`);
  });
});

describe('labels check on web labels', () => {
  it('checks abstain reasons, label2, annotator, date and ids labelled twice', async () => {
    const d = labelSet(
      'check-bad',
      [
        '{"id":"p2","label":"none","annotator":"a","date":"2026-12-02"}',
        '{"id":"p1","label":"food","reason":"spam","annotator":"a","date":"2026-12-02"}',
        '{"id":"p3","label":"tech","label2":"none","annotator":"a","date":"2026-12-02"}',
        '{"id":"p1","label":"food"}',
      ].join('\n') + '\n',
    );
    const r = await checkLabelSet(d, { pool: await readPool([POOL]), minPerTopic: 0 });
    const web = join(d, 'web', 'en.jsonl');
    expect(r.errors).toEqual([
      `${web}:1: field "reason" is missing: "none" needs one of spam, boilerplate`,
      `${web}:2: field "reason" is only for rows labelled "none"`,
      `${web}:3: field "label2": "none" is not a topic of the taxonomy`,
      `${web}:4: field "annotator" is missing (every web label records who made it)`,
      `${web}:4: field "date" is missing (every web label records when it was made)`,
      `${web}:4: field "id": "p1" is labelled twice (also ${web}:2)`,
    ]);
  });

  it('passes good web labels, counts none, and says when the pool was not given', async () => {
    const d = labelSet('check-ok', '{"id":"p2","label":"none","reason":"spam","annotator":"a","date":"2026-12-02"}\n{"id":"p3","label":"tech","annotator":"a","date":"2026-12-02"}\n');
    const r = await checkLabelSet(d, { pool: await readPool([POOL]), minPerTopic: 0 });
    expect(r.errors).toEqual([]);
    expect(r.counts.find((c) => c.topic === 'none')).toEqual({ topic: 'none', lang: 'en', count: 1 });
    expect(r.counts.find((c) => c.topic === 'tech')).toEqual({ topic: 'tech', lang: 'en', count: 2 });
    const without = await checkLabelSet(d, { minPerTopic: 0 });
    expect(without.warnings).toContain(`1 pool label file(s) (${join(d, 'web', 'en.jsonl')}) not checked: give the pool with --pool`);
  });
});

function ex(id: string, label: string, label2?: string): LabelledExample {
  return { id, text: '', labels: [label], weight: 1, source: { file: 'f', line: 1, byteOffset: 0, byteLength: 0 }, fields: {}, ...(label2 && { annotation: { label2 } }) };
}

describe('agreeLabels', () => {
  it('gives observed agreement and Cohen kappa as computed by hand', () => {
    // 10 docs: A = 5 x, 5 y; B agrees on 4 x and 4 y; (x,y) once, (y,x) once
    const a = ['x', 'x', 'x', 'x', 'x', 'y', 'y', 'y', 'y', 'y'].map((l, i) => ex(`d${i}`, l));
    const b = ['x', 'x', 'x', 'x', 'y', 'y', 'y', 'y', 'y', 'x'].map((l, i) => ex(`d${i}`, l, i === 4 ? 'x' : undefined));
    const r = agreeLabels(a, [...b, ex('extra', 'x')]);
    expect(r.n).toBe(10);
    expect(r.only_b).toBe(1);
    expect(r.agreement).toBeCloseTo(0.8, 12);
    // pe = 0.5*0.5 + 0.5*0.5 = 0.5 -> kappa = (0.8-0.5)/0.5 = 0.6
    expect(r.kappa).toBeCloseTo(0.6, 12);
    expect(r.agreement_any).toBeCloseTo(0.9, 12);
    expect(r.confusions).toEqual([
      { a: 'x', b: 'y', count: 1 },
      { a: 'y', b: 'x', count: 1 },
    ]);
    expect(r.per_label).toEqual([
      { label: 'x', a: 5, b: 5, both: 4, specific_agreement: 0.8 },
      { label: 'y', a: 5, b: 5, both: 4, specific_agreement: 0.8 },
    ]);
  });
});

describe('suggestLabels', () => {
  const pool = Array.from({ length: 40 }, (_, i) => ({ id: `d${i}`, text: `doc number ${i}`, lang: i % 4 === 0 ? 'zh' : 'en' }));

  it('without a model: equal quotas per language, deterministic, skips labelled ids', () => {
    const a = suggestLabels(pool, { n: 10, seed: 3, labelled: new Set(['d0', 'd1']) });
    expect(a).toEqual(suggestLabels(pool, { n: 10, seed: 3, labelled: new Set(['d0', 'd1']) }));
    expect(a.filter((s) => s.lang === 'zh')).toHaveLength(5);
    expect(a.map((s) => s.id)).not.toContain('d0');
    expect(a.every((s) => s.reason === 'random')).toBe(true);
    expect(suggestLabels(pool, { n: 10, seed: 4 }).map((s) => s.id)).not.toEqual(suggestLabels(pool, { n: 10, seed: 3 }).map((s) => s.id));
  });

  it('with a model: the same quota per predicted topic, most uncertain first', () => {
    const docs = pool.map((_, i) => ({ probs: i < 20 ? [0.5 + i / 100, 0.5 - i / 100] : [0.4 - (i - 20) / 100, 0.6 + (i - 20) / 100] }));
    const en = pool.map((d) => ({ ...d, lang: 'en' }));
    const s = suggestLabels(en, { n: 4, explore: 0, predictions: { labels: ['a', 'b'], docs } });
    expect(s.map((x) => [x.id, x.predicted!.label])).toEqual([
      ['d0', 'a'],
      ['d20', 'b'],
      ['d1', 'a'],
      ['d21', 'b'],
    ]);
    expect(s[0]!.predicted!.margin).toBeCloseTo(0, 12);
  });

  it('near-duplicates are suggested once', () => {
    const dup = [
      { id: 'a', text: 'Same  TEXT', lang: 'en' },
      { id: 'b', text: 'same text', lang: 'en' },
    ];
    expect(suggestLabels(dup, { n: 5 })).toHaveLength(1);
  });
});
