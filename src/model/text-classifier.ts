import { IdBuffer, type Featurizer } from '../features/featurizer.js';
import type { Prediction } from '../types.js';
import type { ModelMetadata } from './metadata.js';
import { makePrediction, resolvePredictOptions, textOf, type DocInput, type PredictOptions, type ResolvedLoadOptions } from './prediction.js';
import { scoreTexts, type ScoredBatch } from './score-texts.js';
import type { Scorer } from './scorer-types.js';
import type { PartSettings } from '../text/part-split.js';

/** Lets the event loop (or the page) run between batches: setImmediate in Node, setTimeout elsewhere. */
const yieldToEventLoop = (): Promise<void> => new Promise((r) => (typeof setImmediate === 'function' ? setImmediate(r) : setTimeout(r, 0)));

/**
 * Featurizer + scorer + labels, with no Node modules: what `Classifier` (Node) and `BrowserClassifier`
 * share. Subclasses say where the model came from and which backend runs it.
 */
export class TextClassifier {
  readonly labels: readonly string[];
  readonly batchSize: number;
  private readonly defaults: Required<PredictOptions>;
  private readonly buf = new IdBuffer(1 << 16);
  private disposed = false;

  /** `options` as checked by resolveLoadOptions (the loaders check them before reading the model). */
  constructor(
    readonly metadata: ModelMetadata,
    private readonly featurizer: Featurizer,
    private readonly scorer: Scorer,
    options: ResolvedLoadOptions,
  ) {
    this.labels = metadata.labels;
    this.batchSize = options.batchSize;
    this.defaults = options.predict;
  }

  /** Classifies one text (synchronous). Empty or whitespace-only text is an error, as in the CLI. */
  classify(doc: DocInput, options?: PredictOptions): Prediction {
    this.checkLive();
    return this.predictTexts([textOf(doc)], options)[0]!;
  }

  /**
   * Classifies many documents, in tfjs batches of `batchSize`, yielding to the event loop between batches.
   * Every document is checked before any is scored: a bad one fails the call, naming its index.
   */
  async classifyBatch(docs: readonly DocInput[], options?: PredictOptions): Promise<Prediction[]> {
    this.checkLive();
    if (!Array.isArray(docs)) throw new TypeError(`classifyBatch: documents must be an array, got ${docs === null ? 'null' : typeof docs}`);
    const texts = docs.map((d: DocInput, i: number) => textOf(d, i));
    const opts = this.predictOptions(options);
    const out: Prediction[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      this.checkLive(); // dispose() may run while this call waits for the event loop
      out.push(...this.predictTexts(texts.slice(i, i + this.batchSize), opts));
      if (i + this.batchSize < texts.length) await yieldToEventLoop();
    }
    return out;
  }

  /** Classifies a stream of documents, batching internally; yields one prediction per document, in order. */
  async *classifyStream(docs: AsyncIterable<DocInput> | Iterable<DocInput>, options?: PredictOptions): AsyncGenerator<Prediction> {
    this.checkLive();
    const iterable = docs as Partial<AsyncIterable<DocInput> & Iterable<DocInput>> | null;
    if (iterable === null || typeof iterable !== 'object' || (typeof iterable[Symbol.asyncIterator] !== 'function' && typeof iterable[Symbol.iterator] !== 'function')) {
      throw new TypeError(`classifyStream: documents must be an iterable or async iterable, got ${docs === null ? 'null' : typeof docs}`);
    }
    const opts = this.predictOptions(options);
    let batch: string[] = [];
    let n = 0;
    for await (const doc of docs) {
      batch.push(textOf(doc, n++));
      if (batch.length >= this.batchSize) {
        this.checkLive();
        yield* this.predictTexts(batch, opts);
        batch = [];
      }
    }
    this.checkLive();
    if (batch.length > 0) yield* this.predictTexts(batch, opts);
  }

  /** Predictions for a batch of texts (featurize, one tfjs call, build the prediction objects). */
  predictTexts(texts: readonly string[], options?: PredictOptions): Prediction[] {
    this.checkLive();
    const opts = this.predictOptions(options);
    const { probs, scripts, chunks, parts } = this.scoreTexts(texts, opts);
    const K = this.labels.length;
    const out: Prediction[] = new Array<Prediction>(texts.length);
    for (let i = 0; i < texts.length; i++) {
      const p = makePrediction(probs.subarray(i * K, i * K + K), this.labels, scripts[i]!, opts, this.metadata.abstain, parts?.[i], this.metadata.multiLabel?.thresholds);
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
   * their chunks (`chunks[i]` says how many). With part settings (`parts` or `partChars` on), long pages
   * are also scored part by part (`parts[i]`).
   */
  scoreTexts(texts: readonly string[], parts?: PartSettings): ScoredBatch {
    this.checkLive();
    return scoreTexts(this.featurizer, this.scorer, texts, this.buf, parts);
  }

  /** Frees the model's tensors; the classifier cannot be used afterwards (a second call does nothing). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.scorer.dispose();
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('classifier: used after dispose(); load the model again to classify');
  }
}
