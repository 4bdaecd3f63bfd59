import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Featurizer, IdBuffer } from './features/featurizer.js';
import { makePlugins } from './features/plugins.js';
import { useBackend, type BackendName, type BackendPreference } from './model/backend.js';
import type { ModelMetadata } from './model/metadata.js';
import { readModelDir, readModelJson } from './io/model-files.js';
import { TfjsScorer } from './model/scorer.js';
import { topIndices } from './model/top-k.js';
import { PREDICT_DEFAULTS } from './defaults.js';
import { makePrediction, resolvePredictOptions, textOf, type DocInput, type PredictOptions } from './model/prediction.js';
import { scoreTexts, type ScoredBatch } from './model/score-texts.js';
import type { Prediction } from './types.js';
import { PACKAGE_ROOT } from './version.js';

export { topIndices };
export type { DocInput, PredictOptions, ScoredBatch };

/** Folder of the model shipped with the package, used when no model is named. */
export const DEFAULT_MODEL_DIR = join(PACKAGE_ROOT, 'models', 'default');

export interface LoadOptions extends PredictOptions {
  /** 'auto' (default): tfjs-node when installed, else wasm, else cpu. */
  backend?: BackendPreference;
  /** Documents per tfjs call in classifyBatch / classifyStream. Default PREDICT_DEFAULTS.batchSize (1024). */
  batchSize?: number;
}

type Resolved = Required<PredictOptions>;

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
  const modelDir = dir ?? DEFAULT_MODEL_DIR;
  const { meta } = await readModelJson(modelDir);
  const defaults = resolvePredictOptions(options, PREDICT_DEFAULTS);
  return {
    dir: modelDir,
    labels: meta.labels,
    metadata: meta,
    backend: options.backend ?? 'auto',
    batchSize: options.batchSize ?? PREDICT_DEFAULTS.batchSize,
    predictOptions: (o) => (o ? resolvePredictOptions(o, defaults) : defaults),
  };
}

/** A loaded topic classifier: featurizer + tfjs model + labels. Create it with `loadClassifier`. */
export class Classifier implements ModelHandle {
  readonly labels: readonly string[];
  readonly metadata: ModelMetadata;
  readonly backend: BackendName;
  readonly dir: string;
  readonly batchSize: number;
  private readonly featurizer: Featurizer;
  private readonly scorer: TfjsScorer;
  private readonly defaults: Resolved;
  private readonly buf = new IdBuffer(1 << 16);

  /** @internal use loadClassifier */
  constructor(dir: string, meta: ModelMetadata, featurizer: Featurizer, scorer: TfjsScorer, backend: BackendName, options: LoadOptions) {
    this.dir = dir;
    this.metadata = meta;
    this.labels = meta.labels;
    this.featurizer = featurizer;
    this.scorer = scorer;
    this.backend = backend;
    this.batchSize = options.batchSize ?? PREDICT_DEFAULTS.batchSize;
    this.defaults = resolvePredictOptions(options, PREDICT_DEFAULTS);
  }

  /** Classifies one text (synchronous). */
  classify(doc: DocInput, options?: PredictOptions): Prediction {
    return this.predictTexts([textOf(doc)], options)[0]!;
  }

  /** Classifies many documents, in tfjs batches of `batchSize`. */
  async classifyBatch(docs: readonly DocInput[], options?: PredictOptions): Promise<Prediction[]> {
    const out: Prediction[] = [];
    for (let i = 0; i < docs.length; i += this.batchSize) {
      out.push(...this.predictTexts(docs.slice(i, i + this.batchSize).map(textOf), options));
      if (i + this.batchSize < docs.length) await yieldToEventLoop();
    }
    return out;
  }

  /** Classifies a stream of documents, batching internally; yields one prediction per document, in order. */
  async *classifyStream(docs: AsyncIterable<DocInput> | Iterable<DocInput>, options?: PredictOptions): AsyncGenerator<Prediction> {
    let batch: string[] = [];
    for await (const doc of docs) {
      batch.push(textOf(doc));
      if (batch.length >= this.batchSize) {
        yield* this.predictTexts(batch, options);
        batch = [];
      }
    }
    if (batch.length > 0) yield* this.predictTexts(batch, options);
  }

  /** Predictions for a batch of texts (featurize, one tfjs call, build the prediction objects). */
  predictTexts(texts: readonly string[], options?: PredictOptions): Prediction[] {
    const opts = options ? resolvePredictOptions(options, this.defaults) : this.defaults;
    const { probs, scripts, chunks } = this.scoreTexts(texts);
    const K = this.labels.length;
    const out: Prediction[] = new Array<Prediction>(texts.length);
    for (let i = 0; i < texts.length; i++) {
      const p = makePrediction(probs.subarray(i * K, i * K + K), this.labels, scripts[i]!, opts, this.metadata.abstain);
      if (chunks[i]! > 1) p.chunks = chunks[i]!;
      out[i] = p;
    }
    return out;
  }

  /** Resolved prediction options (the loaded defaults overridden by `options`). */
  predictOptions(options?: PredictOptions): Required<PredictOptions> {
    return options ? resolvePredictOptions(options, this.defaults) : this.defaults;
  }

  /**
   * The fast path under everything: featurize, one tfjs call for the batch; probabilities [n, K] in
   * label order. Texts longer than the featurizer's chunk size are scored from the exact mean over all
   * their chunks (`chunks[i]` says how many).
   */
  scoreTexts(texts: readonly string[]): ScoredBatch {
    return scoreTexts(this.featurizer, this.scorer, texts, this.buf);
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.scorer.dispose();
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/**
 * Loads a model folder (model.json + weights.bin) written by `topicmix train`. Without a folder, the
 * default model shipped in the package (models/default) is used.
 */
export async function loadClassifier(dir?: string, options: LoadOptions = {}): Promise<Classifier> {
  const modelDir = dir ?? DEFAULT_MODEL_DIR;
  if (dir === undefined && !existsSync(join(modelDir, 'model.json'))) {
    throw new Error(`no model given and the default model is missing (${modelDir}); pass a model folder written by "topicmix train"`);
  }
  const backend = await useBackend(options.backend ?? 'auto');
  const files = await readModelDir(modelDir);
  const featurizer = new Featurizer(files.meta.featurizer, await makePlugins(files.meta.featurizer, `model ${modelDir}`));
  const scorer = new TfjsScorer(files);
  return new Classifier(modelDir, files.meta, featurizer, scorer, backend, options);
}
