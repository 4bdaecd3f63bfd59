/**
 * `trainModel({ autotune })` / `topicmix train --autotune`: the search is deterministic for a seed, is stored in
 * the metadata and the model card, keeps its budget (checked with an injected fake clock, never wall time),
 * holds out a seeded slice when there is no dev data, and rejects bad flag values naming the flag.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { heldOutSplit } from '../src/autotune.js';
import { AUTOTUNE_DEFAULTS, FEATURIZER_DEFAULTS, TRAIN_DEFAULTS } from '../src/defaults.js';
import { Featurizer } from '../src/features/featurizer.js';
import { encodeExamples, maskBuckets, subsetEncoded } from '../src/model/dataset.js';
import type { ModelMetadata } from '../src/model/metadata.js';
import { autoBatchSize, autoEpochs, trainModel, type TrainOptions } from '../src/train.js';
import type { LabelledExample } from '../src/types.js';
import { requireBuiltCli, runCli } from './cli-helpers.js';
import { TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

const dir = tempDir('topicmix-autotune-');
const data = writeJsonl(join(dir, 'train.jsonl'), TINY_EXAMPLES);
// every fourth example as dev data, the rest as training data
const devData = writeJsonl(
  join(dir, 'dev.jsonl'),
  TINY_EXAMPLES.filter((_, i) => i % 4 === 0),
);
const devTrain = writeJsonl(
  join(dir, 'dev-train.jsonl'),
  TINY_EXAMPLES.filter((_, i) => i % 4 !== 0),
);

async function readMeta(out: string): Promise<ModelMetadata> {
  return (JSON.parse(await readFile(join(out, 'model.json'), 'utf8')) as { userDefinedMetadata: { topicmix: ModelMetadata } }).userDefinedMetadata.topicmix;
}

/** A fake clock: every reading advances it by `stepMs`, so a run's timing is the same on any machine. */
function fakeClock(stepMs: number, jumps: Record<number, number> = {}): { clock: () => number; calls: () => number } {
  let t = 0;
  let n = 0;
  return {
    clock: () => {
      n++;
      t += stepMs + (jumps[n] ?? 0);
      return t;
    },
    calls: () => n,
  };
}

const small: Partial<TrainOptions> = { buckets: 4096 };

