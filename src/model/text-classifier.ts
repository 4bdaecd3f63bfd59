import { IdBuffer, type Featurizer } from '../features/featurizer.js';
import { PREDICT_DEFAULTS } from '../defaults.js';
import type { Prediction } from '../types.js';
import type { ModelMetadata } from './metadata.js';
import { makePrediction, resolvePredictOptions, textOf, type DocInput, type PredictOptions } from './prediction.js';
import { scoreTexts, type ScoredBatch } from './score-texts.js';
import type { Scorer } from './scorer-types.js';

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

  constructor(
    readonly metadata: ModelMetadata,
    private readonly featurizer: Featurizer,
    private readonly scorer: Scorer,
    options: PredictOptions & { batchSize?: number },
  ) {
    this.labels = metadata.labels;
    this.batchSize = options.batchSize ?? PREDICT_DEFAULTS.batchSize;
    this.defaults = resolvePredictOptions(options, PREDICT_DEFAULTS);
  }

  /** Classifies one text (synchronous). */
  classify(doc: DocInput, options?: PredictOptions): Prediction {
    return this.predictTexts([textOf(doc)], options)[0]!;
  }

  /** Classifies many documents, in tfjs batches of `batchSize`, yielding to the event loop between batches. */
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
    const opts = this.predictOptions(options);
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
