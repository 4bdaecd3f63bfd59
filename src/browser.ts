/**
 * topicmix/browser: the classifier in a web page (or any runtime with fetch), with no Node modules in
 * its import graph. The same featurizer, scorer and prediction rules as `loadClassifier` in Node, so the
 * probabilities are the same; the model is fetched from a URL (model.json + weights.bin).
 */
import { Featurizer, IdBuffer, type FeaturizerPlugins } from './features/featurizer.js';
import { PREDICT_DEFAULTS } from './defaults.js';
import type { ModelMetadata } from './model/metadata.js';
import { SparseScorer } from './model/sparse-scorer.js';
import { makePrediction, resolvePredictOptions, textOf, type DocInput, type PredictOptions } from './model/prediction.js';
import { scoreTexts, type ScoredBatch } from './model/score-texts.js';
import type { Prediction } from './types.js';
import { tf, useBrowserBackend, type BrowserBackend } from './browser/backend.js';
import { fetchModelFiles, type FetchLike } from './browser/fetch-model.js';

export type { Prediction, Script, TopicScore } from './types.js';
export type { ModelMetadata } from './model/metadata.js';
export type { DocInput, PredictOptions } from './model/prediction.js';
export type { ScoredBatch } from './model/score-texts.js';
export type { BrowserBackend } from './browser/backend.js';
export type { FeaturizerPlugins, Stemmer, WordSegmenter } from './features/featurizer.js';
export { detectScript } from './text/script.js';

export interface BrowserLoadOptions extends PredictOptions {
  /** tfjs backend: 'cpu' (default, pure JS) or 'wasm' (serve tfjs-backend-wasm's .wasm files, see wasmPaths). */
  backend?: BrowserBackend;
  /** URL prefix (ending in '/') of tfjs-backend-wasm's .wasm files; only with backend 'wasm'. */
  wasmPaths?: string;
  /** Documents per tfjs call in classifyBatch / classifyStream. Default 1024. */
  batchSize?: number;
  /** Fetches the model files; default the global fetch (pass one for credentials, caching, tests). */
  fetch?: FetchLike;
  /** Tokenizers for models that stem English or segment Chinese with jieba (Node loads these itself). */
  plugins?: FeaturizerPlugins;
}

/** A loaded topic classifier in the browser. Create it with `loadBrowserClassifier`. */
export class BrowserClassifier {
  readonly labels: readonly string[];
  readonly metadata: ModelMetadata;
  readonly backend: BrowserBackend;
  /** URL of the model folder */
  readonly url: string;
  readonly batchSize: number;
  private readonly featurizer: Featurizer;
  private readonly scorer: SparseScorer;
  private readonly defaults: Required<PredictOptions>;
  private readonly buf = new IdBuffer(1 << 16);

  /** @internal use loadBrowserClassifier */
  constructor(url: string, meta: ModelMetadata, featurizer: Featurizer, scorer: SparseScorer, backend: BrowserBackend, options: BrowserLoadOptions) {
    this.url = url;
    this.metadata = meta;
    this.labels = meta.labels;
    this.featurizer = featurizer;
    this.scorer = scorer;
    this.backend = backend;
    this.batchSize = options.batchSize ?? PREDICT_DEFAULTS.batchSize;
    this.defaults = resolvePredictOptions(options);
  }

  /** Classifies one text (synchronous). */
  classify(doc: DocInput, options?: PredictOptions): Prediction {
    return this.predictTexts([textOf(doc)], options)[0]!;
  }

  /** Classifies many documents, in tfjs batches of `batchSize`, letting the page breathe between batches. */
  async classifyBatch(docs: readonly DocInput[], options?: PredictOptions): Promise<Prediction[]> {
    const out: Prediction[] = [];
    for (let i = 0; i < docs.length; i += this.batchSize) {
      out.push(...this.predictTexts(docs.slice(i, i + this.batchSize).map(textOf), options));
      if (i + this.batchSize < docs.length) await new Promise((r) => setTimeout(r, 0));
    }
    return out;
  }

  /** Predictions for a batch of texts (featurize, one tfjs call, build the prediction objects). */
  predictTexts(texts: readonly string[], options?: PredictOptions): Prediction[] {
    const opts = this.predictOptions(options);
    const { probs, scripts, chunks } = this.scoreTexts(texts);
    const K = this.labels.length;
    return texts.map((_, i) => {
      const p = makePrediction(probs.subarray(i * K, i * K + K), this.labels, scripts[i]!, opts, this.metadata.abstain);
      if (chunks[i]! > 1) p.chunks = chunks[i]!;
      return p;
    });
  }

  /** Probabilities [n, K] in label order, scripts and chunk counts for a batch of texts. */
  scoreTexts(texts: readonly string[]): ScoredBatch {
    return scoreTexts(this.featurizer, this.scorer, texts, this.buf);
  }

  /** Resolved prediction options (the loaded defaults overridden by `options`). */
  predictOptions(options?: PredictOptions): Required<PredictOptions> {
    return options ? resolvePredictOptions(options, this.defaults) : this.defaults;
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.scorer.dispose();
  }
}

/**
 * Fetches a model (the URL of its folder, or of its model.json; weights.bin is fetched from next to it)
 * and returns a classifier. Relative URLs resolve against the page.
 */
export async function loadBrowserClassifier(url: string | URL, options: BrowserLoadOptions = {}): Promise<BrowserClassifier> {
  resolvePredictOptions(options);
  const backend = await useBrowserBackend(options.backend ?? 'cpu', options.wasmPaths);
  const files = await fetchModelFiles(url, options.fetch);
  const config = files.meta.featurizer;
  const plugins = options.plugins ?? {};
  if (config.stem && !plugins.stemmer)
    throw new Error(`model: ${files.dir}: this model stems English words (featurizer.stem); pass options.plugins.stemmer (a Porter stemmer, e.g. natural's PorterStemmer.stem)`);
  if (config.zhTokens === 'jieba' && !plugins.segmenter) throw new Error(`model: ${files.dir}: this model segments Chinese with jieba (featurizer.zhTokens); pass options.plugins.segmenter`);
  const featurizer = new Featurizer(config, plugins);
  const scorer = new SparseScorer(tf, files);
  return new BrowserClassifier(files.dir, files.meta, featurizer, scorer, backend, options);
}
