import type { EncodedDataset } from './dataset.js';

// Per-label decision thresholds of a multi-label (one-vs-all) model, tuned on held-out documents.

/**
 * For each label, the probability threshold that maximises the label's F1 on the documents of `data`,
 * given the model's probabilities `probs` [n, K]. The threshold sits halfway between the lowest score
 * predicted positive and the next lower score (so it does not sit on a tuning document's exact score); with
 * several equally good cuts the highest threshold wins. A label without a positive tuning document keeps
 * `fallback`.
 *
 * With `shrinkage` m > 0, each label's threshold is pulled toward the one threshold that maximises micro-F1
 * over all labels, as if m more positives had voted for it: t = (P t_label + m t_all) / (P + m) for a label
 * with P positive tuning documents (and t_all for a label with none). A rare label's F1-optimal cut rests on
 * a few documents and overfits them; a frequent label's barely moves.
 */
export function tuneThresholds(probs: Float32Array, data: Pick<EncodedDataset, 'n' | 'targets' | 'targetOffsets'>, K: number, fallback: number, shrinkage = 0): number[] {
  const n = data.n;
  const gold = new Uint8Array(n * K);
  for (let i = 0; i < n; i++) for (let t = data.targetOffsets[i]!; t < data.targetOffsets[i + 1]!; t++) gold[i * K + data.targets[t]!] = 1;
  const out: number[] = [];
  const counts: number[] = [];
  for (let k = 0; k < K; k++) {
    const cells = new Int32Array(n);
    for (let i = 0; i < n; i++) cells[i] = i * K + k;
    const r = bestCut(probs, gold, cells);
    counts.push(r.positives);
    out.push(r.positives === 0 ? fallback : r.threshold);
  }
  if (!(shrinkage > 0)) return out;
  const all = new Int32Array(n * K);
  for (let c = 0; c < all.length; c++) all[c] = c;
  const global = bestCut(probs, gold, all);
  const tAll = global.positives === 0 ? fallback : global.threshold;
  return out.map((t, k) => (counts[k]! === 0 ? tAll : (counts[k]! * t + shrinkage * tAll) / (counts[k]! + shrinkage)));
}

/** The F1-maximising threshold over the (document, label) cells `cells` of `probs` (see tuneThresholds). */
function bestCut(probs: Float32Array, gold: Uint8Array, cells: Int32Array): { threshold: number; positives: number } {
  let positives = 0;
  for (const c of cells) positives += gold[c]!;
  if (positives === 0) return { threshold: Number.NaN, positives };
  // highest score first; ties by cell index, so the result does not depend on the sort
  const order = Int32Array.from(cells).sort((a, b) => probs[b]! - probs[a]! || a - b);
  let tp = 0;
  let bestF1 = -1;
  let threshold = Number.NaN;
  for (let j = 0; j < order.length; j++) {
    const c = order[j]!;
    tp += gold[c]!;
    const score = probs[c]!;
    const next = j + 1 < order.length ? probs[order[j + 1]!]! : -1;
    if (next === score) continue; // a threshold cannot separate equal scores
    const f1 = (2 * tp) / (j + 1 + positives);
    if (f1 > bestF1) {
      bestF1 = f1;
      threshold = next < 0 ? score : (score + next) / 2;
    }
  }
  return { threshold, positives };
}

/** Indices of the labels at or above their threshold, most probable first (ties: lower index first). */
export function tagIndices(p: ArrayLike<number>, thresholds: ArrayLike<number>, out: number[] = []): number[] {
  out.length = 0;
  for (let k = 0; k < p.length; k++) if (p[k]! >= thresholds[k]!) out.push(k);
  out.sort((a, b) => p[b]! - p[a]! || a - b);
  return out;
}
