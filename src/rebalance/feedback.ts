import { clampedValues, solveClamped } from './solve-clamped.js';
import type { FeedbackUnit } from './weights-types.js';

export type Normalise = 'max_abs' | 'sum_abs' | 'relative' | 'none';

/** Thrown with the key at fault (e.g. `current.law`); the caller adds the file name. */
export class FeedbackError extends Error {
  override name = 'FeedbackError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FeedbackInput {
  /** r(t-1) per unit, summing to 1. */
  previous: ReadonlyMap<string, number>;
  lossPrevious: ReadonlyMap<string, number>;
  lossCurrent: ReadonlyMap<string, number>;
  alpha: number;
  normalise: Normalise;
  /** w_i per unit, default 1. */
  weights: ReadonlyMap<string, number>;
  /** Largest |r_i(t) - r_i(t-1)| allowed, as a share (0.03 = 3 percentage points). */
  maxChange: number | null;
  /** How a unit is named in messages. */
  describe?: (unit: string) => string;
}

/**
 * The Llama-3-SynE update from per-unit validation loss at two checkpoints:
 *   delta_i = loss_i(t) - loss_i(t-1), normalised (see `Normalise`)
 *   f_i     = 1 + alpha * delta_i * w_i
 *   r_i(t)  = r_i(t-1) * f_i / sum_j r_j(t-1) * f_j
 * then, with maxChange, the Euclidean projection of r(t) onto {sum = 1, |r_i(t) - r_i(t-1)| <= maxChange}:
 * r_i = clamp(r_raw_i + mu, r_i(t-1) - c, r_i(t-1) + c) with the one mu that makes the shares sum to 1.
 * Units with r(t-1) = 0 stay at 0 and need no loss values.
 */
export function feedbackUpdate(input: FeedbackInput): FeedbackUnit[] {
  const name = input.describe ?? ((u: string) => `"${u}"`);
  const units = [...input.previous.keys()];
  const active = units.filter((u) => input.previous.get(u)! > 0);
  if (active.length === 0) throw new FeedbackError('previous', 'the previous mixture is empty');

  const deltas = new Map<string, number>();
  for (const u of active) {
    const prev = input.lossPrevious.get(u);
    const cur = input.lossCurrent.get(u);
    if (prev === undefined) throw new FeedbackError(`previous.${u}`, `missing loss value for ${name(u)} at checkpoint t-1`);
    if (cur === undefined) throw new FeedbackError(`current.${u}`, `missing loss value for ${name(u)} at checkpoint t`);
    if (input.normalise === 'relative' && !(prev > 0)) {
      throw new FeedbackError(`previous.${u}`, `loss for ${name(u)} must be > 0 for normalise: relative, got ${prev}`);
    }
    deltas.set(u, cur - prev);
  }
  let scale = 1;
  if (input.normalise === 'max_abs') scale = Math.max(...[...deltas.values()].map(Math.abs));
  else if (input.normalise === 'sum_abs') scale = [...deltas.values()].reduce((s, d) => s + Math.abs(d), 0);
  // Losses of 1e308 and -1e308 differ by more than a double holds (Infinity / Infinity = NaN): then the
  // same ratios are taken from half-differences over the largest one, which cannot overflow.
  const overflow = !Number.isFinite(scale) || [...deltas.values()].some((d) => !Number.isFinite(d));
  const halves = new Map(active.map((u) => [u, input.lossCurrent.get(u)! / 2 - input.lossPrevious.get(u)! / 2]));
  const maxHalf = overflow ? Math.max(...[...halves.values()].map(Math.abs)) : 0;
  const sumOverMax = overflow && maxHalf > 0 ? [...halves.values()].reduce((s, h) => s + Math.abs(h) / maxHalf, 0) : 0;
  const normalised = (u: string): number => {
    const d = deltas.get(u)!;
    if (input.normalise === 'relative') {
      const prev = input.lossPrevious.get(u)!;
      return Number.isFinite(d) ? d / prev : input.lossCurrent.get(u)! / prev - 1;
    }
    if (input.normalise === 'none' || !overflow) return scale > 0 ? d / scale : 0;
    const h = halves.get(u)!;
    return input.normalise === 'max_abs' ? h / maxHalf : h / maxHalf / sumOverMax;
  };

  const f = new Map<string, number>();
  let z = 0;
  for (const u of active) {
    const w = input.weights.get(u) ?? 1;
    const d = normalised(u);
    if (!Number.isFinite(d)) {
      throw new FeedbackError(
        `current.${u}`,
        `the loss change for ${name(u)} (${input.lossPrevious.get(u)} to ${input.lossCurrent.get(u)}) is too large to normalise (${input.normalise}); check the loss values`,
      );
    }
    const fi = 1 + input.alpha * d * w;
    if (!Number.isFinite(fi)) {
      throw new FeedbackError('alpha', `f for ${name(u)} = 1 + ${input.alpha} * ${d} * ${w} overflows; lower alpha or the weight`);
    }
    if (!(fi > 0)) {
      throw new FeedbackError('alpha', `f for ${name(u)} = 1 + ${input.alpha} * ${+normalised(u).toFixed(6)} * ${w} = ${+fi.toFixed(6)} is not positive; lower alpha or the weight`);
    }
    f.set(u, fi);
    z += input.previous.get(u)! * fi;
  }
  const raw = new Map(active.map((u) => [u, (input.previous.get(u)! * f.get(u)!) / z]));

  const final = new Map(raw);
  if (input.maxChange !== null) {
    const c = input.maxChange;
    const terms = active.map((u) => {
      const r = input.previous.get(u)!;
      return { a: 1, b: raw.get(u)!, lo: Math.max(0, r - c), hi: Math.min(1, r + c) };
    });
    const mu = solveClamped(terms, 1);
    const values = clampedValues(terms, mu);
    active.forEach((u, i) => final.set(u, values[i]!));
  }

  return units.map((u) => {
    const r = input.previous.get(u)!;
    const isActive = r > 0;
    const newShare = final.get(u) ?? 0;
    const rawShare = raw.get(u) ?? 0;
    return {
      unit: u,
      previous_share: r,
      loss_previous: input.lossPrevious.get(u) ?? null,
      loss_current: input.lossCurrent.get(u) ?? null,
      delta: Number.isFinite(deltas.get(u) ?? 0) ? (deltas.get(u) ?? 0) : null,
      delta_normalised: isActive ? normalised(u) : 0,
      weight: input.weights.get(u) ?? 1,
      f: f.get(u) ?? 1,
      raw_share: rawShare,
      new_share: newShare,
      clipped: input.maxChange !== null && isActive && Math.abs(rawShare - r) > input.maxChange + 1e-12,
    };
  });
}
