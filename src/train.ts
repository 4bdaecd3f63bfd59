import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { autotune, resolveAutotuneOptions, type AutotuneOptions, type AutotuneParam, type AutotuneRecord } from './autotune.js';
import { computeMetrics, type EvalMetrics } from './eval/metrics.js';
import { AUTO_TRAIN, FEATURIZER_DEFAULTS, MULTI_LABEL_DEFAULTS, READ_DEFAULTS, TRAIN_DEFAULTS } from './defaults.js';
import { computeMultiLabelMetrics, type MultiLabelMetrics } from './eval/multilabel-metrics.js';
import { Featurizer, type FeaturizerConfig } from './features/featurizer.js';
import { makePlugins } from './features/plugins.js';
import { formatErrors, readLabelled, readPool } from './io/labelled.js';
import { writeFileAtomic } from './io/atomic-writer.js';
import { fileHashes, portablePath } from './io/file-identity.js';
import { loadLabelSet } from './labels/label-set.js';
import { taxonomyLabels, taxonomyNames } from './labels/taxonomy.js';
import { applyMapping, loadMapping, mappingFiles, type LabelMapping } from './labels/mapping.js';
import { tf, useBackend } from './model/backend.js';
import { encodeExamples, subsetEncoded, type EncodedDataset } from './model/dataset.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelMetadata, type MultiLabelRecord } from './model/metadata.js';
import { writeModelDir, type WeightQuantization } from './io/model-files.js';
import { forward, type ModelParams } from './model/params.js';
import { Rng } from './model/rng.js';
import { tagIndices, tuneThresholds } from './model/thresholds.js';
import { argmax } from './model/top-k.js';
import { trainSparse, type EpochInfo, type SparseTrainOptions } from './model/train-sparse.js';
import { renderModelCard } from './model-card.js';
import type { LabelledExample } from './types.js';
import { VERSION } from './version.js';

