/**
 * The classifier's weights: a bag-of-n-grams model (fastText's architecture).
 * hidden = mean of E rows of the document's ids; probabilities = softmax(hidden . W + b), or with
 * `output: 'sigmoid'` (multi-label, one-vs-all) an independent sigmoid per label.
 * Row 0 of E is the padding row and stays zero.
 */
export interface ModelParams {
  /** Output activation; absent = 'softmax'. */
  output?: OutputActivation;
  buckets: number;
  dim: number;
  numLabels: number;
  /** [buckets, dim], row-major */
  E: Float32Array;
  /** [dim, numLabels], row-major */
  W: Float32Array;
  /** [numLabels] */
  b: Float32Array;
}

/** 'softmax': one distribution over the labels; 'sigmoid': one independent probability per label (multi-label). */
export type OutputActivation = 'softmax' | 'sigmoid';

/**
 * Reference forward pass in plain JS, used while training (dev evaluation) and in tests to check
 * the tfjs serving path. `offsets` has n+1 entries; doc i owns ids[offsets[i] .. offsets[i+1]).
 */
export function forward(p: ModelParams, ids: Int32Array, offsets: Int32Array, out?: Float32Array): Float32Array {
  const n = offsets.length - 1;
  const { dim: D, numLabels: K, E, W, b } = p;
  const probs = out ?? new Float32Array(n * K);
  const h = new Float32Array(D);
  for (let i = 0; i < n; i++) {
    meanEmbedding(E, D, ids, offsets[i]!, offsets[i + 1]!, h);
    if (p.output === 'sigmoid') sigmoidLogits(h, W, b, D, K, probs, i * K);
    else softmaxLogits(h, W, b, D, K, probs, i * K);
  }
  return probs;
}

export function meanEmbedding(E: Float32Array, D: number, ids: Int32Array, start: number, end: number, h: Float32Array): void {
  h.fill(0);
  for (let j = start; j < end; j++) {
    const row = ids[j]! * D;
    for (let d = 0; d < D; d++) h[d]! += E[row + d]!;
  }
  const len = end - start;
  if (len > 0) {
    const inv = 1 / len;
    for (let d = 0; d < D; d++) h[d]! *= inv;
  }
}

/** probs[off .. off+K) = softmax(h . W + b) */
export function softmaxLogits(h: Float32Array, W: Float32Array, b: Float32Array, D: number, K: number, probs: Float32Array, off: number): void {
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    let z = b[k]!;
    for (let d = 0; d < D; d++) z += h[d]! * W[d * K + k]!;
    probs[off + k] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let k = 0; k < K; k++) {
    const e = Math.exp(probs[off + k]! - max);
    probs[off + k] = e;
    sum += e;
  }
  for (let k = 0; k < K; k++) probs[off + k]! /= sum;
}

/** The logistic function, written to stay finite for any finite z (exp of a large positive z would overflow). */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** probs[off .. off+K) = sigmoid(h . W + b), one label at a time */
export function sigmoidLogits(h: Float32Array, W: Float32Array, b: Float32Array, D: number, K: number, probs: Float32Array, off: number): void {
  for (let k = 0; k < K; k++) {
    let z = b[k]!;
    for (let d = 0; d < D; d++) z += h[d]! * W[d * K + k]!;
    probs[off + k] = sigmoid(z);
  }
}
