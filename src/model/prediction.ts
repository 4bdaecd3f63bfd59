import { PREDICT_DEFAULTS } from '../defaults.js';
import { topIndices } from './top-k.js';
import type { Prediction, Script, TopicScore } from '../types.js';

// Prediction objects from probabilities, without Node modules (the browser entry uses it). The same
// rules as classifier.ts's predictTexts: top-k, abstain label, threshold, optional full scores.

export interface PredictOptions {
  /** How many labels to list in `topics`. Default 3. */
  topK?: number;
  /** Below this top probability, `label` is null. Default 0 (always a label). */
  threshold?: number;
  /** Add `scores`, the full distribution. Default false. */
  allScores?: boolean;
}

/** A document to classify: a string, or an object with the text in `text`. */
export type DocInput = string | { text: string; [key: string]: unknown };

/** Checks `o` and fills what it leaves out from `d` (by default PREDICT_DEFAULTS). */
export function resolvePredictOptions(o: PredictOptions, d: Required<PredictOptions> = PREDICT_DEFAULTS): Required<PredictOptions> {
  const topK = o.topK ?? d.topK;
  const threshold = o.threshold ?? d.threshold;
  if (!Number.isInteger(topK) || topK < 1) throw new Error(`topK must be an integer >= 1, got ${topK}`);
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`threshold must be in [0, 1], got ${threshold}`);
  return { topK, threshold, allScores: o.allScores ?? d.allScores };
}

export function textOf(doc: DocInput): string {
  if (typeof doc === 'string') return doc;
  if (doc && typeof doc.text === 'string') return doc.text;
  throw new TypeError('document must be a string or an object with a string "text" field');
}

/** The prediction for one document's probabilities `p` (label order). */
export function makePrediction(p: Float32Array, labels: readonly string[], lang: Script, o: Required<PredictOptions>, abstain: string | undefined): Prediction {
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