export interface TrainOptions {
  /** Labelled JSONL files or globs. */
  data?: string[];
  /** A label set directory (taxonomy.yaml + labelled JSONL); its taxonomy fixes the label order and names. */
  labels?: string;
  /**
   * Label mapping files (see labels/mapping.ts): each maps a dataset's labels onto the taxonomy; a
   * mapping that names `train` files brings them in (relative to `dataRoot`), one without applies to `data`.
   */
  map?: string[];
  /**
   * Document pool (JSONL with id + text) for the label set's `pool_labels` files: their rows are joined with it
   * and trained on, except rows with `split: heldout`, which are never trained on.
   */
  pool?: string[];
  /** Weight of each pool-label row (web pages), multiplied with its own weight. Default TRAIN_DEFAULTS.poolWeight (1). */
  poolWeight?: number;
  /** Root for the files named in mappings. Default READ_DEFAULTS.dataRoot (the current directory). */
  dataRoot?: string;
  /** Dev files: the epoch with the best dev accuracy is kept and dev metrics go into the model card. */
  dev?: string[];
  /** Output model folder. */
  out: string;
  /** Model name stored in the metadata. Default: the output folder's name. */
  name?: string;
  // Defaults of everything below: TRAIN_DEFAULTS, AUTO_TRAIN and FEATURIZER_DEFAULTS in defaults.ts.
  /** Text field. */
  field?: string;
  seed?: number;
  /** 'auto': about AUTO_TRAIN.updates updates in all, within [AUTO_TRAIN.minEpochs, AUTO_TRAIN.maxEpochs]. */
  epochs?: number | 'auto';
  /** 'auto': from AUTO_TRAIN.minBatchSize for small data up to AUTO_TRAIN.maxBatchSize for large. */
  batchSize?: number | 'auto';
  dim?: number;
  lr?: number;
  /** 'balanced': every class weighs the same in the loss, whatever its share of the labelled data. */
  classWeight?: 'none' | 'balanced';
  buckets?: number;
  ngrams?: 1 | 2;
  zhTokens?: 'chars' | 'jieba';
  stem?: boolean;
  quantize?: WeightQuantization;
  /** Skip malformed training lines (reported) instead of failing. */
  skipBadLines?: boolean;
  /**
   * One-vs-all training (an independent sigmoid per label) with per-label thresholds tuned on `dev` (or a
   * seeded held-out slice of the data; see MULTI_LABEL_DEFAULTS) to maximise each label's F1. 'auto'
   * (default): when some training row has several labels.
   */
  multiLabel?: boolean | 'auto';
  /**
   * Search lr, epochs, dim, ngrams, buckets and classWeight first (on `dev`, or a held-out slice of the data),
   * then train the best setting on all the data; settings given above are fixed, not searched. `true`: with
   * AUTOTUNE_DEFAULTS (a 60 s budget on the whole call). The search is stored in `training.autotune`.
   */
  autotune?: boolean | AutotuneOptions;
  onLog?: (msg: string) => void;
  /** Things the user should see even without verbose logging (skipped bad lines). Default: onLog. */
  onWarn?: (msg: string) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface TrainResult {
  dir: string;
  meta: ModelMetadata;
  history: EpochInfo[];
  devMetrics?: EvalMetrics;
  /** A multi-label model with dev data: the dev metrics of its tags (thresholds applied). */
  devMultiLabel?: MultiLabelMetrics;
  seconds: number;
  weightBytes: number;
}

/** Reads labelled data, trains the model, writes model.json + weights.bin + README.md. */
export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const tune = options.autotune === true ? {} : options.autotune || undefined;
  if (tune) resolveAutotuneOptions(tune);
  const clock = tune?.clock ?? (() => performance.now());
  const tuneStart = tune?.startedAt ?? clock();
  const log = options.onLog ?? (() => {});
  const warn = options.onWarn ?? log;
  const field = options.field ?? TRAIN_DEFAULTS.field;
  const dataFiles = options.data ?? [];
  let setFiles: string[] = [];
  let poolLabelFiles: string[] = [];
  let labelOrder: string[] | undefined;
  let labelNames: ModelMetadata['labelNames'];
  let abstain: string | undefined;
  if (options.labels) {
    const set = await loadLabelSet(options.labels);
    setFiles = set.files;
    poolLabelFiles = set.poolFiles;
    labelOrder = taxonomyLabels(set.taxonomy);
    labelNames = taxonomyNames(set.taxonomy);
    abstain = set.taxonomy.abstain?.id;
  }

  const skip = options.skipBadLines ?? TRAIN_DEFAULTS.skipBadLines;
  const maps = await Promise.all((options.map ?? []).map(loadMapping));
  const topicSet = labelOrder ? new Set(labelOrder) : undefined;
  const forData = maps.filter((m) => m.train.length === 0);
  if (forData.length > 1) throw new Error(`train: ${forData.map((m) => m.file).join(', ')} name no train files, so each would apply to \`data\`: give at most one such mapping`);
  if (forData.length === 1 && dataFiles.length === 0) throw new Error(`train: ${forData[0]!.file} names no train files and there is no \`data\` to apply it to`);
  // the label set's own files are in taxonomy ids already; a mapping without files applies to --data
  let train: LabelledExample[] = setFiles.length ? await readChecked(setFiles, field, 'label set', skip, warn) : [];
  if (options.pool?.length) {
    if (poolLabelFiles.length === 0) throw new Error(`train: \`pool\` was given but ${options.labels ?? 'the label set'} has no pool_labels files (taxonomy.yaml pool_labels:)`);
    const { examples, errors } = await readLabelled(poolLabelFiles, { pool: await readPool(options.pool), field });
    if (errors.length > 0) {
      const msg = `${errors.length} bad line(s) in the pool labels:\n${formatErrors(errors)}`;
      if (!skip) throw new Error(`train: ${msg}\n(fix them, or set \`skipBadLines\` to train without them)`);
      warn(`skipping ${msg}`);
    }
    const w = options.poolWeight ?? TRAIN_DEFAULTS.poolWeight;
    const rows = examples.filter((e) => e.annotation?.split !== 'heldout').map((e) => ({ ...e, weight: e.weight * w }));
    log(`pool labels: ${rows.length} rows trained on, ${examples.length - rows.length} held out (split heldout)`);
    train = train.concat(rows);
    setFiles = [...setFiles, ...poolLabelFiles];
  }
  if (dataFiles.length > 0) {
    const own = await readChecked(dataFiles, field, 'training', skip, warn);
    train = train.concat(forData.length ? mapped(own, forData[0]!, topicSet, log) : own);
  }
  let files = [...setFiles, ...dataFiles];
  const dataRoot = options.dataRoot ?? READ_DEFAULTS.dataRoot;
  for (const m of maps.filter((x) => x.train.length > 0)) {
    const mfiles = mappingFiles(m, 'train', dataRoot);
    files = [...files, ...mfiles];
    train = train.concat(mapped(await readChecked(mfiles, field, `${m.dataset} training`, skip, warn), m, topicSet, log));
  }
  if (files.length === 0) throw new Error('train: no data: give `data` files, a `labels` folder or a `map` with train files');
  if (train.length === 0) throw new Error(`train: no usable examples in ${files.join(', ')}`);
  const labels = labelOrder ?? [...new Set(train.flatMap((e) => e.labels))].sort();
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  checkKnown(train, labelIndex, 'training data', options.labels ? `the taxonomy of ${options.labels}` : 'the training labels');
  if (labels.length < 2) throw new Error(`train: need at least 2 labels, found ${labels.length} (${labels.join(', ')})`);

