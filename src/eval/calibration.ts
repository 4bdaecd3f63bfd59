import { argmax } from '../model/top-k.js';

/**
 * Temperature scaling (Guo et al. 2017): one scalar T with probabilities softmax(logits / T), fitted by
 * minimising the negative log-likelihood of held-out labels. The model's own log-probabilities serve as
 * logits (softmax is shift-invariant), so T can be fitted from saved probabilities.
 */
export function fitTemperature(probs: ArrayLike<number>, gold: ArrayLike<number>, K: number): number {
  const n = gold.length;
  if (n === 0) return 1;
  const logp = new Float64Array(n * K);
  for (let i = 0; i < n * K; i++) logp[i] = Math.log(Math.max(probs[i]!, 1e-30));
  const nll = (T: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, logp[i * K + k]! / T);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(logp[i * K + k]! / T - max);
      s -= logp[i * K + gold[i]!]! / T - max - Math.log(z);
    }
    return s / n;
  };
  // golden-section search over log T in [log 0.05, log 20]: NLL is unimodal in T for this family
  let a = Math.log(0.05);
  let b = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = nll(Math.exp(c));
  let fd = nll(Math.exp(d));
  for (let it = 0; it < 60; it++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = nll(Math.exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = nll(Math.exp(d));
    }
  }
  return Math.exp((a + b) / 2);
}

/** probs ** (1/T), renormalised per row: the same as softmax(logits / T). */
export function applyTemperature(probs: ArrayLike<number>, K: number, T: number): Float64Array {
  const n = probs.length / K;
  const out = new Float64Array(probs.length);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, Math.log(Math.max(probs[i * K + k]!, 1e-30)) / T);
    let z = 0;
    for (let k = 0; k < K; k++) z += out[i * K + k] = Math.exp(Math.log(Math.max(probs[i * K + k]!, 1e-30)) / T - max);
    for (let k = 0; k < K; k++) out[i * K + k]! /= z;
  }
  return out;
}

/** Expected calibration error of the top label, `bins` equal-width bins. */
export function expectedCalibrationError(probs: ArrayLike<number>, gold: ArrayLike<number>, K: number, bins = 15): number {
  const n = gold.length;
  const conf = new Float64Array(bins);
  const acc = new Float64Array(bins);
  const cnt = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const a = argmax(probs, i * K, K);
    const p = probs[i * K + a]!;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    conf[b]! += p;
    acc[b]! += a === gold[i] ? 1 : 0;
    cnt[b]!++;
  }
  let e = 0;
  for (let b = 0; b < bins; b++) if (cnt[b]! > 0) e += Math.abs(acc[b]! - conf[b]!);
  return n ? e / n : 0;
}
