import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier } from '../src/classifier.js';
import { readLabelled } from '../src/io/labelled.js';
import { checkLabelSet } from '../src/labels/check.js';
import { trainModel } from '../src/train.js';
import { TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

// Soft labels: rows with `probs: {label: p}` train a softmax model against that distribution (issue 13).

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

describe('reading probs', () => {
  it('labels are the labels with p > 0, most probable first; the distribution is kept', async () => {
    const f = writeJsonl(join(dir, 'ok.jsonl'), [{ text: 'x', probs: { a: 0.25, b: 0.75, c: 0 } }]);
    const { examples, errors } = await readLabelled([f]);
    expect(errors).toEqual([]);
    expect(examples[0]!.labels).toEqual(['b', 'a']);
    expect(examples[0]!.probs).toEqual({ a: 0.25, b: 0.75, c: 0 });
  });

  it('bad probs are errors naming file, line and field', async () => {
    const f = join(dir, 'bad.jsonl');
    const rows = [
      { text: 'x', probs: { a: -0.5, b: 1.5 } },
      { text: 'x', probs: { a: 0.5, b: 0.4 } },
      { text: 'x', probs: [0.5, 0.5] },
      { text: 'x', probs: {} },
      { text: 'x', label: 'a', probs: { a: 1 } },
      { text: 'x', probs: { a: 0.5, b: 0.5000000001 } },
    ];
    writeJsonl(f, rows);
    const { examples, errors } = await readLabelled([f]);
    expect(examples.map((e) => e.source.line)).toEqual([6]); // within 1e-6 of 1
    expect(errors.map((e) => [e.field, e.message])).toEqual([
      ['probs', `${f}:1: field "probs" value for "a" must be a finite number >= 0, got -0.5`],
      ['probs', `${f}:2: field "probs" must sum to 1 (within 0.000001), sums to 0.9`],
      ['probs', `${f}:3: field "probs" must be an object {label: probability}, got array`],
      ['probs', `${f}:4: field "probs" must name at least one label`],
      ['probs', `${f}:5: field "probs" gives soft labels: leave out "label" and "labels" on that row`],
    ]);
  });

  it('labels check: probs with labels outside the taxonomy (also at p = 0), and bad sums, name file, line and field', async () => {
    const set = join(dir, 'set');
    mkdirSync(set);
    writeFileSync(
      join(set, 'taxonomy.yaml'),
      ['name: t', 'version: 1', 'topics:', ...['a', 'b'].flatMap((id) => [`  - id: ${id}`, `    names: { en: ${id}, zh: ${id} }`, `    description: topic ${id}`, `    includes: [${id}]`])].join(
        '\n',
      ) + '\n',
    );
    const f = writeJsonl(join(set, 'train.jsonl'), [
      { text: 'one', probs: { a: 0.5, b: 0.5 } },
      { text: 'two', probs: { a: 1, z: 0 } },
      { text: 'three', probs: { a: 0.7, b: 0.7 } },
    ]);
    const r = await checkLabelSet(set, { minPerTopic: 1 });
    expect(r.errors).toEqual([`${f}:2: field "probs": unknown label "z" (not in taxonomy)`, `${f}:3: field "probs" must sum to 1 (within 0.000001), sums to 1.4`]);
    expect(r.ok).toBe(false);
  });
});

describe('training on soft labels', () => {
  it('one-hot probs give exactly the model of the hard labels (same seed)', async () => {
    const hard = writeJsonl(join(dir, 'hard.jsonl'), TINY_EXAMPLES);
    const soft = writeJsonl(
      join(dir, 'soft.jsonl'),
      TINY_EXAMPLES.map((e) => ({ text: e.text, probs: { [e.label]: 1 } })),
    );
    const a = await trainModel({ data: [hard], out: join(dir, 'm-hard'), buckets: 4096, seed: 5, quantize: 'float32' });
    const b = await trainModel({ data: [soft], out: join(dir, 'm-soft'), buckets: 4096, seed: 5, quantize: 'float32' });
    expect(readFileSync(join(dir, 'm-soft', 'weights.bin')).equals(readFileSync(join(dir, 'm-hard', 'weights.bin')))).toBe(true);
    expect(b.meta.training.history).toEqual(a.meta.training.history);
    expect(b.meta.training.dataHash).toBe(a.meta.training.dataHash);
    expect(b.meta.multiLabel).toBeUndefined();
  });

  it('soft targets move the predicted distribution of a training document toward them', async () => {
    // every sports document is said to be 40% finance: the model's finance probability on them rises
    const rows = TINY_EXAMPLES.map((e) => (e.label === 'sports' ? { text: e.text, probs: { sports: 0.6, finance: 0.4 } } : { text: e.text, label: e.label }));
    const soft = writeJsonl(join(dir, 'mixed.jsonl'), rows);
    const hard = writeJsonl(join(dir, 'hard2.jsonl'), TINY_EXAMPLES);
    await trainModel({ data: [hard], out: join(dir, 'd-hard'), buckets: 4096, seed: 5, quantize: 'float32' });
    await trainModel({ data: [soft], out: join(dir, 'd-soft'), buckets: 4096, seed: 5, quantize: 'float32' });
    const h = await loadClassifier(join(dir, 'd-hard'));
    const s = await loadClassifier(join(dir, 'd-soft'));
    const sports = TINY_EXAMPLES.filter((e) => e.label === 'sports').map((e) => e.text);
    const ph = await h.classifyBatch(sports, { allScores: true });
    const ps = await s.classifyBatch(sports, { allScores: true });
    const mean = (ps_: typeof ph, l: string) => ps_.reduce((a, p) => a + p.scores![l]!, 0) / ps_.length;
    expect(mean(ph, 'finance')).toBeLessThan(0.2);
    expect(mean(ps, 'finance')).toBeGreaterThan(mean(ph, 'finance') + 0.15);
    expect(mean(ps, 'sports')).toBeLessThan(mean(ph, 'sports'));
    // and towards the target, not past it: sports stays the top topic
    for (const p of ps) expect(p.label).toBe('sports');
  });

  it('a multi-label model refuses soft labels', async () => {
    const f = writeJsonl(join(dir, 'soft-ml.jsonl'), [
      { text: 'x', probs: { a: 0.5, b: 0.5 } },
      { text: 'y', labels: ['a', 'b'] },
    ]);
    await expect(trainModel({ data: [f], out: join(dir, 'x1'), multiLabel: true })).rejects.toThrow(
      `train: ${f}:1: field "probs": soft labels train softmax models; a multi-label model needs \`labels\` lists`,
    );
    await expect(trainModel({ data: [f], out: join(dir, 'x2') })).rejects.toThrow('set `multiLabel` false to train one softmax on both');
  });
});
