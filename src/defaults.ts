/**
 * Every default of topicmix, one object per concern. The library, the CLI (option defaults and help text)
 * and the executor read these, so a default is changed here and nowhere else. Pure data: no I/O.
 */
/** How text becomes feature ids. Stored in the model so that serving featurizes exactly as training did. */
export interface FeaturizerConfig {
  /** Number of hash buckets (embedding rows). Row 0 is reserved for padding and never produced. */
  buckets: number;
  /** Longest token n-gram: 1 = unigrams, 2 = + bigrams (Han characters and Latin words alike). */
  ngrams: 1 | 2;
  /** Chinese tokens: one per Han character (default), or jieba words (needs the optional `nodejieba`). */
  zhTokens: 'chars' | 'jieba';
  /** Porter-stem Latin words (natural's PorterStemmer, memoised). */
  stem: boolean;
  /** Texts longer than this many characters are featurized in chunks whose features are all kept. */
  chunkChars: number;
}

export interface ReadDefaults {
  /** Longest input line accepted: 64 MiB (longer lines are errors, not memory blow-ups). */
  maxLineBytes: number;
  /** Field holding the document text: 'text'. */
  field: string;
  /** Root for the files named in label mappings (train, eval): '.', the current directory. */
  dataRoot: string;
}

/** How JSONL input is read and found (classify, report, train, eval, labels). */
export const READ_DEFAULTS: Readonly<ReadDefaults> = Object.freeze({
  maxLineBytes: 64 * 1024 * 1024,
  field: 'text',
  dataRoot: '.',
});

/** How text becomes feature ids when training (`trainModel`, `topicmix train`); a model stores its own. */
export const FEATURIZER_DEFAULTS: Readonly<FeaturizerConfig> = Object.freeze({
  /** 2^20 hash buckets. */
  buckets: 1 << 20,
  /** Unigrams + bigrams. */
  ngrams: 2,
  /** One token per Han character (no segmenter needed). */
  zhTokens: 'chars',
  /** No Porter stemming. */
  stem: false,
  /** Texts over 2^20 characters are featurized in chunks. */
  chunkChars: 1 << 20,
});

export interface TrainDefaults {
  /** JSONL field holding the text: READ_DEFAULTS.field. */
  field: string;
  /** Seeds weight init and shuffling (same seed + same data = identical weights): 1. */
  seed: number;
  /** Passes over the data: 'auto', chosen from the data size (see AUTO_TRAIN). */
  epochs: 'auto';
  /** Documents per update: 'auto', chosen from the data size (see AUTO_TRAIN). */
  batchSize: 'auto';
  /** Embedding size: 32. */
  dim: number;
  /** Adam learning rate, decayed linearly to 0 over training: 0.01. */
  lr: number;
  /**
   * 'balanced': every class weighs the same in the loss whatever its share of the labelled data (labelled
   * sets are rarely sampled like the corpus, and rare topics matter); 'none' trains on the labelled distribution.
   */
  classWeight: 'none' | 'balanced';
  /** Weight of each pool-label row (web pages), multiplied with its own weight: 1. */
  poolWeight: number;
  /**
   * weights.bin storage: 'uint8' (affine 8-bit, 1/4 of float32: 33 MB for 2^20 x 32; on the six bench
   * datasets accuracy moved -0.17 to +0.25 points against float32).
   */
  quantize: 'float32' | 'float16' | 'uint8';
  /** Skip malformed training lines (reported) instead of failing: false. */
  skipBadLines: boolean;
  /**
   * One-vs-all (a sigmoid per label) instead of one softmax: 'auto' trains multi-label when some training row
   * has several labels (`labels: [...]`); true / false force it.
   */
  multiLabel: boolean | 'auto';
}

/** Training settings of `trainModel` and `topicmix train`. */
export const TRAIN_DEFAULTS: Readonly<TrainDefaults> = Object.freeze({
  field: READ_DEFAULTS.field,
  seed: 1,
  epochs: 'auto',
  batchSize: 'auto',
  dim: 32,
  lr: 0.01,
  classWeight: 'balanced',
  poolWeight: 1,
  quantize: 'uint8',
  skipBadLines: false,
  multiLabel: 'auto',
});

/** How a multi-label model's per-label thresholds are tuned (see train.ts). */
export interface MultiLabelDefaults {
  /** Without dev data: the share of the training data held out (seeded) to tune the thresholds on: 0.1. */
  heldOutShare: number;
  /** The threshold of a label with no positive tuning document: 0.5. */
  fallbackThreshold: number;
  /** Fewest held-out documents to tune on; smaller training sets tune on all of their data: 50. */
  minHeldOut: number;
  /**
   * How strongly each label's F1-optimal threshold is pulled toward the one micro-F1-optimal threshold, in
   * pseudo-positives: 100 (a label with 100 positive tuning documents lands halfway). See tuneThresholds.
   */
  thresholdShrinkage: number;
  /**
   * SGD learning rate of the embedding rows (the output layer keeps Adam at `lr`): 5. Adam makes a one-vs-all
   * model memorise rare n-grams; see SparseTrainOptions.embeddingSgdLr.
   */
  embeddingSgdLr: number;
  /** With `epochs: 'auto'`: at least this many epochs (SGD rows learn more slowly than Adam ones): 20. */
  minAutoEpochs: number;
  /** Class weights when `classWeight` is not given: 'none' (one-vs-all already weighs every label on its own). */
  classWeight: 'none' | 'balanced';
}

