/**
 * What scores hashed-id documents: the tfjs kernel (sparse-scorer.ts) and the pure-JS linear kernel
 * (linear-scorer.ts) give the same probabilities (within 1e-5) and are interchangeable.
 */
export interface Scorer {
  readonly numLabels: number;
  /** Length of the vectors `sumRows` returns and `scoreMean` takes (the embedding dim, or the label count for a logit table). */
  readonly sumWidth: number;
  /**
   * Probabilities [n, K] for n documents whose ids are concatenated in `ids`, doc i owning
   * ids[offsets[i] .. offsets[i+1]). A document without ids is scored as the single id 0.
   */
  score(ids: Int32Array, offsets: Int32Array): Float32Array;
  /** Sum of the per-id rows of `ids` (one chunk of a long document), `sumWidth` long. */
  sumRows(ids: Int32Array): Float64Array;
  /** Probabilities [K] of one document from the mean of its rows (`sumWidth` long). */
  scoreMean(mean: Float64Array): Float32Array;
  dispose(): void;
}
