import type { EncodedDataset } from './dataset.js';

// Per-label decision thresholds of a multi-label (one-vs-all) model, tuned on held-out documents.

/**
 * For each label, the probability threshold that maximises the label's F1 on the documents of `data`,
 * given the model's probabilities `probs` [n, K]. The threshold sits halfway between the lowest score
 * predicted positive and the next lower score (so it does not sit on a tuning document's exact score); with
 * several equally good cuts the highest threshold wins. A label without a positive tuning document keeps
 * `fallback`.
 */
export function tuneThresholds(probs: Float32Array, data: Pick<EncodedDataset, 'n' | 'targets' | 'targetOffsets'>, K: number, fallback: number): number[] {
  const n = data.n;
  const gold = new Uint8Array(n * K);
  for (let i = 0; i < n; i++) for (let t = data.targetOffsets[i]!; t < data.targetOffsets[i + 1]!; t++) gold[i * K + data.targets[t]!] = 1;
  const order = new Int32Array(n);
  const out: number[] = [];
  for (let k = 0; k < K; k++) {
    let positives = 0;
    for (let i = 0; i < n; i++) positives += gold[i * K + k]!;
    if (positives === 0) {
      out.push(fallback);
      continue;
    }
    for (let i = 0; i < n; i++) order[i] = i;
    // highest score first; ties by document index, so the result does not depend on the sort
    order.sort((a, b) => probs[b * K + k]! - probs[a * K + k]! || a - b);
    let tp = 0;
    let bestF1 = -1;
    let bestThreshold = fallback;
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      tp += gold[i * K + k]!;
      const score = probs[i * K + k]!;
      const next = j + 1 < n ? probs[order[j + 1]! * K + k]! : -1;
      if (next === score) continue; // a threshold cannot separate equal scores
      const f1 = (2 * tp) / (j + 1 + positives);
      if (f1 > bestF1) {
        bestF1 = f1;
        bestThreshold = next < 0 ? score : (score + next) / 2;
      }
    }
    out.push(bestThreshold);
  }
  return out;
}

/** Indices of the labels at or above their threshold, most probable first (ties: lower index first). */
export function tagIndices(p: ArrayLike<number>, thresholds: ArrayLike<number>, out: number[] = []): number[] {
  out.length = 0;
  for (let k = 0; k < p.length; k++) if (p[k]! >= thresholds[k]!) out.push(k);
  out.sort((a, b) => p[b]! - p[a]! || a - b);
  return out;
}
