export interface ClampedTerm {
  /** Slope, >= 0. */
  a: number;
  b: number;
  lo: number;
  hi: number;
}

function valueAt(terms: readonly ClampedTerm[], s: number): number {
  let sum = 0;
  for (const t of terms) sum += Math.min(t.hi, Math.max(t.lo, t.a * s + t.b));
  return sum;
}

/**
 * Solve sum_i clamp(a_i * s + b_i, lo_i, hi_i) = total for s. The left side is non-decreasing and
 * piecewise linear in s with kinks where a term hits a bound, so the exact root lies on the linear
 * piece between two adjacent kinks. When total is out of reach, the nearest end is returned (callers
 * check feasibility against sum lo / sum hi first).
 */
export function solveClamped(terms: readonly ClampedTerm[], total: number): number {
  const kinks: number[] = [];
  for (const t of terms) {
    if (t.lo > t.hi) throw new RangeError(`empty interval [${t.lo}, ${t.hi}]`);
    if (t.a > 0) kinks.push((t.lo - t.b) / t.a, (t.hi - t.b) / t.a);
  }
  if (kinks.length === 0) return 0;
  kinks.sort((x, y) => x - y);
  let prev = kinks[0]!;
  let fPrev = valueAt(terms, prev);
  if (fPrev >= total) return prev;
  for (let i = 1; i < kinks.length; i++) {
    const s = kinks[i]!;
    if (s === prev) continue;
    const f = valueAt(terms, s);
    if (f >= total) return f === fPrev ? s : prev + ((total - fPrev) * (s - prev)) / (f - fPrev);
    prev = s;
    fPrev = f;
  }
  return prev;
}

export function clampedValues(terms: readonly ClampedTerm[], s: number): number[] {
  return terms.map((t) => Math.min(t.hi, Math.max(t.lo, t.a * s + t.b)));
}
