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
  /**
   * Optional (the js kernel has it): `score`, and in the same pass the probabilities of the parts of some
   * documents. Doc i's cuts are `cuts[cutAt[i] .. cutAt[i+1])`, positions in `ids` inside the document,
   * increasing, each a multiple of PART_ALIGN ids after the document's start (so that the document's own
   * sum is computed exactly as `score` computes it). A doc with c cuts has c + 1 parts, in `parts` [.., K] in order.
   */
  scoreWithParts?(ids: Int32Array, offsets: Int32Array, cuts: Int32Array, cutAt: Int32Array): { probs: Float32Array; parts: Float32Array };
  dispose(): void;
}

/** Part cuts fall on multiples of this many ids from the page's start: the js kernel sums rows eight at a time. */
export const PART_ALIGN = 8;
