import { AUTOTUNE_DEFAULTS, type FeaturizerConfig } from './defaults.js';
import { Featurizer, type FeaturizerPlugins } from './features/featurizer.js';
import { encodeExamples, maskBuckets, subsetEncoded, type EncodedDataset } from './model/dataset.js';
import { Rng } from './model/rng.js';
import { trainSparseScore } from './model/train-sparse.js';
import type { AutotuneRecord, AutotuneSetting, AutotuneTrial } from './model/metadata.js';
import type { LabelledExample } from './types.js';

export type { AutotuneRecord, AutotuneSetting, AutotuneTrial } from './model/metadata.js';

export type AutotuneParam = keyof AutotuneSetting;

export interface AutotuneOptions {
  /** Hard bound on the whole training call, in seconds (null: none, then `trials` must be given). Default AUTOTUNE_DEFAULTS.budgetSeconds (60) unless only `trials` is given. */
  budgetSeconds?: number | null;
  /** Most trials to run. Default AUTOTUNE_DEFAULTS.trials (null: as many as the budget allows). */
  trials?: number | null;
  /** Share of the training data held out to score trials when there is no dev data. Default AUTOTUNE_DEFAULTS.heldOutShare (0.2). */
  heldOutShare?: number;
  /** Milliseconds, monotonic (default performance.now); tests inject a fake one. */
  clock?: () => number;
  /** Clock value the budget counts from. Default: when training starts (the CLI passes 0, the process start). */
  startedAt?: number;
  /** Called after every trial with the best one so far. */
  onTrial?: (trial: AutotuneTrial, best: AutotuneTrial) => void;
}

export interface AutotuneInput {
  train: readonly LabelledExample[];
  dev: readonly LabelledExample[];
  labelIndex: ReadonlyMap<string, number>;
  /** Featurizer settings other than ngrams and buckets (zhTokens, stem, chunkChars). */
  featurizer: FeaturizerConfig;
  plugins: FeaturizerPlugins;
  /** The start point: the training defaults with the user's own settings. */
  base: AutotuneSetting;
  /** Settings the user fixed: not searched. */
  fixed: readonly AutotuneParam[];
  batchSize: number;
  seed: number;
}

export interface AutotuneResult {
  best: AutotuneSetting;
  record: AutotuneRecord;
  /** The training (and dev) data encoded for the best setting, ready for the final training. */
  trainSet: EncodedDataset;
  devSet?: EncodedDataset;
}

/** The order parameters are searched in: the ones that move accuracy most first. */
const PARAM_ORDER: readonly AutotuneParam[] = ['lr', 'epochs', 'dim', 'ngrams', 'classWeight', 'buckets'];

/** Checks the user-facing autotune options; errors name the option. */
export function resolveAutotuneOptions(o: AutotuneOptions): { budgetSeconds: number | null; trials: number | null; heldOutShare: number } {
  const trials = o.trials === undefined ? AUTOTUNE_DEFAULTS.trials : o.trials;
  const budgetSeconds = o.budgetSeconds === undefined ? (trials !== null ? null : AUTOTUNE_DEFAULTS.budgetSeconds) : o.budgetSeconds;
  const heldOutShare = o.heldOutShare ?? AUTOTUNE_DEFAULTS.heldOutShare;
  if (trials !== null && (!Number.isInteger(trials) || trials < 1)) throw new Error(`autotune: \`trials\` must be a positive integer, got ${trials}`);
  if (budgetSeconds !== null && !(Number.isFinite(budgetSeconds) && budgetSeconds > 0)) throw new Error(`autotune: \`budgetSeconds\` must be a positive number of seconds, got ${budgetSeconds}`);
  if (!(heldOutShare > 0 && heldOutShare < 1)) throw new Error(`autotune: \`heldOutShare\` must be in (0, 1), got ${heldOutShare}`);
  return { budgetSeconds, trials, heldOutShare };
}

/**
 * Searches the training settings on the dev data (or a seeded held-out slice of the training data) within a
 * budget that bounds the whole training call: a trial starts only when its estimated time plus the estimated
 * final training of the best setting fit in what is left, and a trial running over is stopped.
 *
 * The search is a pattern search from the defaults: for each parameter in PARAM_ORDER, step to the neighbouring
 * grid value (up, then down) while the score improves; passes repeat until one changes nothing, then seeded
 * random moves of two parameters at a time follow. Every choice depends only on the seed and the scores (which
 * are deterministic for a seed), never on time, so runs with the same seed share the same sequence of trials;
 * a wall-clock budget decides only how far along it they get (and skips candidates whose estimate does not fit).
 */