  const devExamples = options.dev?.length ? await readChecked(options.dev, field, 'dev', skip, warn) : [];
  checkKnown(devExamples, labelIndex, 'dev data', 'the training labels');
  const multiLabel = resolveMultiLabel(options.multiLabel ?? TRAIN_DEFAULTS.multiLabel, train);
  if (multiLabel && tune) throw new Error('train: `autotune` does not search multi-label models yet: give the settings yourself, or set `multiLabel` false to train one softmax');
  if (multiLabel) log(`multi-label: one sigmoid per label (${train.filter((e) => e.labels.length > 1).length} of ${train.length} training rows have several labels)`);

  const featurizerConfig: FeaturizerConfig = {
    ...FEATURIZER_DEFAULTS,
    ...(options.buckets !== undefined && { buckets: options.buckets }),
    ...(options.ngrams !== undefined && { ngrams: options.ngrams }),
    ...(options.zhTokens !== undefined && { zhTokens: options.zhTokens }),
    ...(options.stem !== undefined && { stem: options.stem }),
  };
  const plugins = await makePlugins(featurizerConfig);
  const batchOption = options.batchSize ?? TRAIN_DEFAULTS.batchSize;
  const batchSize = batchOption === 'auto' ? autoBatchSize(train.length) : batchOption;
  const epochOption = options.epochs ?? TRAIN_DEFAULTS.epochs;
  let epochs = epochOption === 'auto' ? autoEpochs(train.length, batchSize) : epochOption;
  const seed = options.seed ?? TRAIN_DEFAULTS.seed;
  let dim = options.dim ?? TRAIN_DEFAULTS.dim;
  let lr = options.lr ?? TRAIN_DEFAULTS.lr;
  let classWeight = options.classWeight ?? (multiLabel ? MULTI_LABEL_DEFAULTS.classWeight : TRAIN_DEFAULTS.classWeight);
  const quantize = options.quantize ?? TRAIN_DEFAULTS.quantize;
  validateHyper({ epochs, batchSize, dim, lr, seed });

