import { Rng } from '../model/rng.js';

/**
 * Seeded Dirichlet draws of candidate mixtures around a centre mix, for RegMix / Olmix-style regressions
 * over many small proxy runs. Pure: shares in, shares out (the export around it names the domains).
 */

/** Uniform in the open interval (0, 1): the 32-bit draw shifted half a step, so that logs stay finite. */
function openUniform(rng: Rng): number {
  return (rng.next() * 4294967296 + 0.5) / 4294967296;
}

/** Standard normal draw (Box-Muller, cosine branch only: one normal per two uniforms keeps the stream simple). */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(openUniform(rng))) * Math.cos(2 * Math.PI * openUniform(rng));
}

/**
 * The log of a Gamma(shape, 1) draw, by Marsaglia & Tsang (2000). For shape < 1 it uses their boost,
 * G(a) = G(a + 1) x U^(1/a), in logs: Dirichlet parameters of rare domains at small concentrations are
 * tiny (1e-6 and below), where U^(1/a) underflows to 0 in plain arithmetic and every share would come out 0/0.
 */
export function logGammaDraw(rng: Rng, shape: number): number {
  if (shape < 1) return logGammaDraw(rng, shape + 1) + Math.log(openUniform(rng)) / shape;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = openUniform(rng);
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return Math.log(d) + Math.log(v);
  }
}

/** One Dirichlet(params) draw; a parameter of 0 gives exactly 0. Normalised in logs (see logGammaDraw). */
export function dirichletDraw(rng: Rng, params: readonly number[]): number[] {
  const logs = params.map((a) => (a > 0 ? logGammaDraw(rng, a) : Number.NEGATIVE_INFINITY));
  const top = Math.max(...logs);
  const e = logs.map((l) => (l === Number.NEGATIVE_INFINITY ? 0 : Math.exp(l - top)));
  const sum = e.reduce((s, x) => s + x, 0);
  return e.map((x) => x / sum);
}

/** Shares are written with 15 significant digits, as weights.json writes its amounts. */
export function roundShare(x: number): number {
  return Number(x.toPrecision(15));
}

export interface CandidateSampling {
  /** Candidates to return. */
  count: number;
  /** Concentration scales: candidate i is drawn from Dirichlet(alphas[i mod k] x prior). */
  alphas: readonly number[];
  seed: number;
  /** Shares below this are set to 0 and the rest scaled up (0: off). */
  minShare: number;
  /** Least share of every domain (0: off); applied as floor + (1 - n x floor) x draw. */
  floor: number;
  /** Largest share each domain may take (from an epoch cap); Infinity for none. A draw over any cap is redrawn. */
  caps: readonly number[];
  /** Give up after this many draws per requested candidate. */
  maxDrawsPerCandidate: number;
}

export interface SampledCandidate {
  /** Shares, rounded to 15 significant digits; they sum to 1 within 1e-12. */
  weights: number[];
  alpha: number;
}

export interface SamplingResult {
  candidates: SampledCandidate[];
  /** Dirichlet draws made, kept or not. */
  draws: number;
  rejected: { over_cap: number; below_min_share: number; duplicate: number };
  /** True when maxDrawsPerCandidate x count draws did not give `count` candidates. */
  exhausted: boolean;
}

/** Two candidates closer than this (sum of absolute differences) would train the same proxy run: the later one is drawn again. */
export const DUPLICATE_L1 = 1e-6;

/**
 * Draw `count` candidates from Dirichlet(alpha x prior), each kept only when it is within the caps and not a
 * duplicate (rejection, so kept draws follow the Dirichlet restricted to the allowed region). `prior` must sum to 1.
 */
export function sampleCandidates(prior: readonly number[], s: CandidateSampling): SamplingResult {
  const rng = new Rng(s.seed);
  const n = prior.length;
  const out: SampledCandidate[] = [];
  const rejected = { over_cap: 0, below_min_share: 0, duplicate: 0 };
  const maxDraws = s.count * s.maxDrawsPerCandidate;
  let draws = 0;
  while (out.length < s.count && draws < maxDraws) {
    const alpha = s.alphas[out.length % s.alphas.length]!;
    draws++;
    let w = dirichletDraw(
      rng,
      prior.map((p) => p * alpha),
    );
    if (s.minShare > 0) {
      const kept = w.map((x) => (x < s.minShare ? 0 : x));
      const sum = kept.reduce((a, x) => a + x, 0);
      if (sum === 0) {
        rejected.below_min_share++;
        continue;
      }
      w = kept.map((x) => x / sum);
    }
    if (s.floor > 0) {
      const free = 1 - n * s.floor;
      w = w.map((x) => s.floor + free * x);
    }
    w = w.map(roundShare);
    if (w.some((x, i) => x > s.caps[i]!)) {
      rejected.over_cap++;
      continue;
    }
    if (out.some((c) => c.weights.reduce((d, x, i) => d + Math.abs(x - w[i]!), 0) < DUPLICATE_L1)) {
      rejected.duplicate++;
      continue;
    }
    out.push({ weights: w, alpha });
  }
  return { candidates: out, draws, rejected, exhausted: out.length < s.count };
}
