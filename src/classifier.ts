import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Featurizer } from './features/featurizer.js';
import { makePlugins } from './features/plugins.js';
import { servesWithJs, useBackend, type BackendName, type BackendPreference } from './model/backend.js';
import type { ModelMetadata } from './model/metadata.js';
import { readModelDir, readModelJson, type ModelFiles } from './io/model-files.js';
import { allocateLogitTable, LinearScorer, usesLogitTable, type LogitTableMemory } from './model/linear-scorer.js';
import { TfjsScorer } from './model/scorer.js';
import type { Scorer } from './model/scorer-types.js';
import { topIndices } from './model/top-k.js';
import { resolveLoadOptions, resolvePredictOptions, type DocInput, type PredictOptions, type ResolvedLoadOptions } from './model/prediction.js';
import type { ScoredBatch } from './model/score-texts.js';
import { TextClassifier } from './model/text-classifier.js';
import { PACKAGE_ROOT } from './version.js';

export { topIndices };
export type { DocInput, PredictOptions, ScoredBatch };

/** Folder of the model shipped with the package, used when no model is named. */
export const DEFAULT_MODEL_DIR = join(PACKAGE_ROOT, 'models', 'default');

export interface LoadOptions extends PredictOptions {
  /**
   * 'auto' (default) and 'js': topicmix's linear kernel in plain JavaScript (no tfjs; same probabilities
   * within 1e-5). 'tensorflow' (tfjs-node, optional), 'wasm' or 'cpu': that TensorFlow.js backend.
   */
  backend?: BackendPreference;
  /** Documents per tfjs call in classifyBatch / classifyStream: an integer from 1 to 2^20. Default PREDICT_DEFAULTS.batchSize (1024). */
  batchSize?: number;
}

/**
 * What the file pipeline needs to know about a model without holding its weights: with worker threads,
 * each worker loads the weights and the main thread only reads model.json.
 */
export interface ModelHandle {
  readonly dir: string;
  readonly labels: readonly string[];
  readonly metadata: ModelMetadata;
  /** the backend in use, or the one asked for (workers select their own) */
  readonly backend: BackendName | BackendPreference;
  readonly batchSize: number;
  predictOptions(options?: PredictOptions): Required<PredictOptions>;
}

/** A model's handle from its model.json alone (see ModelHandle). */
export async function loadModelHandle(dir?: string, options: LoadOptions = {}): Promise<ModelHandle> {
  const resolved = resolveLoadOptions(options);
  const modelDir = dir ?? DEFAULT_MODEL_DIR;
  const { meta } = await readModelJson(modelDir);
  const defaults = resolved.predict;
  return {
    dir: modelDir,
    labels: meta.labels,
    metadata: meta,
    backend: options.backend ?? 'auto',
    batchSize: resolved.batchSize,
    predictOptions: (o) => (o ? resolvePredictOptions(o, defaults) : defaults),
  };
}

/** A loaded topic classifier: featurizer + tfjs model + labels. Create it with `loadClassifier`. */
export class Classifier extends TextClassifier implements ModelHandle {
  /** @internal use loadClassifier */
  constructor(
    readonly dir: string,
    meta: ModelMetadata,
    featurizer: Featurizer,
    scorer: Scorer,
    readonly backend: BackendName,
    options: ResolvedLoadOptions,
    /** True when weights.bin matched the sha256 that model.json records (models saved before it was recorded have none). */
    readonly weightsVerified: boolean,
  ) {
    super(meta, featurizer, scorer, options);
  }
}

/**
 * Loads a model folder (model.json + weights.bin) written by `topicmix train`. Without a folder, the
 * default model shipped in the package (models/default) is used.
 */
export async function loadClassifier(dir?: string, options: LoadOptions = {}): Promise<Classifier> {
  resolveLoadOptions(options); // bad options fail before the model is read
  const modelDir = dir ?? DEFAULT_MODEL_DIR;
  if (dir === undefined && !existsSync(join(modelDir, 'model.json'))) {
    throw new Error(`no model given and the default model is missing (${modelDir}); pass a model folder written by "topicmix train"`);
  }
  return classifierFromFiles(await readModelDir(modelDir), options);
}

/**
 * A model's weights read once into shared memory, for worker threads: each builds its classifier on the
 * same bytes (and the same lazily filled logit table) instead of reading its own copy.
 */
export interface SharedModel {
  files: ModelFiles;
  logitTable?: LogitTableMemory;
}

/** Reads (and checks) a model folder into SharedArrayBuffers (see SharedModel). */
export async function loadSharedModel(dir: string): Promise<SharedModel> {
  const files = await readModelDir(dir, { shared: true });
  const [, dim = 0] = files.specs[0]?.shape ?? [];
  const K = files.meta.labels.length;
  return { files, ...(usesLogitTable(dim, K) && { logitTable: allocateLogitTable(files.meta.featurizer.buckets, K, true) }) };
}

/** A classifier over weights already in memory and checked (from readModelDir or loadSharedModel). */
export async function classifierFromFiles(files: ModelFiles, options: LoadOptions = {}, logitTable?: LogitTableMemory): Promise<Classifier> {
  const resolved = resolveLoadOptions(options);
  const featurizer = new Featurizer(files.meta.featurizer, await makePlugins(files.meta.featurizer, `model ${files.dir}`));
  const preference = options.backend;
  if (servesWithJs(preference)) {
    return new Classifier(files.dir, files.meta, featurizer, new LinearScorer(files, logitTable ? { logitTable } : {}), 'js', resolved, files.weightsVerified);
  }
  const backend = await useBackend(preference);
  return new Classifier(files.dir, files.meta, featurizer, new TfjsScorer(files), backend, resolved, files.weightsVerified);
}
