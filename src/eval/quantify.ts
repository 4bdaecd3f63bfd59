import { Rng } from '../model/rng.js';

/**
 * Quantification: estimating class shares in a corpus from a classifier's tags. A classifier that confuses
 * A for B moves share from A to B, so raw tag counts are biased. Adjusted classify-and-count (Forman 2008):
 * with M[j][i] = P(tagged j | truly i) measured on labelled data, the tag shares q satisfy q = M p; solve
 * for the true shares p on the probability simplex (least squares), then bootstrap the labelled data and the
 * corpus counts for an interval.
 */

/** counts[i][j]: labelled documents of true class i tagged j (the calibration confusion matrix). */
export type ConfusionCounts = number[][];

/**
 * Shrinkage towards the unadjusted shares: minimise |M p - q|^2 + lambda |p - q|^2. Chosen on the default
 * model's out-of-fold predictions (natural and 30 shifted class priors per language): lambda 0.1 with soft
 * counts had the lowest error in both, far below raw counts (see labels/default/README.md).
 */
export const DEFAULT_SHRINKAGE = 0.1;

/**
 * Least-squares p >= 0, sum p = 1, minimising |M p - q|^2 + lambda |p - q|^2 (accelerated projected
 * gradient). `tagCounts` may be hard counts (ACC) or sums of probabilities (probabilistic ACC, with a
 * confusion matrix of summed probabilities per true class).
 */
export function adjustedShares(tagCounts: readonly number[], confusion: ConfusionCounts, lambda = 0): number[] {
  const K = tagCounts.length;
  const total = tagCounts.reduce((a, b) => a + b, 0);
  if (total === 0) return new Array<number>(K).fill(0);
  const q = tagCounts.map((c) => c / total);
  // M[j][i] (flat, j * K + i); a class never seen in the labelled data keeps an identity column (its tags are taken at face value)
  const M = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    const row = confusion[i] ?? [];
    const n = row.reduce((a, b) => a + b, 0);
    for (let j = 0; j < K; j++) M[j * K + i] = n > 0 ? (row[j] ?? 0) / n : i === j ? 1 : 0;
  }
  // Lipschitz constant of the gradient: the largest eigenvalue of M^T M, bounded by |M|_1 |M|_inf
  let norm1 = 0;
  let normInf = 0;
  for (let i = 0; i < K; i++) {
    let col = 0;
    let row = 0;
    for (let j = 0; j < K; j++) {
      col += Math.abs(M[j * K + i]!);
      row += Math.abs(M[i * K + j]!);
    }
    norm1 = Math.max(norm1, col);
    normInf = Math.max(normInf, row);
  }
  const step = 1 / Math.max(1e-12, norm1 * normInf + lambda);
  // the gradient M^T (M y - q) + lambda (y - q) = A y - c, with A = M^T M + lambda I and c = M^T q + lambda q, formed once
  const A = new Float64Array(K * K);
  const c = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    for (let l = 0; l < K; l++) {
      let s = 0;
      for (let j = 0; j < K; j++) s += M[j * K + i]! * M[j * K + l]!;
      A[i * K + l] = s + (i === l ? lambda : 0);
    }
    let s = 0;
    for (let j = 0; j < K; j++) s += M[j * K + i]! * q[j]!;
    c[i] = s + lambda * q[i]!;
  }
  let p = q.slice();
  let y = p.slice();
  let t = 1;
  const v = new Array<number>(K);
  for (let it = 0; it < 3000; it++) {
    for (let i = 0; i < K; i++) {
      let g = -c[i]!;
      for (let l = 0; l < K; l++) g += A[i * K + l]! * y[l]!;
      v[i] = y[i]! - step * g;
    }
    const next = projectSimplex(v);
    const t2 = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const mom = (t - 1) / t2;
    y = next.map((x, i) => x + mom * (x - p[i]!));
    p = next;
    t = t2;
  }
  return p;
}

/** Euclidean projection onto the probability simplex (Duchi et al. 2008). */
export function projectSimplex(v: readonly number[]): number[] {
  const u = [...v].sort((a, b) => b - a);
  let css = 0;
  let theta = 0;
  for (let i = 0; i < u.length; i++) {
    css += u[i]!;
    const th = (css - 1) / (i + 1);
    if (u[i]! - th > 0) theta = th;
  }
  return v.map((x) => Math.max(0, x - theta));
}

export interface CorrectedShares {
  /** Point estimates, one per class. */
  shares: number[];
  /** Bootstrap percentile interval (2.5%, 97.5%) per class. */
  lo: number[];
  hi: number[];
}

/** Multinomial draw of `n` items over probabilities `p`. */
function multinomial(rng: Rng, n: number, p: readonly number[]): number[] {
  const out = new Array<number>(p.length).fill(0);
  // cumulative sums once, then binary search per draw
  const cum: number[] = [];
  let s = 0;
  for (const x of p) cum.push((s += x));
  for (let k = 0; k < n; k++) {
    const u = rng.next() * s;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    out[lo]!++;
  }
  return out;
}

/**
 * Corrected shares with a bootstrap interval: each replicate redraws every row of the confusion matrix
 * (the labelled documents of that class) and the corpus tag counts, then solves again. Deterministic for a seed.
 * Corpora above `maxCorpusDraw` documents are redrawn at that size scaled (their sampling noise is negligible
 * next to the labelled data's).
 */
export function correctedShares(tagCounts: readonly number[], confusion: ConfusionCounts, opts: { replicates?: number; seed?: number; maxCorpusDraw?: number; lambda?: number } = {}): CorrectedShares {
  const B = opts.replicates ?? 200;
  const lambda = opts.lambda ?? 0;
  const rng = new Rng(opts.seed ?? 1);
  const K = tagCounts.length;
  const shares = adjustedShares(tagCounts, confusion, lambda);
  const total = tagCounts.reduce((a, b) => a + b, 0);
  const draws: number[][] = Array.from({ length: K }, () => []);
  const corpusN = Math.min(total, opts.maxCorpusDraw ?? 100_000);
  const q = tagCounts.map((c) => (total ? c / total : 0));
  for (let b = 0; b < B; b++) {
    // soft rows (sums of probabilities) are redrawn as that many documents over the row's distribution
    const conf = confusion.map((row) => {
      const n = Math.round(row.reduce((a, c) => a + c, 0));
      const sum = row.reduce((a, c) => a + c, 0);
      return n > 0
        ? multinomial(
            rng,
            n,
            row.map((c) => c / sum),
          )
        : row.slice();
    });
    const tags = total > 0 ? multinomial(rng, Math.max(1, Math.round(corpusN)), q) : tagCounts.slice();
    const p = adjustedShares(tags, conf, lambda);
    for (let k = 0; k < K; k++) draws[k]!.push(p[k]!);
  }
  const pct = (xs: number[], f: number): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.round(f * (s.length - 1))))]! : 0;
  };
  return { shares, lo: draws.map((d) => pct(d, 0.025)), hi: draws.map((d) => pct(d, 0.975)) };
}

/** Total variation distance between two distributions over the same classes. */
export function totalVariation(p: readonly number[], q: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs((p[i] ?? 0) - (q[i] ?? 0));
  return s / 2;
}