export const MULTI_LABEL_DEFAULTS: Readonly<MultiLabelDefaults> = Object.freeze({
  heldOutShare: 0.1,
  fallbackThreshold: 0.5,
  minHeldOut: 50,
  thresholdShrinkage: 100,
  embeddingSgdLr: 5,
  minAutoEpochs: 20,
  classWeight: 'none',
});

export interface AutoTrainRule {
  /** `batchSize: 'auto'` is the power of two nearest n / examplesPerBatchStep (n = training examples) ... */
  examplesPerBatchStep: number;
  /** ... clamped to [minBatchSize, maxBatchSize]: small data needs more, smaller updates. */
  minBatchSize: number;
  maxBatchSize: number;
  /** `epochs: 'auto'` gives about this many updates in all ... */
  updates: number;
  /** ... clamped to [minEpochs, maxEpochs]. */
  minEpochs: number;
  maxEpochs: number;
}

/** How the 'auto' epochs and batch size follow the number of training examples. */
export const AUTO_TRAIN: Readonly<AutoTrainRule> = Object.freeze({
  examplesPerBatchStep: 150,
  minBatchSize: 16,
  maxBatchSize: 128,
  updates: 800,
  minEpochs: 5,
  maxEpochs: 30,
});

export interface AutotuneDefaults {
  /**
   * Hard bound on the whole `train` call in seconds, search and final training included: 60. A trial is only
   * started when its estimated time plus the estimated final retrain fit in what is left.
   */
  budgetSeconds: number;
  /** Most trials to run (null: as many as the budget allows). A count alone makes the search fully deterministic. */
  trials: number | null;
  /** Without dev data: share of the training data held out (seeded, stratified by label) to score trials: 0.2. */
  heldOutShare: number;
  /** The values searched; the first trial is always the plain training defaults. */
  lr: readonly number[];
  epochs: readonly number[];
  dim: readonly number[];
  ngrams: readonly (1 | 2)[];
  buckets: readonly number[];
  classWeight: readonly ('none' | 'balanced')[];
  /** Estimated times are multiplied by this before they are checked against the budget: 1.3. */
  safety: number;
  /** Seconds kept free at the end of the budget for writing the model folder: 1. */
  reserveSeconds: number;
  /** Seconds per unit of training work (epochs x dim x (ids + docs x labels)) assumed before the first trial has run. */
  priorSecondsPerUnit: number;
  /** Seconds per stored weight (buckets x dim) to build, quantize and write weights.bin, for the final estimate. */
  writeSecondsPerWeight: number;
}

/** How `train --autotune` searches (`autotune` option of `trainModel`). */
export const AUTOTUNE_DEFAULTS: Readonly<AutotuneDefaults> = Object.freeze({
  budgetSeconds: 60,
  trials: null,
  heldOutShare: 0.2,
  lr: Object.freeze([0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16]),
  epochs: Object.freeze([3, 5, 10, 15, 25, 40]),
  dim: Object.freeze([16, 32, 50, 100]),
  ngrams: Object.freeze([1, 2] as const),
  buckets: Object.freeze([1 << 18, 1 << 19, 1 << 20, 1 << 21]),
  classWeight: Object.freeze(['none', 'balanced'] as const),
  safety: 1.3,
  reserveSeconds: 1,
  priorSecondsPerUnit: 4e-9,
  writeSecondsPerWeight: 3e-8,
});

export interface PredictDefaults {
  /** Labels listed in a prediction's `topics`: 3. */
  topK: number;
  /** Below this top probability `label` is null: 0, always a label. */
  threshold: number;
  /** Add `scores`, the full distribution, to each prediction: false. */
  allScores: boolean;
  /** Documents per tfjs call in classifyBatch / classifyStream: 1024. */
  batchSize: number;
  /** Long pages are also scored in this many parts (`topic_parts`): 0, off. From 2 to PART_SPLIT.maxParts. */
  parts: number;
  /** Or in parts of about this many characters (round(length / partChars), 2 to PART_SPLIT.maxParts): 0, off. */
  partChars: number;
  /** Pages of at least this many characters (code points) count as long: 3000. */
  partsMinChars: number;
}

/** Prediction settings of `loadClassifier`, `loadModelHandle` and `topicmix classify`. */
export const PREDICT_DEFAULTS: Readonly<PredictDefaults> = Object.freeze({
  topK: 3,
  threshold: 0,
  allScores: false,
  batchSize: 1024,
  parts: 0,
  partChars: 0,
  partsMinChars: 3000,
});

export interface PartSplitRule {
  /** Most parts a page is cut into: 64. */
  maxParts: number;
  /** A cut is searched within a quarter of a part's length of its target, at most this many characters: 2000. */
  searchChars: number;
}

