/**
 * The one argmax / top-k of topicmix. Comparisons are strict `>`: ties go to the lower index, and a NaN
 * neither beats nor is beaten by anything, so a NaN is kept only where it was taken without a comparison
 * (index 0 for argmax, the first k indices for topIndices).
 */

/**
 * Offset (0-based, relative to `start`) of the largest of `values[start .. start + length)`; -1 when
 * `length` is 0. Equal to `topIndices(row, 1)[0]`. Row-major [n, K] arrays: `argmax(probs, i * K, K)`.
 */
export function argmax(values: ArrayLike<number>, start = 0, length = values.length - start): number {
  if (length <= 0) return -1;
  let best = 0;
  for (let k = 1; k < length; k++) if (values[start + k]! > values[start + best]!) best = k;
  return best;
}

/** Indices of the k largest values, largest first (ties: lower index first); `out` is reused when given. */
export function topIndices(p: ArrayLike<number>, k: number, out: number[] = []): number[] {
  out.length = 0;
  for (let j = 0; j < p.length; j++) {
    if (out.length < k) out.push(j);
    else if (p[j]! > p[out[k - 1]!]!) out[k - 1] = j;
    else continue;
    // bubble the new entry up; strict < keeps the lower index first on ties
    for (let pos = out.length - 1; pos > 0 && p[out[pos - 1]!]! < p[out[pos]!]!; pos--) {
      const t = out[pos]!;
      out[pos] = out[pos - 1]!;
      out[pos - 1] = t;
    }
  }
  return out;
}
