import type { FeaturizerConfig } from '../features/featurizer.js';

export const MODEL_FORMAT = 'topicmix-model';
export const MODEL_FORMAT_VERSION = 1;

/** What topicmix stores in model.json's `userDefinedMetadata.topicmix`. */
export interface ModelMetadata {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  name: string;
  /** Output order of the model's probabilities. */
  labels: string[];
  /** Display names per label, when a taxonomy gave them. */
  labelNames?: Record<string, { en?: string; zh?: string }>;
  /** The label that means "no topic fits" (the taxonomy's abstain id): classify writes it as topic null. */
  abstain?: string;
  featurizer: FeaturizerConfig;
  dim: number;
  /** `sha256:<hex>` of weights.bin as written, checked at load; models saved before the hash was recorded have none. */
  weightsSha256?: string;
  training: TrainingRecord;
  metrics?: Record<string, unknown>;
  /**
   * A multi-label (one-vs-all) model: its output is an independent sigmoid per label, and a label is a
   * document's tag when its probability is at or above the label's threshold. Absent: a softmax model.
   */
  multiLabel?: MultiLabelRecord;
  /** How the probabilities were calibrated and the model's known confusions (for corrected shares). */
  calibration?: CalibrationRecord;
  versions: { topicmix: string; tfjs: string };
}

/** The output activation a model's metadata implies: sigmoid for a multi-label model, else softmax. */
export function outputActivation(meta: Pick<ModelMetadata, 'multiLabel'>): 'softmax' | 'sigmoid' {
  return meta.multiLabel ? 'sigmoid' : 'softmax';
}

/** How a multi-label model's tags are decided (see ModelMetadata.multiLabel). */
export interface MultiLabelRecord {
  /** Per label, in `labels` order: the probability at or above which the label is a tag. */
  thresholds: number[];
  /**
   * What the thresholds were tuned on: the dev data, a seeded held-out slice of the training data (then the
   * final model trained on all of it), or, for training sets too small to hold out from, the training data.
   */
  tunedOn: 'dev' | 'held-out' | 'train';
  /** Documents the thresholds were tuned on. */
  nTune: number;
  /** With 'held-out': the share of the training data held out (the final model then trained on all of it). */
  heldOutShare?: number;
  /**
   * How each threshold was chosen: the one maximising that label's F1 on the tuning documents, pulled toward
   * the one threshold maximising micro-F1 by `shrinkage` pseudo-positives (see MULTI_LABEL_DEFAULTS).
   */
  rule: 'max-f1-per-label';
  shrinkage?: number;
}

export interface TrainingRecord {
  seed: number;
  epochs: number;
  bestEpoch: number;
  lr: number;
  batchSize: number;
  classWeight: 'none' | 'balanced';
  /** sha256 over the training examples (text, labels, weight) in order */
  dataHash: string;
  /** Training files as given, relative to the data root or the working directory (never absolute). */
  trainFiles: string[];
  devFiles: string[];
  /** label mapping files applied */
  mappings: string[];
  /** sha256 of every training, dev and mapping file, by the same portable path. */
  fileHashes?: Record<string, string>;
  nTrain: number;
  nDev: number;
  history: { epoch: number; loss: number; devAccuracy?: number }[];
  /** With `train --autotune`: the search that chose the settings above. */
  autotune?: AutotuneRecord;
}

/** One point of the search space. */
export interface AutotuneSetting {
  lr: number;
  epochs: number;
  dim: number;
  ngrams: 1 | 2;
  buckets: number;
  classWeight: 'none' | 'balanced';
}

export interface AutotuneTrial {
  /** 1-based, in the order run. */
  index: number;
  setting: AutotuneSetting;
  /** Seconds from the budget's start (the process start, for the CLI) to the trial's start. */
  at: number;
  /** The record's `metric` on the dev data or the held-out slice (0 when stopped). */
  score: number;
  seconds: number;
  /** Estimated seconds, before it ran. */
  estimate: number;
  /** Stopped by the budget before it finished (its score does not count). */
  stopped?: boolean;
}

/** What the search did; stored in the model metadata (`training.autotune`) and the model card. */
export interface AutotuneRecord {
  /** What trials were scored on. */
  scoredOn: 'dev' | 'held-out';
  /** What trials were scored by: accuracy on dev data; on a held-out slice the mean per-class recall (every class counts the same). */
  metric: 'accuracy' | 'meanRecall';
  /** Examples trials trained on and were scored on. */
  nTrialTrain: number;
  nTrialEval: number;
  heldOutShare?: number;
  seed: number;
  budgetSeconds: number | null;
  trialsLimit: number | null;
  /** Settings the user fixed (not searched). */
  fixed: (keyof AutotuneSetting)[];
  /** Trials run (incl. one stopped by the budget) and candidates passed over because their estimate did not fit. */
  evaluated: number;
  skipped: number;
  stopReason: 'trials' | 'budget' | 'searched';
  best: AutotuneSetting;
  bestScore: number;
  /** Score of the first trial: the plain defaults (with the fixed settings). */
  defaultScore: number;
  trials: AutotuneTrial[];
  searchSeconds: number;
  /** Estimated seconds of the final training on all the data (incl. writing the weights). */
  finalEstimate: number;
  /** Filled in by trainModel: seconds of the final training and of the whole call. */
  finalSeconds?: number;
  totalSeconds?: number;
}

export interface CalibrationRecord {
  method: 'temperature';
  /** Already folded into the output layer: the stored weights give calibrated probabilities. */
  temperature: number;
  /** What the calibration was fitted on. */
  source: string;
  n: number;
  ece_before: number;
  ece_after: number;
  /** Per language: counts[true][predicted] over `labels`, from predictions on labelled documents the model did not train on. */
  confusion: Record<string, number[][]>;
  /** Per language: summed calibrated probabilities [true][label] on the same documents (probabilistic ACC). */
  soft_confusion?: Record<string, number[][]>;
}