  let trainSet: EncodedDataset;
  let devSet: EncodedDataset | undefined;
  let tuned: AutotuneRecord | undefined;
  const tf0 = performance.now();
  if (tune) {
    const fixed = (['lr', 'epochs', 'dim', 'ngrams', 'buckets', 'classWeight'] as const).filter((p): p is AutotuneParam => options[p] !== undefined);
    const base = { lr, epochs, dim, ngrams: featurizerConfig.ngrams, buckets: featurizerConfig.buckets, classWeight };
    const r = autotune(
      { train, dev: devExamples, labelIndex, featurizer: featurizerConfig, plugins, base, fixed, batchSize, seed },
      {
        ...tune,
        clock,
        startedAt: tuneStart,
        onTrial: (t, best) => {
          log(
            `autotune trial ${t.index}: ${describeSetting(t.setting)}: ${t.stopped ? 'stopped by the budget' : `score ${t.score.toFixed(4)}`} (${t.seconds.toFixed(2)} s, estimated ${t.estimate.toFixed(2)} s); best ${best.score.toFixed(4)}`,
          );
          tune.onTrial?.(t, best);
        },
      },
    );
    tuned = r.record;
    ({ lr, epochs, dim, classWeight } = r.best);
    featurizerConfig.ngrams = r.best.ngrams;
    featurizerConfig.buckets = r.best.buckets;
    trainSet = r.trainSet;
    devSet = r.devSet;
    log(
      `autotune: ${tuned.evaluated} trials on ${tuned.scoredOn === 'dev' ? 'the dev data' : `a held-out ${Math.round(tuned.heldOutShare! * 100)}% of the training data`} in ${tuned.searchSeconds.toFixed(1)} s (${tuned.stopReason}); best ${tuned.bestScore.toFixed(4)} (defaults ${tuned.defaultScore.toFixed(4)}): ${describeSetting(r.best)}; final training estimated at ${tuned.finalEstimate.toFixed(1)} s`,
    );
  } else {
    const featurizer = new Featurizer(featurizerConfig, plugins);
    trainSet = encodeExamples(train, labelIndex, featurizer);
    devSet = devExamples.length ? encodeExamples(devExamples, labelIndex, featurizer) : undefined;
    log(
      `featurized ${train.length} training${devSet ? ` and ${devExamples.length} dev` : ''} examples in ${((performance.now() - tf0) / 1000).toFixed(2)} s (${(trainSet.ids.length / train.length).toFixed(0)} ids/doc)`,
    );
  }
  log(`training: ${labels.length} labels, dim ${dim}, ${featurizerConfig.buckets} buckets, ${epochs} epochs, batch ${batchSize}, lr ${lr}, seed ${seed}`);
  const finalStart = clock();
  if (multiLabel && epochOption === 'auto') epochs = Math.max(epochs, MULTI_LABEL_DEFAULTS.minAutoEpochs);
  const sparseOptions: SparseTrainOptions = {
    dim,
    epochs,
    lr,
    batchSize,
    seed,
    classWeight,
    ...(multiLabel && { output: 'sigmoid' as const, devMetric: 'microF1' as const, embeddingSgdLr: MULTI_LABEL_DEFAULTS.embeddingSgdLr }),
    ...(devSet && { dev: devSet }),
    onEpoch: (e) =>
      log(
        `epoch ${e.epoch}/${epochs}: loss ${e.loss.toFixed(4)}${e.devAccuracy !== undefined ? `, dev ${multiLabel ? 'micro-F1 at 0.5' : 'accuracy'} ${e.devAccuracy.toFixed(4)}` : ''} (${e.seconds.toFixed(2)} s)`,
      ),
    ...(options.onProgress && { onProgress: options.onProgress }),
  };
  // without dev data, a multi-label model's thresholds come from a model trained without a held-out slice
  const multi = multiLabel ? (devSet ? undefined : heldOutThresholds(trainSet, featurizerConfig.buckets, labels.length, sparseOptions, log)) : undefined;
  const result = trainSparse(trainSet, featurizerConfig.buckets, labels.length, sparseOptions);
  let multiLabelRecord: MultiLabelRecord | undefined;
  if (multiLabel) {
    if (multi) multiLabelRecord = multi;
    else {
      const tuneOn = devSet ?? trainSet;
      const thresholds = tuneThresholds(forward(result.params, tuneOn.ids, tuneOn.offsets), tuneOn, labels.length, MULTI_LABEL_DEFAULTS.fallbackThreshold, MULTI_LABEL_DEFAULTS.thresholdShrinkage);
      multiLabelRecord = { thresholds: thresholds.map(round), tunedOn: devSet ? 'dev' : 'train', nTune: tuneOn.n, rule: 'max-f1-per-label', shrinkage: MULTI_LABEL_DEFAULTS.thresholdShrinkage };
    }
    log(`thresholds (tuned on ${multiLabelRecord.tunedOn}, ${multiLabelRecord.nTune} docs): ${labels.map((l, k) => `${l} ${multiLabelRecord!.thresholds[k]!.toFixed(3)}`).join(', ')}`);
  }