describe('trainModel with autotune', () => {
  it('is deterministic for a seed with a trial count, starts from the defaults and stores the search', async () => {
    const opts = (out: string): TrainOptions => ({ data: [data], out, seed: 3, autotune: { trials: 6 }, ...small });
    const a = await trainModel(opts(join(dir, 'det-a')));
    const b = await trainModel(opts(join(dir, 'det-b')));
    const ra = a.meta.training.autotune!;
    const rb = b.meta.training.autotune!;
    expect(ra.trials).toHaveLength(6);
    expect(ra.evaluated).toBe(6);
    expect(ra.stopReason).toBe('trials');
    expect(ra.budgetSeconds).toBeNull();
    expect(ra.trialsLimit).toBe(6);
    const strip = (r: typeof ra) => r.trials.map((t) => ({ setting: t.setting, score: t.score }));
    expect(strip(rb)).toEqual(strip(ra));
    expect(rb.best).toEqual(ra.best);
    expect(await readFile(join(dir, 'det-b', 'weights.bin'))).toEqual(await readFile(join(dir, 'det-a', 'weights.bin')));
    // the first trial is the plain defaults; the best is what the model was trained with
    const n = TINY_EXAMPLES.length;
    expect(ra.trials[0]!.setting).toEqual({
      lr: TRAIN_DEFAULTS.lr,
      epochs: autoEpochs(n, autoBatchSize(n)),
      dim: TRAIN_DEFAULTS.dim,
      ngrams: FEATURIZER_DEFAULTS.ngrams,
      buckets: 4096,
      classWeight: TRAIN_DEFAULTS.classWeight,
    });
    expect(ra.defaultScore).toBe(ra.trials[0]!.score);
    const bestTrial = ra.trials.reduce((x, y) => (y.score > x.score ? y : x));
    expect(ra.best).toEqual(bestTrial.setting);
    expect(ra.bestScore).toBe(bestTrial.score);
    const t = a.meta.training;
    expect({ lr: t.lr, epochs: t.epochs, dim: a.meta.dim, ngrams: a.meta.featurizer.ngrams, buckets: a.meta.featurizer.buckets, classWeight: t.classWeight }).toEqual(ra.best);
    // buckets was given, so it is fixed; the trials only move the other settings
    expect(ra.fixed).toEqual(['buckets']);
    expect(ra.trials.every((x) => x.setting.buckets === 4096)).toBe(true);
    // stored in model.json and the card
    expect((await readMeta(join(dir, 'det-a'))).training.autotune).toEqual(ra);
    const card = await readFile(join(dir, 'det-a', 'README.md'), 'utf8');
    expect(card).toContain('## Autotune');
    expect(card).toContain('6 trials scored on a seeded held-out 20% of the training data');
    expect(card).toContain('it stopped because the trial limit was reached');
    for (const x of ra.trials)
      expect(card).toContain(
        `| ${x.index} | ${x.setting.lr} | ${x.setting.epochs} | ${x.setting.dim} | ${x.setting.ngrams} | ${x.setting.buckets} | ${x.setting.classWeight} | ${x.score.toFixed(4)} |`,
      );
  });

  it('without dev data scores trials on a seeded, stratified held-out slice and retrains on all the data', async () => {
    const r = await trainModel({ data: [data], out: join(dir, 'held'), seed: 5, autotune: { trials: 2 }, ...small });
    const a = r.meta.training.autotune!;
    expect(a.scoredOn).toBe('held-out');
    expect(a.heldOutShare).toBe(AUTOTUNE_DEFAULTS.heldOutShare);
    // 3 labels x 16 examples: round(16 x 0.2) = 3 held out of each
    expect(a.nTrialEval).toBe(9);
    expect(a.nTrialTrain).toBe(39);
    expect(r.meta.training.nTrain).toBe(48);
    expect(r.meta.training.nDev).toBe(0);
  });

  it('with dev data scores trials on it and keeps fixed settings fixed', async () => {
    const r = await trainModel({ data: [devTrain], dev: [devData], out: join(dir, 'dev'), dim: 8, autotune: { trials: 4 }, ...small });
    const a = r.meta.training.autotune!;
    expect(a.scoredOn).toBe('dev');
    expect(a.heldOutShare).toBeUndefined();
    expect(a.nTrialTrain).toBe(36);
    expect(a.nTrialEval).toBe(12);
    expect(a.fixed).toEqual(['dim', 'buckets']);
    expect(a.trials.map((t) => t.setting.dim)).toEqual([8, 8, 8, 8]);
    expect(r.meta.dim).toBe(8);
    expect(r.devMetrics?.n).toBe(12);
  });

  it('stops starting trials when the estimate says the final training would not fit the budget', async () => {
    // every clock reading is 2 ms later: trials take a fixed, machine-independent amount of fake time
    const budgetSeconds = 3;
    const { clock } = fakeClock(2);
    const r = await trainModel({ data: [data], out: join(dir, 'budget'), autotune: { budgetSeconds, clock }, ...small });
    const a = r.meta.training.autotune!;
    expect(a.budgetSeconds).toBe(3);
    expect(a.stopReason).toBe('budget');
    expect(a.evaluated).toBeGreaterThan(1);
    // the search ended on the budget: a candidate passed over, or a trial stopped (only ever the last one)
    const stopped = a.trials.filter((t) => t.stopped);
    expect(stopped.length).toBeLessThanOrEqual(1);
    if (stopped.length) expect(a.trials.at(-1)).toEqual(stopped[0]);
    expect(a.skipped + stopped.length).toBeGreaterThan(0);
    // a trial is only started when its estimate and the final training's fit in what is left
    for (const t of a.trials) expect(t.at + t.estimate * AUTOTUNE_DEFAULTS.safety + AUTOTUNE_DEFAULTS.reserveSeconds).toBeLessThanOrEqual(budgetSeconds);
    // trials start in order, each after the previous one
    for (let i = 1; i < a.trials.length; i++) expect(a.trials[i]!.at).toBeGreaterThanOrEqual(a.trials[i - 1]!.at + a.trials[i - 1]!.seconds);
    // the whole call, final training included, ended within the budget on the fake clock
    expect(a.totalSeconds!).toBeLessThanOrEqual(budgetSeconds);
    // with the fake clock the run is reproducible, the number of trials included
    const again = await trainModel({ data: [data], out: join(dir, 'budget-2'), autotune: { budgetSeconds, clock: fakeClock(2).clock }, ...small });
    expect(again.meta.training.autotune!.trials).toEqual(a.trials);
  });

  it('runs no trial when even the defaults would not fit, and trains the defaults', async () => {
    // 0.5 s of budget is less than the 1 s kept for writing the model
    const r = await trainModel({ data: [data], out: join(dir, 'tiny-budget'), autotune: { budgetSeconds: 0.5, clock: fakeClock(1).clock }, ...small });
    const a = r.meta.training.autotune!;
    expect(a.evaluated).toBe(0);
    expect(a.stopReason).toBe('budget');
    expect(a.best.lr).toBe(TRAIN_DEFAULTS.lr);
    expect(r.meta.training.lr).toBe(TRAIN_DEFAULTS.lr);
    const card = await readFile(join(dir, 'tiny-budget', 'README.md'), 'utf8');
    expect(card).toContain('0 trials scored');
  });

  it('stops a trial that runs over and does not count its score', async () => {
    // reading 60 (inside the first trials) jumps the clock by 50 s: past the 20 s budget
    const r = await trainModel({ data: [data], out: join(dir, 'overrun'), autotune: { budgetSeconds: 20, clock: fakeClock(1, { 60: 50_000 }).clock }, ...small });
    const a = r.meta.training.autotune!;
    const stopped = a.trials.filter((t) => t.stopped);
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.score).toBe(0);
    expect(a.trials.at(-1)).toEqual(stopped[0]);
    expect(a.stopReason).toBe('budget');
    if (a.trials.length > 1) expect(a.bestScore).toBe(Math.max(...a.trials.filter((t) => !t.stopped).map((t) => t.score)));
  });

  it('rejects bad autotune options naming them', async () => {
    await expect(trainModel({ data: [data], out: join(dir, 'bad1'), autotune: { trials: 0 } })).rejects.toThrow(/`trials` must be a positive integer, got 0/);
    await expect(trainModel({ data: [data], out: join(dir, 'bad2'), autotune: { budgetSeconds: -1 } })).rejects.toThrow(/`budgetSeconds` must be a positive number of seconds, got -1/);
    await expect(trainModel({ data: [data], out: join(dir, 'bad3'), autotune: { heldOutShare: 1 } })).rejects.toThrow(/`heldOutShare` must be in \(0, 1\), got 1/);
  });
});