export function autotune(input: AutotuneInput, options: AutotuneOptions = {}): AutotuneResult {
  const { budgetSeconds, trials: trialsLimit, heldOutShare } = resolveAutotuneOptions(options);
  const clock = options.clock ?? (() => performance.now());
  const startedAt = options.startedAt ?? clock();
  const deadline = budgetSeconds === null ? Infinity : startedAt + budgetSeconds * 1000;
  const K = input.labelIndex.size;
  const D = AUTOTUNE_DEFAULTS;
  const encodings = new EncodingCache(input);

  // what trials train and score on
  const heldOut = input.dev.length === 0 ? heldOutSplit(input.train, input.labelIndex, heldOutShare, input.seed) : undefined;
  const trialData = (s: AutotuneSetting): { train: EncodedDataset; evalSet: EncodedDataset } => {
    const all = encodings.train(s.ngrams, s.buckets);
    if (heldOut) return { train: subsetEncoded(all, heldOut.train), evalSet: subsetEncoded(all, heldOut.eval) };
    return { train: all, evalSet: encodings.dev(s.ngrams, s.buckets)! };
  };

  // time estimates: seconds per unit of work, fitted on the trials run so far
  let secondsSum = 0;
  let unitSum = 0;
  const perUnit = (): number => (unitSum > 0 ? secondsSum / unitSum : D.priorSecondsPerUnit);
  const ref = encodings.train(input.base.ngrams, input.base.buckets);
  const idsPerDoc = (ngrams: 1 | 2): number => encodings.idsPerDoc(ngrams) || ref.ids.length / Math.max(1, ref.n);
  const nTrialTrain = heldOut ? heldOut.train.length : input.train.length;
  const nTrialEval = heldOut ? heldOut.eval.length : input.dev.length;
  const units = (s: AutotuneSetting, n: number, nEval: number, evals: number): number =>
    s.epochs * s.dim * n * (idsPerDoc(s.ngrams) + K) + evals * s.dim * nEval * (idsPerDoc(s.ngrams) + K) + s.buckets;
  const trialEvals = (s: AutotuneSetting): number => (heldOut ? 1 : s.epochs);
  const estimateTrial = (s: AutotuneSetting): number => units(s, nTrialTrain, nTrialEval, trialEvals(s)) * perUnit();
  const finalEvals = (s: AutotuneSetting): number => (input.dev.length ? s.epochs : 0);
  const estimateFinal = (s: AutotuneSetting): number =>
    units(s, input.train.length, input.dev.length, finalEvals(s)) * perUnit() * D.safety + s.buckets * s.dim * D.writeSecondsPerWeight + D.reserveSeconds;

  const trials: AutotuneTrial[] = [];
  const seen = new Set<string>();
  let best: AutotuneTrial | undefined;
  let skipped = 0;
  let stopReason: AutotuneRecord['stopReason'] = 'searched';
  const t0 = clock();

  /** Runs a candidate if the budget allows; returns its trial, or undefined (seen before, skipped). */
  const tryCandidate = (s: AutotuneSetting): AutotuneTrial | undefined => {
    const key = settingKey(s);
    if (seen.has(key)) return undefined;
    seen.add(key);
    const now = clock();
    const estimate = estimateTrial(s);
    // the final training of whichever setting ends up best must still fit after this trial
    const reserve = Math.max(estimateFinal(s), best ? estimateFinal(best.setting) : estimateFinal(input.base));
    if (now + (estimate * D.safety + reserve) * 1000 > deadline) {
      skipped++;
      return undefined;
    }
    const stopAt = deadline - (best ? estimateFinal(best.setting) : estimateFinal(input.base)) * 1000;
    const { train, evalSet } = trialData(s);
    const start = clock();
    const r = trainSparseScore(train, s.buckets, K, {
      dim: s.dim,
      epochs: s.epochs,
      lr: s.lr,
      batchSize: input.batchSize,
      seed: input.seed,
      classWeight: s.classWeight,
      dev: evalSet,
      keep: heldOut ? 'last' : 'best',
      // a slice of the training data is distributed like it, the corpus rarely is: every class counts the same
      devMetric: heldOut ? 'meanRecall' : 'accuracy',
      ...(deadline !== Infinity && { shouldStop: () => clock() > stopAt }),
    });
    const seconds = (clock() - start) / 1000;
    const trial: AutotuneTrial = { index: trials.length + 1, setting: s, at: round((start - startedAt) / 1000), score: round(r.accuracy), seconds: round(seconds), estimate: round(estimate) };
    if (r.stopped) trial.stopped = true;
    else {
      secondsSum += seconds;
      unitSum += units(s, train.n, evalSet.n, trialEvals(s));
    }
    trials.push(trial);
    if (!r.stopped && (!best || trial.score > best.score)) best = trial;
    options.onTrial?.(trial, best ?? trial);
    return trial;
  };
  const done = (): boolean => {
    if (trialsLimit !== null && trials.length >= trialsLimit) {
      stopReason = 'trials';
      return true;
    }
    if (trials.some((t) => t.stopped)) {
      stopReason = 'budget';
      return true;
    }
    return false;
  };

  const grid = gridFor(input);
  const free = PARAM_ORDER.filter((p) => !input.fixed.includes(p) && grid[p].length > 1);
  tryCandidate(input.base);
  // pattern search passes
  let improved = true;
  while (improved && !done()) {
    improved = false;
    for (const p of free) {
      if (done()) break;
      for (const dir of [1, -1]) {
        let moved = false;
        for (;;) {
          if (done()) break;
          const from = best?.setting ?? input.base;
          const values = grid[p] as readonly (number | string)[];
          const i = values.indexOf(from[p]);
          const next = values[i + dir];
          if (next === undefined) break;
          const cand = { ...from, [p]: next } as AutotuneSetting;
          const before = best;
          const t = tryCandidate(cand);
          if (t && best !== before) {
            moved = improved = true;
            continue;
          }
          break;
        }
        if (moved) break;
      }
    }
  }
  // then seeded random moves around the best, two parameters at a time
  const rng = new Rng(input.seed ^ 0x5eed);
  let misses = 0;
  while (!done() && free.length > 0 && misses < 200) {
    const from = best?.setting ?? input.base;
    const cand = { ...from } as Record<AutotuneParam, number | string>;
    for (let m = 0; m < Math.min(2, free.length); m++) {
      const p = free[rng.int(free.length)]!;
      const values = grid[p] as readonly (number | string)[];
      cand[p] = values[rng.int(values.length)]!;
    }
    const skippedBefore = skipped;
    if (tryCandidate(cand as unknown as AutotuneSetting)) misses = 0;
    else misses++;
    // when nothing fits any more, only cheaper candidates could: stop after a run of skips
    if (skipped > skippedBefore && deadline !== Infinity && clock() + estimateFinal(best?.setting ?? input.base) * 1000 > deadline) break;
  }
  if (stopReason === 'searched' && skipped > 0) stopReason = 'budget';

  const chosen = best?.setting ?? input.base;
  const bestTrial = best;
  const record: AutotuneRecord = {
    scoredOn: heldOut ? 'held-out' : 'dev',
    metric: heldOut ? 'meanRecall' : 'accuracy',
    nTrialTrain,
    nTrialEval,
    ...(heldOut && { heldOutShare }),
    seed: input.seed,
    budgetSeconds,
    trialsLimit,
    fixed: [...input.fixed],
    evaluated: trials.length,
    skipped,
    stopReason,
    best: chosen,
    bestScore: bestTrial?.score ?? 0,
    defaultScore: trials[0] && settingKey(trials[0].setting) === settingKey(input.base) && !trials[0].stopped ? trials[0].score : 0,
    trials,
    searchSeconds: round((clock() - t0) / 1000),
    finalEstimate: round(estimateFinal(chosen)),
  };
  const devSet = encodings.dev(chosen.ngrams, chosen.buckets);
  return { best: chosen, record, trainSet: encodings.train(chosen.ngrams, chosen.buckets), ...(devSet && { devSet }) };
}