  const devMetrics = devSet ? evaluateEncoded(result.params, devSet, labels) : undefined;
  const devMultiLabel = devSet && multiLabelRecord ? multiLabelEncoded(result.params, devSet, labels, multiLabelRecord.thresholds) : undefined;
  if (tuned) {
    tuned.finalSeconds = round((clock() - finalStart) / 1000);
    tuned.totalSeconds = round((clock() - tuneStart) / 1000);
  }
  const meta: ModelMetadata = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: options.name ?? basename(options.out),
    labels,
    ...(labelNames && { labelNames }),
    ...(abstain !== undefined && { abstain }),
    ...(multiLabelRecord && { multiLabel: multiLabelRecord }),
    featurizer: featurizerConfig,
    dim,
    training: {
      seed,
      epochs,
      bestEpoch: result.bestEpoch,
      lr,
      batchSize,
      classWeight,
      dataHash: dataHash(train),
      trainFiles: files.map((f) => portablePath(f, dataRoot)),
      devFiles: (options.dev ?? []).map((f) => portablePath(f, dataRoot)),
      mappings: maps.map((m) => portablePath(m.file, dataRoot)),
      fileHashes: await fileHashes([...files, ...(options.dev ?? []), ...maps.map((m) => m.file)], dataRoot),
      nTrain: train.length,
      nDev: devExamples.length,
      history: result.history.map((h) => ({ epoch: h.epoch, loss: round(h.loss), ...(h.devAccuracy !== undefined && { devAccuracy: round(h.devAccuracy) }) })),
      ...(tuned && { autotune: tuned }),
    },
    ...(devMetrics && { metrics: { dev: { ...summary(devMetrics), ...(devMultiLabel && multiLabelSummary(devMultiLabel)) } } }),
    versions: { topicmix: VERSION, tfjs: tf.version_core },
  };
  // describing the layers topology needs a tfjs backend; the cpu one starts instantly (wasm compiles)
  await useBackend('cpu');
  const { weightBytes } = await writeModelDir(options.out, result.params, meta, quantize);
  await writeFileAtomic(join(options.out, 'README.md'), renderModelCard(meta, { ...(devMetrics && { dev: devMetrics }), weightBytes, quantization: quantize }));
  const seconds = (performance.now() - t0) / 1000;
  return { dir: options.out, meta, history: result.history, ...(devMetrics && { devMetrics }), ...(devMultiLabel && { devMultiLabel }), seconds, weightBytes };
}

/** Whether to train one-vs-all: `option` true / false, or 'auto' = some row (without soft labels) has several labels. */
function resolveMultiLabel(option: boolean | 'auto', train: readonly LabelledExample[]): boolean {
  if (option !== true && option !== false && option !== 'auto') throw new Error(`train: \`multiLabel\` must be true, false or 'auto', got ${String(option)}`);
  const soft = train.find((e) => e.probs !== undefined);
  const several = train.some((e) => e.probs === undefined && e.labels.length > 1);
  if (option === true && soft) throw new Error(`train: ${soft.source.file}:${soft.source.line}: field "probs": soft labels train softmax models; a multi-label model needs \`labels\` lists`);
  if (option === 'auto' && soft && several) {
    throw new Error(`train: the data mixes soft labels (${soft.source.file}:${soft.source.line}, field "probs") with rows of several labels: set \`multiLabel\` false to train one softmax on both`);
  }
  return option === 'auto' ? several : option;
}