describe('autotune building blocks', () => {
  const examples: LabelledExample[] = TINY_EXAMPLES.map((e, i) => ({ fields: {}, text: e.text, labels: [e.label], weight: 1, source: { file: 'x', line: i + 1, byteOffset: -1, byteLength: 0 } }));
  const labelIndex = new Map([
    ['finance', 0],
    ['sports', 1],
    ['tech', 2],
  ]);

  it('holds out the same stratified slice for a seed, a different one for another seed', () => {
    const a = heldOutSplit(examples, labelIndex, 0.25, 1);
    expect(heldOutSplit(examples, labelIndex, 0.25, 1)).toEqual(a);
    expect(heldOutSplit(examples, labelIndex, 0.25, 2).eval).not.toEqual(a.eval);
    expect(a.eval).toHaveLength(12);
    for (const label of labelIndex.keys()) expect(a.eval.filter((i) => examples[i]!.labels[0] === label)).toHaveLength(4);
    expect([...a.train, ...a.eval].sort((x, y) => x - y)).toEqual(examples.map((_, i) => i));
  });

  it('refuses to hold out when no label has two examples', () => {
    expect(() => heldOutSplit(examples.slice(0, 1), labelIndex, 0.2, 1)).toThrow(/give `dev` data/);
  });

  it('masking ids of a larger power-of-two bucket count gives exactly what the featurizer makes for the smaller one', () => {
    const enc = (buckets: number) => encodeExamples(examples, labelIndex, new Featurizer({ ...FEATURIZER_DEFAULTS, buckets }));
    const big = enc(1 << 21);
    for (const b of [1 << 18, 1 << 20, 16]) expect(maskBuckets(big, 1 << 21, b).ids).toEqual(enc(b).ids);
    expect(() => maskBuckets(big, 1 << 21, 1000)).toThrow(/powers of two/);
  });

  it('subsets an encoded dataset document by document', () => {
    const full = encodeExamples(examples, labelIndex, new Featurizer({ ...FEATURIZER_DEFAULTS, buckets: 4096 }));
    const sub = subsetEncoded(full, [5, 2]);
    const one = (i: number) => encodeExamples([examples[i]!], labelIndex, new Featurizer({ ...FEATURIZER_DEFAULTS, buckets: 4096 }));
    expect(sub.n).toBe(2);
    expect([...sub.ids]).toEqual([...one(5).ids, ...one(2).ids]);
    expect([...sub.targets]).toEqual([labelIndex.get(examples[5]!.labels[0]!), labelIndex.get(examples[2]!.labels[0]!)]);
    expect(sub.offsets[2]).toBe(sub.ids.length);
  });
});