/** The searched values of each parameter, sorted, with the base value in (a fixed parameter has only its own). */
function gridFor(input: AutotuneInput): { [P in AutotuneParam]: readonly AutotuneSetting[P][] } {
  const D = AUTOTUNE_DEFAULTS;
  const b = input.base;
  const withBase = <T extends number | string>(values: readonly T[], v: T, p: AutotuneParam): T[] =>
    input.fixed.includes(p) ? [v] : [...new Set([...values, v])].sort((x, y) => (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))));
  return {
    lr: withBase(D.lr, b.lr, 'lr'),
    epochs: withBase(D.epochs, b.epochs, 'epochs'),
    dim: withBase(D.dim, b.dim, 'dim'),
    ngrams: withBase(D.ngrams, b.ngrams, 'ngrams'),
    // other bucket counts are made by masking, which needs powers of two
    buckets: isPow2(b.buckets) ? withBase(D.buckets, b.buckets, 'buckets') : [b.buckets],
    classWeight: withBase(D.classWeight, b.classWeight, 'classWeight'),
  };
}

function settingKey(s: AutotuneSetting): string {
  return `${s.lr}|${s.epochs}|${s.dim}|${s.ngrams}|${s.buckets}|${s.classWeight}`;
}

/**
 * Seeded stratified split: within each (first) label, a `share` of the examples (rounded, at least one when the
 * label has two or more) is held out. Indices come back in data order.
 */