/**
 * Thresholds tuned on a seeded held-out slice of the training data (MULTI_LABEL_DEFAULTS.heldOutShare) with a
 * model trained on the rest; the final model then trains on all of it with the same settings. Undefined when
 * the slice would be smaller than MULTI_LABEL_DEFAULTS.minHeldOut: the caller tunes on the training data.
 */
function heldOutThresholds(data: EncodedDataset, buckets: number, K: number, opt: SparseTrainOptions, log: (m: string) => void): MultiLabelRecord | undefined {
  const share = MULTI_LABEL_DEFAULTS.heldOutShare;
  const nHeld = Math.round(data.n * share);
  if (nHeld < MULTI_LABEL_DEFAULTS.minHeldOut || data.n - nHeld < 1) return undefined;
  const order = Array.from({ length: data.n }, (_, i) => i);
  new Rng(opt.seed).shuffle(order);
  const held = order.slice(0, nHeld).sort((a, b) => a - b);
  const rest = order.slice(nHeld).sort((a, b) => a - b);
  log(`multi-label: tuning thresholds on a held-out ${Math.round(share * 100)}% (${nHeld} docs), then training on all the data`);
  const { onProgress: _, onEpoch: __, ...quiet } = opt;
  const heldSet = subsetEncoded(data, held);
  const r = trainSparse(subsetEncoded(data, rest), buckets, K, quiet);
  const thresholds = tuneThresholds(forward(r.params, heldSet.ids, heldSet.offsets), heldSet, K, MULTI_LABEL_DEFAULTS.fallbackThreshold, MULTI_LABEL_DEFAULTS.thresholdShrinkage);
  return { thresholds: thresholds.map(round), tunedOn: 'held-out', nTune: nHeld, heldOutShare: share, rule: 'max-f1-per-label', shrinkage: MULTI_LABEL_DEFAULTS.thresholdShrinkage };
}

/** The multi-label metrics of a model's tags (labels at or above their threshold, else the top label) on encoded data. */
export function multiLabelEncoded(params: ModelParams, data: EncodedDataset, labels: readonly string[], thresholds: readonly number[]): MultiLabelMetrics {
  const K = labels.length;
  const probs = forward(params, data.ids, data.offsets);
  const gold: string[][] = [];
  const predicted: string[][] = [];
  const tags: number[] = [];
  for (let i = 0; i < data.n; i++) {
    const g: string[] = [];
    for (let t = data.targetOffsets[i]!; t < data.targetOffsets[i + 1]!; t++) g.push(labels[data.targets[t]!]!);
    gold.push(g);
    const row = probs.subarray(i * K, i * K + K);
    tagIndices(row, thresholds, tags);
    predicted.push(tags.length > 0 ? tags.map((k) => labels[k]!) : [labels[argmax(row)]!]);
  }
  return computeMultiLabelMetrics(gold, predicted, labels);
}

function multiLabelSummary(m: MultiLabelMetrics): Record<string, number> {
  return { micro_f1: round(m.micro_f1), macro_f1_tags: round(m.macro_f1), subset_accuracy: round(m.subset_accuracy), hamming_loss: round(m.hamming_loss) };
}

function describeSetting(s: { lr: number; epochs: number; dim: number; ngrams: number; buckets: number; classWeight: string }): string {
  return `lr ${s.lr}, ${s.epochs} epochs, dim ${s.dim}, ngrams ${s.ngrams}, ${s.buckets} buckets, class weights ${s.classWeight}`;
}

function mapped(examples: LabelledExample[], m: LabelMapping, topics: ReadonlySet<string> | undefined, log: (m: string) => void): LabelledExample[] {
  const r = applyMapping(examples, m, topics);
  log(`${m.dataset}: ${r.examples.length} examples mapped by ${m.file}${r.dropped ? `, ${r.dropped} left out (labels mapped to null)` : ''}`);
  return r.examples;
}

async function readChecked(files: string[], field: string, what: string, skip: boolean, log: (m: string) => void): Promise<LabelledExample[]> {
  const { examples, errors } = await readLabelled(files, { field });
  if (errors.length > 0) {
    const msg = `${errors.length} bad line(s) in the ${what} data:\n${formatErrors(errors)}`;
    if (!skip) throw new Error(`train: ${msg}\n(fix them, or set \`skipBadLines\` to train without them)`);
    log(`skipping ${msg}`);
  }
  return examples;
}

