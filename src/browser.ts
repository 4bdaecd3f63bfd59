/**
 * topicmix/browser: the classifier in a web page (or any runtime with fetch), with no Node modules in
 * its import graph. The same featurizer, scorer and prediction rules as `loadClassifier` in Node, so the
 * probabilities are the same; the model is fetched from a URL (model.json + weights.bin).
 */
import { Featurizer, type FeaturizerPlugins } from './features/featurizer.js';
import type { ModelMetadata } from './model/metadata.js';
import { LinearScorer } from './model/linear-scorer.js';
import type { Scorer } from './model/scorer-types.js';
import { SparseScorer } from './model/sparse-scorer.js';
import { resolveLoadOptions, type PredictOptions, type ResolvedLoadOptions } from './model/prediction.js';
import { TextClassifier } from './model/text-classifier.js';
import { useBrowserTfjs, type BrowserBackend } from './browser/backend.js';
import { fetchModelFiles, type FetchLike } from './browser/fetch-model.js';

export type { PartTopic, Prediction, Script, TopicScore } from './types.js';
export type { ModelMetadata } from './model/metadata.js';
export type { DocInput, PredictOptions } from './model/prediction.js';
export type { ScoredBatch } from './model/score-texts.js';
export type { BrowserBackend } from './browser/backend.js';
export type { FeaturizerPlugins, Stemmer, WordSegmenter } from './features/featurizer.js';
export { detectScript } from './text/script.js';

export interface BrowserLoadOptions extends PredictOptions {
  /**
   * 'js' (default): topicmix's linear kernel, no tfjs downloaded. 'cpu' or 'wasm': that TensorFlow.js
   * backend (for 'wasm', serve tfjs-backend-wasm's .wasm files, see wasmPaths). Same probabilities within 1e-5.
   */
  backend?: BrowserBackend;
  /** URL prefix (ending in '/') of tfjs-backend-wasm's .wasm files; only with backend 'wasm'. */
  wasmPaths?: string;
  /** Documents per tfjs call in classifyBatch / classifyStream: an integer from 1 to 2^20. Default 1024. */
  batchSize?: number;
  /** Fetches the model files; default the global fetch (pass one for credentials, caching, tests). */
  fetch?: FetchLike;
  /** Tokenizers for models that stem English or segment Chinese with jieba (Node loads these itself). */
  plugins?: FeaturizerPlugins;
}

/** A loaded topic classifier in the browser. Create it with `loadBrowserClassifier`. */
export class BrowserClassifier extends TextClassifier {
  /** @internal use loadBrowserClassifier */
  constructor(
    /** URL of the model folder */
    readonly url: string,
    meta: ModelMetadata,
    featurizer: Featurizer,
    scorer: Scorer,
    readonly backend: BrowserBackend,
    options: ResolvedLoadOptions,
    /** True when weights.bin matched the sha256 in model.json (false for older models, or without WebCrypto). */
    readonly weightsVerified: boolean,
  ) {
    super(meta, featurizer, scorer, options);
  }
}

/**
 * Fetches a model (the URL of its folder, or of its model.json; weights.bin is fetched from next to it)
 * and returns a classifier. Relative URLs resolve against the page.
 */
export async function loadBrowserClassifier(url: string | URL, options: BrowserLoadOptions = {}): Promise<BrowserClassifier> {
  const resolved = resolveLoadOptions(options);
  const backend = options.backend ?? 'js';
  if (backend !== 'js' && backend !== 'cpu' && backend !== 'wasm') throw new Error(`tfjs backend "${String(backend)}" is not available (use "js", "cpu" or "wasm")`);
  const tf = backend === 'js' ? undefined : await useBrowserTfjs(backend, options.wasmPaths);
  const files = await fetchModelFiles(url, options.fetch);
  const config = files.meta.featurizer;
  const plugins = options.plugins ?? {};
  if (config.stem && !plugins.stemmer)
    throw new Error(`model: ${files.dir}: this model stems English words (featurizer.stem); pass options.plugins.stemmer (a Porter stemmer, e.g. natural's PorterStemmer.stem)`);
  if (config.zhTokens === 'jieba' && !plugins.segmenter) throw new Error(`model: ${files.dir}: this model segments Chinese with jieba (featurizer.zhTokens); pass options.plugins.segmenter`);
  const featurizer = new Featurizer(config, plugins);
  const scorer = tf ? new SparseScorer(tf, files) : new LinearScorer(files);
  return new BrowserClassifier(files.dir, files.meta, featurizer, scorer, backend, resolved, files.weightsVerified);
}