export function heldOutSplit(examples: readonly LabelledExample[], labelIndex: ReadonlyMap<string, number>, share: number, seed: number): { train: number[]; eval: number[] } {
  const byLabel = new Map<number, number[]>();
  examples.forEach((e, i) => {
    const k = labelIndex.get(e.labels[0]!)!;
    let list = byLabel.get(k);
    if (!list) byLabel.set(k, (list = []));
    list.push(i);
  });
  const rng = new Rng(seed);
  const held = new Uint8Array(examples.length);
  for (const k of [...byLabel.keys()].sort((a, b) => a - b)) {
    const list = byLabel.get(k)!;
    rng.shuffle(list);
    const take = list.length < 2 ? 0 : Math.max(1, Math.round(list.length * share));
    for (let j = 0; j < take; j++) held[list[j]!] = 1;
  }
  const train: number[] = [];
  const evalIdx: number[] = [];
  for (let i = 0; i < examples.length; i++) (held[i] ? evalIdx : train).push(i);
  if (evalIdx.length === 0) throw new Error('autotune: no `dev` data and no label has 2 examples to hold out: give `dev` data');
  return { train, eval: evalIdx };
}

/**
 * Featurizes the data once per n-gram setting, at the largest bucket count searched, and derives every smaller
 * (power-of-two) bucket count by masking the ids: trials never featurize again.
 */
class EncodingCache {
  private readonly full = new Map<string, { train: EncodedDataset; dev?: EncodedDataset }>();
  private readonly masked = new Map<string, { train: EncodedDataset; dev?: EncodedDataset }>();
  private readonly maxBuckets: number;

  constructor(private readonly input: AutotuneInput) {
    const b = input.base.buckets;
    this.maxBuckets = isPow2(b) && !input.fixed.includes('buckets') ? Math.max(b, ...AUTOTUNE_DEFAULTS.buckets) : b;
  }

  train(ngrams: 1 | 2, buckets: number): EncodedDataset {
    return this.get(ngrams, buckets).train;
  }

  dev(ngrams: 1 | 2, buckets: number): EncodedDataset | undefined {
    return this.get(ngrams, buckets).dev;
  }

  /** Mean ids per training document for an n-gram setting already featurized (0 if not yet). */
  idsPerDoc(ngrams: 1 | 2): number {
    const e = this.full.get(String(ngrams));
    return e ? e.train.ids.length / Math.max(1, e.train.n) : 0;
  }

  private get(ngrams: 1 | 2, buckets: number): { train: EncodedDataset; dev?: EncodedDataset } {
    const key = `${ngrams}|${buckets}`;
    let m = this.masked.get(key);
    if (m) return m;
    let f = this.full.get(String(ngrams));
    if (!f) {
      const featurizer = new Featurizer({ ...this.input.featurizer, ngrams, buckets: this.maxBuckets }, this.input.plugins);
      const train = encodeExamples(this.input.train, this.input.labelIndex, featurizer);
      const dev = this.input.dev.length ? encodeExamples(this.input.dev, this.input.labelIndex, featurizer) : undefined;
      f = { train, ...(dev && { dev }) };
      this.full.set(String(ngrams), f);
    }
    const dev = f.dev && maskBuckets(f.dev, this.maxBuckets, buckets);
    m = { train: maskBuckets(f.train, this.maxBuckets, buckets), ...(dev && { dev }) };
    this.masked.set(key, m);
    return m;
  }
}

function isPow2(b: number): boolean {
  return Number.isInteger(b) && b >= 2 && (b & (b - 1)) === 0;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