/** How long pages are cut into parts (src/text/part-split.ts has the whole rule). */
export const PART_SPLIT: Readonly<PartSplitRule> = Object.freeze({
  maxParts: 64,
  searchChars: 2000,
});

export interface OutputDefaults {
  /**
   * Keep the input's own values of the fields classify writes (topic, topics, scores, lang, ...) under
   * `replaced_fields` instead of dropping them: false.
   */
  keepExisting: boolean;
}

/** How `topicmix classify` (and classifyFiles) writes an output line. */
export const OUTPUT_DEFAULTS: Readonly<OutputDefaults> = Object.freeze({
  keepExisting: false,
});

export interface ReportDefaults {
  /** Token counter: 'o200k' (the GPT-4o BPE vocabulary); also cl100k, llama3 (Llama 3), qwen2 (Qwen2/2.5), chars, words. */
  tokenizer: string;
  /** Input field to split the counts by: null, no split. */
  groupBy: string | null;
  /** Field holding the document text in tagged JSONL: READ_DEFAULTS.field. */
  textField: string;
  /** Documents whose top probability is below this count as uncertain: 0.5. */
  uncertainBelow: number;
  /** Term counters kept per topic and script (0 = no terms; more = exact for longer): 500. */
  termCapacity: number;
  /** Top terms listed per topic and script: 15. */
  topTerms: number;
  /**
   * md/html output shows the top terms of a topic x script cell only when it has at least this many
   * documents (below it, terms that one or two documents happen to contain lead the list): 20.
   */
  minTermDocs: number;
}

/** How tagged documents are counted into a report (`buildReport`, `topicmix report`, sharded runs). */
export const REPORT_DEFAULTS: Readonly<ReportDefaults> = Object.freeze({
  tokenizer: 'o200k',
  groupBy: null,
  textField: READ_DEFAULTS.field,
  uncertainBelow: 0.5,
  termCapacity: 500,
  topTerms: 15,
  minTermDocs: 20,
});

export interface MixtureDefaults {
  /** Dirichlet candidates to draw: 64. */
  candidates: number;
  /**
   * Concentration scales: candidate i is drawn from Dirichlet(alphas[i mod k] x centre): [0.1, 0.5, 1, 2, 5].
   * Small scales give sparse mixtures far from the centre, large ones stay near it; the span is RegMix's (0.1 to 5).
   */
  alphas: readonly number[];
  /** Seeds the draws: 1. */
  seed: number;
  /** The centre is raised to this power and renormalised before drawing (below 1 flattens it): 1, as is. */
  temperature: number;
  /** Shares below this are set to 0 (0: off). */
  minShare: number;
  /** Least share of every domain (0: off). */
  floor: number;
  /** Most epochs of a domain's data one candidate may ask for at the budget: null, no cap. */
  maxEpochs: number | null;
  /** Domains: topic x language cells. */
  domains: 'cell' | 'topic' | 'lang';
  /** Draws allowed per requested candidate before giving up (caps and duplicates redraw): 1000. */
  maxDrawsPerCandidate: number;
}

/** How `mixtureCandidates` and `topicmix mixtures` draw candidate mixtures. */
export const MIXTURE_DEFAULTS: Readonly<MixtureDefaults> = Object.freeze({
  candidates: 64,
  alphas: Object.freeze([0.1, 0.5, 1, 2, 5]),
  seed: 1,
  temperature: 1,
  minShare: 0,
  floor: 0,
  maxEpochs: null,
  domains: 'cell',
  maxDrawsPerCandidate: 1000,
});

export interface WorkbenchDefaults {
  /** TCP port on 127.0.0.1; 0 = any free port. */
  port: number;
  /** Retrain after this many new labels (0 = only on demand). */
  retrainEvery: number;
  /** Share of the labelled pages put in the held-out slice (`split: heldout`, by a seeded hash of the id). */
  heldoutShare: number;
  /** Seed of the held-out slice, the suggestions and the retrained models. */
  seed: number;
  /** Suggestions ranked per (re)ranking; the queue is ranked again when it runs dry. */
  queueSize: number;
  /** Largest request body accepted (bytes); larger ones get 413. */
  maxBodyBytes: number;
  /** Longest note accepted (characters). */
  maxNoteChars: number;
  /** A page handed to one tab is not handed to another for this long (ms), so two tabs never label one page. */
  leaseMs: number;
  /** Label file, relative to the label set, when `pool_labels` gives no plain folder: `<folder of the first glob>/workbench.jsonl`. */
  labelFileName: string;
}

/** How `topicmix label serve` (startWorkbench) runs. */
export const WORKBENCH_DEFAULTS: Readonly<WorkbenchDefaults> = Object.freeze({
  port: 0,
  retrainEvery: 50,
  heldoutShare: 0.15,
  seed: 1,
  queueSize: 200,
  maxBodyBytes: 16 * 1024,
  maxNoteChars: 500,
  leaseMs: 10 * 60 * 1000,
  labelFileName: 'workbench.jsonl',
});