describe('topicmix train --autotune', () => {
  it('trains with a trial count, reports progress on stderr and the search in --json', async () => {
    requireBuiltCli();
    const out = join(dir, 'cli');
    const r = await runCli(['train', '--data', data, '--out', out, '--autotune', '--autotune-trials', '3', '--buckets', '4096', '--json']);
    expect(r.stderr).toMatch(/^autotune 1\/3 \(/m);
    expect(r.stderr).toMatch(/^autotune 3\/3 \(/m);
    expect(r.stderr).toMatch(/^autotune: 3 trials \(trials\), best /m);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { training: ModelMetadata['training'] };
    expect(j.training.autotune!.trials).toHaveLength(3);
    expect(j.training.autotune!.fixed).toEqual(['buckets']);
  });

  it('rejects bad values naming the flag', async () => {
    requireBuiltCli();
    const base = ['train', '--data', data, '--out', join(dir, 'cli-bad')];
    const cases: [string[], RegExp][] = [
      [['--autotune', '--autotune-budget', 'soon'], /--autotune-budget must be a positive duration such as 60, 60s, 2m or 1h, got "soon"/],
      [['--autotune', '--autotune-budget', '0s'], /--autotune-budget must be a positive duration/],
      [['--autotune', '--autotune-trials', '0'], /--autotune-trials must be an integer >= 1, got "0"/],
      [['--autotune-budget', '30s'], /--autotune-budget needs --autotune/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli([...base, ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(re);
    }
  });
});

describe('--autotune-budget values', () => {
  it('reads plain seconds and s, m, h units', async () => {
    const { duration } = await import('../src/cli/options.js');
    const parse = duration('--autotune-budget');
    expect([parse('60'), parse('60s'), parse('2m'), parse('1.5m'), parse('1h'), parse('0.5')]).toEqual([60, 60, 120, 90, 3600, 0.5]);
    expect(() => parse('-5s')).toThrow(/--autotune-budget must be a positive duration/);
    expect(() => parse('5 minutes')).toThrow(/got "5 minutes"/);
  });
});
