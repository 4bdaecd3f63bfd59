import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Featurizer, IdBuffer, splitChunks } from './features/featurizer.js';
import { makePlugins } from './features/plugins.js';
import { useBackend, type BackendName, type BackendPreference } from './model/backend.js';
import type { ModelMetadata } from './model/metadata.js';
import { readModelDir, readModelJson } from './model/model-files.js';
import { TfjsScorer } from './model/scorer.js';
import { topIndices } from './model/top-k.js';
import { PREDICT_DEFAULTS } from './defaults.js';
import { scriptOf, type ScriptCounts } from './text/script.js';
import type { Prediction, Script, TopicScore } from './types.js';
import { PACKAGE_ROOT } from './version.js';

export { topIndices };

/** Folder of the model shipped with the package, used when no model is named. */
export const DEFAULT_MODEL_DIR = join(PACKAGE_ROOT, 'models', 'default');

export interface PredictOptions {
  /** How many labels to list in `topics`. Default 3. */
  topK?: number;
  /** Below this top probability, `label` is null. Default 0 (always a label). */
  threshold?: number;
  /** Add `scores`, the full distribution. Default false. */
  allScores?: boolean;
}

export interface LoadOptions extends PredictOptions {
  /** 'auto' (default): tfjs-node when installed, else wasm, else cpu. */
  backend?: BackendPreference;
  /** Documents per tfjs call in classifyBatch / classifyStream. Default PREDICT_DEFAULTS.batchSize (1024). */
  batchSize?: number;
}

/** A document to classify: a string, or an object with the text in `text` (or the field named by `field`). */
export type DocInput = string | { text: string; [key: string]: unknown };

type Resolved = Required<PredictOptions>;

/** Probabilities [n, K] (label order), detected scripts, and chunk counts (0 or 1 = not chunked). */
export interface ScoredBatch {
  probs: Float32Array;
  scripts: Script[];
  chunks: Int32Array;
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
  const modelDir = dir ?? DEFAULT_MODEL_DIR;
  const { meta } = await readModelJson(modelDir);
  const defaults = resolve(options, PREDICT_DEFAULTS);
  return {
    dir: modelDir,
    labels: meta.labels,
    metadata: meta,
    backend: options.backend ?? 'auto',
    batchSize: options.batchSize ?? PREDICT_DEFAULTS.batchSize,
    predictOptions: (o) => (o ? resolve(o, defaults) : defaults),
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
    this.defaults = resolve(options, PREDICT_DEFAULTS);
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
    const opts = options ? resolve(options, this.defaults) : this.defaults;
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
    return options ? resolve(options, this.defaults) : this.defaults;
  }

  /**
   * The fast path under everything: featurize, one tfjs call for the batch; probabilities [n, K] in
   * label order. Texts longer than the featurizer's chunk size are scored from the exact mean over all
   * their chunks (`chunks[i]` says how many).
   */
  scoreTexts(texts: readonly string[]): ScoredBatch {
    const n = texts.length;
    const buf = this.buf;
    buf.clear();
    const offsets = new Int32Array(n + 1);
    const scripts: Script[] = new Array<Script>(n);
    const chunkChars = this.featurizer.config.chunkChars;
    let long: number[] | undefined;
    for (let i = 0; i < n; i++) {
      const text = texts[i]!;
      if (text.length > chunkChars) {
        (long ??= []).push(i);
      } else {
        scripts[i] = scriptOf(this.featurizer.featurize(text, buf));
      }
      offsets[i + 1] = buf.length;
    }
    const probs = this.scorer.score(buf.view(), offsets);
    const chunks = new Int32Array(n);
    if (long) for (const i of long) chunks[i] = this.scoreLong(texts[i]!, probs, i, scripts);
    return { probs, scripts, chunks };
  }

  private scoreLong(text: string, probs: Float32Array, i: number, scripts: Script[]): number {
    const D = this.scorer.dim;
    const sum = new Float64Array(D);
    const counts: ScriptCounts = { han: 0, latin: 0, other: 0 };
    const buf = new IdBuffer(1 << 16);
    let total = 0;
    let pieces = 0;
    for (const piece of splitChunks(text, this.featurizer.config.chunkChars)) {
      buf.clear();
      this.featurizer.featurize(piece, buf, counts);
      const s = this.scorer.embeddingSum(buf.view());
      for (let d = 0; d < D; d++) sum[d]! += s[d]!;
      total += buf.length;
      pieces++;
    }
    const hidden = new Float32Array(D);
    if (total > 0) for (let d = 0; d < D; d++) hidden[d] = sum[d]! / total;
    const K = this.labels.length;
    probs.set(this.scorer.scoreHidden(hidden, 1), i * K);
    scripts[i] = scriptOf(counts);
    return pieces;
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.scorer.dispose();
  }
}

function resolve(o: PredictOptions, d: Resolved): Resolved {
  const topK = o.topK ?? d.topK;
  const threshold = o.threshold ?? d.threshold;
  if (!Number.isInteger(topK) || topK < 1) throw new Error(`topK must be an integer >= 1, got ${topK}`);
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`threshold must be in [0, 1], got ${threshold}`);
  return { topK, threshold, allScores: o.allScores ?? d.allScores };
}

function textOf(doc: DocInput): string {
  if (typeof doc === 'string') return doc;
  if (doc && typeof doc.text === 'string') return doc.text;
  throw new TypeError('document must be a string or an object with a string "text" field');
}

function makePrediction(p: Float32Array, labels: readonly string[], lang: Script, o: Resolved, abstain: string | undefined): Prediction {
  const K = labels.length;
  const top = topIndices(p, Math.min(o.topK, K));
  const topics: TopicScore[] = top.map((j) => ({ label: labels[j]!, score: p[j]! }));
  const best = topics[0]!;
  const why = best.label === abstain ? abstain : best.score < o.threshold ? 'below_threshold' : undefined;
  const pred: Prediction = { label: why === undefined ? best.label : null, ...(why !== undefined && { abstain: why }), score: best.score, topics, lang };
  if (o.allScores) {
    const scores: Record<string, number> = {};
    for (let j = 0; j < K; j++) scores[labels[j]!] = p[j]!;
    pred.scores = scores;
  }
  return pred;
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