function checkKnown(examples: readonly LabelledExample[], index: ReadonlyMap<string, number>, what: string, source: string): void {
  const bad: string[] = [];
  let count = 0;
  for (const ex of examples) {
    for (const l of ex.labels) {
      if (index.has(l)) continue;
      count++;
      if (bad.length < 10) bad.push(`${ex.source.file}:${ex.source.line}: field "${ex.labels.length > 1 ? 'labels' : 'label'}": "${l}" is not in ${source}`);
    }
  }
  if (count > 0) throw new Error(`train: ${count} unknown label(s) in the ${what}:\n${bad.join('\n')}${count > bad.length ? `\n... and ${count - bad.length} more` : ''}`);
}

/** Batch size for n examples (AUTO_TRAIN): small data needs more, smaller updates. */
export function autoBatchSize(n: number): number {
  const b = 2 ** Math.round(Math.log2(Math.max(1, n / AUTO_TRAIN.examplesPerBatchStep)));
  return Math.min(AUTO_TRAIN.maxBatchSize, Math.max(AUTO_TRAIN.minBatchSize, b));
}

/** Epochs giving about AUTO_TRAIN.updates updates in all, within [AUTO_TRAIN.minEpochs, AUTO_TRAIN.maxEpochs]. */
export function autoEpochs(n: number, batchSize: number): number {
  const steps = Math.ceil(n / batchSize);
  return Math.min(AUTO_TRAIN.maxEpochs, Math.max(AUTO_TRAIN.minEpochs, Math.ceil(AUTO_TRAIN.updates / steps)));
}

function validateHyper(h: { epochs: number; batchSize: number; dim: number; lr: number; seed: number }): void {
  if (!Number.isInteger(h.epochs) || h.epochs < 1) throw new Error(`train: \`epochs\` must be a positive integer, got ${h.epochs}`);
  if (!Number.isInteger(h.batchSize) || h.batchSize < 1) throw new Error(`train: \`batchSize\` must be a positive integer, got ${h.batchSize}`);
  if (!Number.isInteger(h.dim) || h.dim < 1) throw new Error(`train: \`dim\` must be a positive integer, got ${h.dim}`);
  if (!(h.lr > 0)) throw new Error(`train: \`lr\` must be > 0, got ${h.lr}`);
  if (!Number.isInteger(h.seed)) throw new Error(`train: \`seed\` must be an integer, got ${h.seed}`);
}

/** Metrics of trained weights on an encoded set, in plain JS (no tfjs needed during training). */
export function evaluateEncoded(params: ModelParams, data: EncodedDataset, labels: readonly string[]): EvalMetrics {
  const K = labels.length;
  const probs = forward(params, data.ids, data.offsets);
  const gold: string[][] = [];
  const predicted: string[] = [];
  const confidence: number[] = [];
  for (let i = 0; i < data.n; i++) {
    const g: string[] = [];
    for (let t = data.targetOffsets[i]!; t < data.targetOffsets[i + 1]!; t++) g.push(labels[data.targets[t]!]!);
    gold.push(g);
    const arg = argmax(probs, i * K, K);
    predicted.push(labels[arg]!);
    confidence.push(probs[i * K + arg]!);
  }
  return computeMetrics(gold, predicted, confidence, labels);
}

export function summary(m: EvalMetrics): Record<string, number> {
  return { n: m.n, accuracy: round(m.accuracy), macro_f1: round(m.macro_f1), worst_class_accuracy: round(m.worst_class_accuracy), ece: round(m.ece) };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function basename(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? 'model';
}

/** sha256 over (text, labels, weight) of every example, in order. */
export function dataHash(examples: readonly LabelledExample[]): string {
  const h = createHash('sha256');
  for (const ex of examples) h.update(`${ex.text}\u001f${ex.labels.join('\u001e')}\u001f${ex.weight}\n`);
  return `sha256:${h.digest('hex')}`;
}
