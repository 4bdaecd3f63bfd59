import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { outputActivation } from './metadata.js';
import type { Scorer } from './scorer-types.js';
import { decodeWeights, type ModelFiles } from './weight-data.js';

// No Node modules and tfjs passed in: the Node classifier (scorer.ts) and the browser entry share it.

/**
 * Serves the model through tfjs: hidden = sparseSegmentMean(E, ids, doc) over the flat id list (no
 * padding), probabilities = softmax(hidden . W + b). Same answers as LayersModel.predict on the padded
 * input, which is 15-65x slower because of padding and the generic gather.
 */
export class SparseScorer implements Scorer {
  readonly dim: number;
  readonly numLabels: number;
  readonly buckets: number;
  readonly sumWidth: number;
  private readonly E: Tensor2D;
  private readonly W: Tensor2D;
  private readonly b: Tensor1D;
  private readonly tf: typeof TfCore;
  /** softmax over the labels, or an independent sigmoid per label (a multi-label model) */
  readonly output: 'softmax' | 'sigmoid';

  constructor(tf: typeof TfCore, files: ModelFiles) {
    this.tf = tf;
    this.output = outputActivation(files.meta);
    const specs = files.specs;
    if (specs.length !== 3) throw new Error(`model: ${files.dir}: expected 3 weights (embedding, kernel, bias), found ${specs.length}`);
    const [E, W, b] = decodeWeights(tf, files);
    this.E = E as Tensor2D;
    this.W = W as Tensor2D;
    this.b = b as Tensor1D;
    const [buckets, dim] = this.E.shape;
    this.buckets = buckets;
    this.dim = dim;
    this.sumWidth = dim;
    this.numLabels = this.b.shape[0];
    const labels = files.meta.labels.length;
    if (this.W.shape[0] !== dim || this.W.shape[1] !== this.numLabels || labels !== this.numLabels) {
      this.dispose();
      throw new Error(`model: ${files.dir}: weight shapes do not match (embedding [${this.E.shape}], kernel [${this.W.shape}], bias [${this.b.shape}], ${labels} labels)`);
    }
    if (files.meta.featurizer.buckets !== buckets) {
      this.dispose();
      throw new Error(`model: ${files.dir}: featurizer has ${files.meta.featurizer.buckets} buckets but the embedding has ${buckets} rows`);
    }
  }

  /**
   * Probabilities [n, K] for n documents whose ids are concatenated in `ids`, doc i owning
   * ids[offsets[i] .. offsets[i+1]). A document without ids gets softmax(b) (sigmoid(b) for a multi-label model).
   */
  score(ids: Int32Array, offsets: Int32Array): Float32Array {
    const n = offsets.length - 1;
    if (n === 0) return new Float32Array(0);
    const { flat, seg } = segmentsFor(ids, offsets);
    const tf = this.tf;
    const out = tf.tidy(() => {
      const idsT = tf.tensor1d(flat, 'int32');
      const segT = tf.tensor1d(seg, 'int32');
      const hidden = tf.sparse.sparseSegmentMean(this.E, idsT, segT) as Tensor2D;
      return this.activate(tf.add(tf.matMul(hidden, this.W), this.b));
    });
    const probs = (out.dataSync() as Float32Array).slice();
    out.dispose();
    return probs;
  }

  /** Sum of the embedding rows of `ids` (one chunk of a long document). */
  sumRows(ids: Int32Array): Float64Array {
    if (ids.length === 0) return new Float64Array(this.dim);
    // sparseSegmentSum into one segment: never materialises the [len, dim] gather
    const tf = this.tf;
    const out = tf.tidy(() => tf.sparse.sparseSegmentSum(this.E, tf.tensor1d(ids, 'int32'), tf.zeros([ids.length], 'int32') as Tensor1D));
    const sum = Float64Array.from(out.dataSync() as Float32Array);
    out.dispose();
    return sum;
  }

  /** Probabilities [K] from a mean embedding [dim]. */
  scoreMean(mean: Float64Array): Float32Array {
    const tf = this.tf;
    const out = tf.tidy(() => this.activate(tf.add(tf.matMul(tf.tensor2d(Float32Array.from(mean), [1, this.dim]), this.W), this.b)));
    const probs = (out.dataSync() as Float32Array).slice();
    out.dispose();
    return probs;
  }

  private activate(logits: Tensor): Tensor {
    return this.output === 'sigmoid' ? this.tf.sigmoid(logits) : this.tf.softmax(logits);
  }

  dispose(): void {
    this.E.dispose();
    this.W.dispose();
    this.b.dispose();
  }
}

/** Segment ids for sparseSegmentMean; an empty document gets the padding id 0 (a zero row) so that it keeps its output row. */
function segmentsFor(ids: Int32Array, offsets: Int32Array): { flat: Int32Array; seg: Int32Array } {
  const n = offsets.length - 1;
  let empty = 0;
  for (let i = 0; i < n; i++) if (offsets[i + 1] === offsets[i]) empty++;
  const total = offsets[n]! - offsets[0]! + empty;
  const flat = empty === 0 && offsets[0] === 0 && ids.length === total ? ids : new Int32Array(total);
  const seg = new Int32Array(total);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const s = offsets[i]!;
    const e = offsets[i + 1]!;
    if (e === s) {
      flat[o] = 0;
      seg[o++] = i;
      continue;
    }
    if (flat !== ids) flat.set(ids.subarray(s, e), o);
    seg.fill(i, o, o + (e - s));
    o += e - s;
  }
  return { flat, seg };
}
