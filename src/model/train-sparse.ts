import type { EncodedDataset } from './dataset.js';
import { forward, sigmoid, type ModelParams, type OutputActivation } from './params.js';
import { Rng } from './rng.js';
import { argmax } from './top-k.js';

/** Every setting is given by the caller (`trainModel` fills them in from TRAIN_DEFAULTS in defaults.ts). */
export interface SparseTrainOptions {
  /** Embedding size. */
  dim: number;
  /** Passes over the data. */
  epochs: number;
  /** Adam learning rate, decayed linearly to 0 over training. */
  lr: number;
  /** Documents per update. */
  batchSize: number;
  /** Seeds weight init and shuffling; same seed + same data = identical weights. */
  seed: number;
  /**
   * 'balanced': every class carries the same total weight, and within a class every language present
   * does too (a topic's 40 English examples weigh as much as its 4,000 Chinese ones). Helps rare
   * classes, under-represented languages and balanced test sets. 'none': as labelled.
   */
  classWeight: 'none' | 'balanced';
  /**
   * 'softmax' (default): one distribution, cross-entropy against the gold labels (uniform over a document's
   * labels, or its soft labels `targetWeights`). 'sigmoid': one-vs-all, an independent binary cross-entropy
   * per label (multi-label models; every gold label is a positive).
   */
  output?: OutputActivation;
  /**
   * Plain SGD for the embedding rows at this learning rate (decayed linearly as `lr` is), instead of Adam;
   * the output layer keeps Adam. Adam moves a rare n-gram's row as far as a common one's, so a one-vs-all
   * model memorises rare n-grams of its training documents; fastText's SGD does not (measured on
   * bdci2018_car_subjects: test micro-F1 +1.5 points). Absent: Adam everywhere (the softmax default).
   */
  embeddingSgdLr?: number;
  /** With a dev set, the epoch with the best dev accuracy is kept (`keep: 'best'`). */
  dev?: EncodedDataset;
  /**
   * 'best' (default): with a dev set, every epoch is scored and the best kept. 'last': the last epoch is kept
   * and the dev set is scored once, at the end (autotune trials on a held-out slice, whose final model has no dev).
   */
  keep?: 'best' | 'last';
  /**
   * What the dev score (`devAccuracy` in the history) measures: 'accuracy' (default), or 'meanRecall', the mean
   * over classes of the share of their documents predicted right (weighs every class the same, as 'balanced' does),
   * or 'microF1' (multi-label: micro-averaged F1 of the labels at probability >= 0.5).
   */
  devMetric?: 'accuracy' | 'meanRecall' | 'microF1';
  /** Checked after every update: true stops training (the result says `stopped`). */
  shouldStop?: () => boolean;
  onEpoch?: (info: EpochInfo) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface EpochInfo {
  epoch: number;
  loss: number;
  seconds: number;
  devAccuracy?: number;
}

export interface SparseTrainResult {
  params: ModelParams;
  history: EpochInfo[];
  /** 1-based epoch whose weights were kept. */
  bestEpoch: number;
  /** `shouldStop` ended training early. */
  stopped: boolean;
}

/** A training run's score only (autotune trials): no full-size weight table is built. */
export interface SparseScoreResult {
  /** Dev accuracy of the kept weights (0 without a dev set or when stopped). */
  accuracy: number;
  history: EpochInfo[];
  bestEpoch: number;
  stopped: boolean;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/**
 * Trains the bag-of-n-grams model with lazy (sparse) Adam over typed arrays: only the embedding rows a
 * batch touches are updated. tfjs's own gradients cannot do this: they build a dense [buckets, dim]
 * gradient every step (and the wasm backend lacks the kernel), which is orders of magnitude slower.
 * The result is stored and served as a standard tfjs model.
 */
export function trainSparse(data: EncodedDataset, buckets: number, numLabels: number, opt: SparseTrainOptions): SparseTrainResult {
  const r = trainCompact(data, buckets, numLabels, opt);
  return { params: { ...r.kept, buckets, E: scatterRows(r.kept.E, r.remap, buckets, opt.dim) }, history: r.history, bestEpoch: r.bestEpoch, stopped: r.stopped };
}

/** Trains as trainSparse does and returns the dev accuracy of the weights it would keep. */
export function trainSparseScore(data: EncodedDataset, buckets: number, numLabels: number, opt: SparseTrainOptions): SparseScoreResult {
  const r = trainCompact(data, buckets, numLabels, opt);
  const last = r.history[r.history.length - 1];
  let accuracy = 0;
  if (!r.stopped && opt.dev) accuracy = (opt.keep === 'last' ? last?.devAccuracy : r.history[r.bestEpoch - 1]?.devAccuracy) ?? 0;
  return { accuracy, history: r.history, bestEpoch: r.bestEpoch, stopped: r.stopped };
}

interface CompactResult {
  kept: ModelParams;
  remap: Int32Array;
  history: EpochInfo[];
  bestEpoch: number;
  stopped: boolean;
}

function trainCompact(data: EncodedDataset, buckets: number, numLabels: number, opt: SparseTrainOptions): CompactResult {
  const D = opt.dim;
  const K = numLabels;
  const V = buckets;
  if (data.n === 0) throw new Error('training data is empty');
  const rng = new Rng(opt.seed);

  // Train on the rows the data uses, renumbered by frequency: a few hundred thousand hot rows instead of
  // a table of `buckets` rows, so updates stay in cache. Row `U` is an all-zero row for dev ids never
  // seen in training. Scattered back to the full table at the end.
  const { remap, rows: U } = compactRows(data.ids, V);
  const ids = mapIds(data.ids, remap, U);
  const devIds = opt.dev ? mapIds(opt.dev.ids, remap, U) : undefined;
  // Each row's embedding, Adam m and Adam v sit side by side ([U+1, 3D]): one update touches one
  // contiguous block instead of three far-apart rows.
  const S = 3 * D;
  const P = new Float32Array((U + 1) * S);
  const W = new Float32Array(D * K);
  const limit = Math.sqrt(6 / (D + K));
  for (let i = 0; i < W.length; i++) W[i] = (rng.next() * 2 - 1) * limit;
  const b = new Float32Array(K);
  const mW = new Float32Array(D * K);
  const vW = new Float32Array(D * K);
  const mb = new Float32Array(K);
  const vb = new Float32Array(K);
  const sigmoidOut = opt.output === 'sigmoid';
  const sgdLr = opt.embeddingSgdLr ?? 0;
  if (!(sgdLr >= 0 && Number.isFinite(sgdLr))) throw new Error(`\`embeddingSgdLr\` must be a finite number >= 0, got ${sgdLr}`);
  if (sigmoidOut && data.targetWeights) throw new Error('soft labels (`probs`) train softmax models only: a multi-label model needs `labels`');
  const params = (): ModelParams => ({ buckets: U + 1, dim: D, numLabels: K, E: embeddingsOf(P, U + 1, D), W: W.slice(), b: b.slice(), ...(sigmoidOut && { output: 'sigmoid' as const }) });

  const classWeights = classWeightsFor(data, K, opt.classWeight);
  const slot = new Int32Array(U).fill(-1);
  let touched = new Int32Array(4096);
  let gE = new Float32Array(4096 * D);
  const gW = new Float32Array(D * K);
  const gb = new Float32Array(K);
  const h = new Float32Array(D);
  const p = new Float32Array(K);
  const gh = new Float32Array(D);
  const order = new Int32Array(data.n);
  for (let i = 0; i < data.n; i++) order[i] = i;

  const stepsPerEpoch = Math.ceil(data.n / opt.batchSize);
  const totalSteps = stepsPerEpoch * opt.epochs;
  const history: EpochInfo[] = [];
  let best: ModelParams | undefined;
  let bestAcc = -1;
  let bestEpoch = opt.epochs;
  let step = 0;
  const { offsets, targets, targetOffsets, weights, targetWeights } = data;
  const devCompact = opt.dev && devIds ? { ...opt.dev, ids: devIds } : undefined;
  const keepLast = opt.keep === 'last';
  let stopped = false;

  for (let epoch = 1; epoch <= opt.epochs && !stopped; epoch++) {
    const t0 = performance.now();
    rng.shuffle(order);
    let lossSum = 0;
    let weightSum = 0;
    for (let start = 0; start < data.n; start += opt.batchSize) {
      const end = Math.min(data.n, start + opt.batchSize);
      const scale = 1 / (end - start);
      gW.fill(0);
      gb.fill(0);
      let nUnique = 0;
      for (let o = start; o < end; o++) {
        const i = order[o]!;
        const s = offsets[i]!;
        const e = offsets[i + 1]!;
        const len = e - s;
        // forward
        h.fill(0);
        for (let j = s; j < e; j++) {
          const row = ids[j]! * S;
          for (let d = 0; d < D; d++) h[d]! += P[row + d]!;
        }
        if (len > 0) for (let d = 0; d < D; d++) h[d]! /= len;
        const ts = targetOffsets[i]!;
        const te = targetOffsets[i + 1]!;
        let w = weights[i]!;
        if (classWeights) w *= classWeights[i]!;
        if (sigmoidOut) {
          // one-vs-all: binary cross-entropy per label; p becomes the gradient p - y
          for (let k = 0; k < K; k++) {
            let z = b[k]!;
            for (let d = 0; d < D; d++) z += h[d]! * W[d * K + k]!;
            p[k] = sigmoid(z);
          }
          for (let k = 0; k < K; k++) {
            let gold = false;
            for (let t = ts; t < te; t++) gold ||= targets[t] === k;
            lossSum -= w * Math.log(Math.max(gold ? p[k]! : 1 - p[k]!, 1e-12));
            if (gold) p[k]! -= 1;
          }
        } else {
          let max = -Infinity;
          for (let k = 0; k < K; k++) {
            let z = b[k]!;
            for (let d = 0; d < D; d++) z += h[d]! * W[d * K + k]!;
            p[k] = z;
            if (z > max) max = z;
          }
          let sum = 0;
          for (let k = 0; k < K; k++) {
            const ez = Math.exp(p[k]! - max);
            p[k] = ez;
            sum += ez;
          }
          for (let k = 0; k < K; k++) p[k]! /= sum;
          // softmax cross-entropy against the soft labels, or a uniform distribution over the gold labels
          const uniform = 1 / (te - ts);
          for (let t = ts; t < te; t++) {
            const k = targets[t]!;
            const share = targetWeights ? targetWeights[t]! : uniform;
            lossSum -= w * share * Math.log(Math.max(p[k]!, 1e-12));
            p[k]! -= share;
          }
        }
        weightSum += w;
        const g = w * scale;
        for (let k = 0; k < K; k++) {
          const gk = p[k]! * g;
          gb[k]! += gk;
          for (let d = 0; d < D; d++) gW[d * K + k]! += h[d]! * gk;
        }
        if (len === 0) continue;
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let k = 0; k < K; k++) acc += W[d * K + k]! * p[k]!;
          gh[d] = (acc * g) / len;
        }
        for (let j = s; j < e; j++) {
          const row = ids[j]!;
          let sl = slot[row]!;
          if (sl < 0) {
            if (nUnique === touched.length) {
              const t2 = new Int32Array(touched.length * 2);
              t2.set(touched);
              touched = t2;
              const g2 = new Float32Array(touched.length * D);
              g2.set(gE);
              gE = g2;
            }
            sl = nUnique++;
            slot[row] = sl;
            touched[sl] = row;
            gE.fill(0, sl * D, sl * D + D);
          }
          const base = sl * D;
          for (let d = 0; d < D; d++) gE[base + d]! += gh[d]!;
        }
      }
      // Adam step, bias-corrected with the global step (as TF's LazyAdam), learning rate decayed linearly
      step++;
      const decay = Math.max(0, 1 - (step - 1) / totalSteps);
      const lr = opt.lr * decay;
      const lrT = (lr * Math.sqrt(1 - BETA2 ** step)) / (1 - BETA1 ** step);
      for (let u = 0; u < nUnique; u++) {
        const row = touched[u]!;
        slot[row] = -1;
        const base = row * S;
        const gbase = u * D;
        if (sgdLr > 0) {
          const rate = sgdLr * decay;
          for (let d = 0; d < D; d++) P[base + d]! -= rate * gE[gbase + d]!;
          continue;
        }
        for (let d = 0; d < D; d++) {
          const g = gE[gbase + d]!;
          const mi = base + D + d;
          const vi = mi + D;
          const m = (P[mi] = BETA1 * P[mi]! + (1 - BETA1) * g);
          const v = (P[vi] = BETA2 * P[vi]! + (1 - BETA2) * g * g);
          P[base + d]! -= (lrT * m) / (Math.sqrt(v) + EPS);
        }
      }
      adamDense(W, gW, mW, vW, lrT);
      adamDense(b, gb, mb, vb, lrT);
      opt.onProgress?.(step, totalSteps);
      if (opt.shouldStop?.()) {
        stopped = true;
        break;
      }
    }
    const info: EpochInfo = { epoch, loss: weightSum > 0 ? lossSum / weightSum : 0, seconds: (performance.now() - t0) / 1000 };
    if (stopped) break;
    if (devCompact && devCompact.n > 0 && (!keepLast || epoch === opt.epochs)) {
      const now = params();
      info.devAccuracy = opt.devMetric === 'meanRecall' ? meanRecallOf(now, devCompact) : opt.devMetric === 'microF1' ? microF1Of(now, devCompact, 0.5) : accuracyOf(now, devCompact);
      if (info.devAccuracy > bestAcc) {
        bestAcc = info.devAccuracy;
        bestEpoch = epoch;
        best = epoch === opt.epochs ? undefined : now;
      }
    }
    history.push(info);
    opt.onEpoch?.(info);
  }
  const kept = best && bestEpoch !== opt.epochs ? best : params();
  return { kept, remap, history, bestEpoch, stopped };
}

/** The embedding part of the interleaved [rows, 3D] parameter block. */
function embeddingsOf(P: Float32Array, rows: number, D: number): Float32Array {
  const E = new Float32Array(rows * D);
  for (let r = 0; r < rows; r++) E.set(P.subarray(r * 3 * D, r * 3 * D + D), r * D);
  return E;
}

/** Row numbers for the ids in use, most frequent first (deterministic: ties by id). */
function compactRows(ids: Int32Array, V: number): { remap: Int32Array; rows: number } {
  const counts = new Int32Array(V);
  for (let j = 0; j < ids.length; j++) counts[ids[j]!]!++;
  const used: number[] = [];
  for (let r = 0; r < V; r++) if (counts[r]! > 0) used.push(r);
  used.sort((a, b) => counts[b]! - counts[a]! || a - b);
  const remap = new Int32Array(V).fill(-1);
  for (let u = 0; u < used.length; u++) remap[used[u]!] = u;
  return { remap, rows: used.length };
}

function mapIds(ids: Int32Array, remap: Int32Array, zeroRow: number): Int32Array {
  const out = new Int32Array(ids.length);
  for (let j = 0; j < ids.length; j++) {
    const r = remap[ids[j]!]!;
    out[j] = r < 0 ? zeroRow : r;
  }
  return out;
}

/** The full [V, D] table: trained rows in place, all others (and the padding row 0) zero. */
function scatterRows(compact: Float32Array, remap: Int32Array, V: number, D: number): Float32Array {
  const E = new Float32Array(V * D);
  for (let r = 0; r < V; r++) {
    const u = remap[r]!;
    if (u >= 0) E.set(compact.subarray(u * D, u * D + D), r * D);
  }
  return E;
}

function adamDense(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lrT: number): void {
  for (let i = 0; i < x.length; i++) {
    const gi = g[i]!;
    const mi = (m[i] = BETA1 * m[i]! + (1 - BETA1) * gi);
    const vi = (v[i] = BETA2 * v[i]! + (1 - BETA2) * gi * gi);
    x[i]! -= (lrT * mi) / (Math.sqrt(vi) + EPS);
  }
}

/** Per-example multipliers for 'balanced': n / (classes present x languages of the class x examples in the cell). */
function classWeightsFor(data: EncodedDataset, K: number, mode: SparseTrainOptions['classWeight']): Float64Array | undefined {
  if (mode === 'none') return undefined;
  const langIds = new Map<string, number>();
  const cellOf = new Int32Array(data.n);
  for (let i = 0; i < data.n; i++) {
    let l = langIds.get(data.langs[i]!);
    if (l === undefined) langIds.set(data.langs[i]!, (l = langIds.size));
    cellOf[i] = data.targets[data.targetOffsets[i]!]! * 1024 + l;
  }
  const cellCount = new Map<number, number>();
  for (let i = 0; i < data.n; i++) cellCount.set(cellOf[i]!, (cellCount.get(cellOf[i]!) ?? 0) + 1);
  const langsOfClass = new Int32Array(K);
  for (const cell of cellCount.keys()) langsOfClass[Math.floor(cell / 1024)]!++;
  const present = langsOfClass.filter((c) => c > 0).length;
  const w = new Float64Array(data.n);
  for (let i = 0; i < data.n; i++) {
    const cell = cellOf[i]!;
    w[i] = data.n / (present * langsOfClass[Math.floor(cell / 1024)]! * cellCount.get(cell)!);
  }
  return w;
}

/** Top-1 accuracy (a prediction is right when it is any of the doc's gold labels). */
export function accuracyOf(params: ModelParams, data: EncodedDataset): number {
  const K = params.numLabels;
  const probs = forward(params, data.ids, data.offsets);
  let right = 0;
  for (let i = 0; i < data.n; i++) {
    const arg = argmax(probs, i * K, K);
    for (let t = data.targetOffsets[i]!; t < data.targetOffsets[i + 1]!; t++) if (data.targets[t] === arg) right++;
  }
  return data.n > 0 ? right / data.n : 0;
}

/** Mean over the classes present of the share of their documents whose top prediction is one of their gold labels. */
export function meanRecallOf(params: ModelParams, data: EncodedDataset): number {
  const K = params.numLabels;
  const probs = forward(params, data.ids, data.offsets);
  const right = new Float64Array(K);
  const count = new Float64Array(K);
  for (let i = 0; i < data.n; i++) {
    const arg = argmax(probs, i * K, K);
    for (let t = data.targetOffsets[i]!; t < data.targetOffsets[i + 1]!; t++) {
      const k = data.targets[t]!;
      count[k]!++;
      if (k === arg) right[k]!++;
    }
  }
  let sum = 0;
  let present = 0;
  for (let k = 0; k < K; k++) {
    if (count[k]! === 0) continue;
    sum += right[k]! / count[k]!;
    present++;
  }
  return present > 0 ? sum / present : 0;
}

/** Micro-averaged F1 of the labels a multi-label model gives probability >= `threshold` (the same for every label). */
export function microF1Of(params: ModelParams, data: EncodedDataset, threshold: number): number {
  const K = params.numLabels;
  const probs = forward(params, data.ids, data.offsets);
  let tp = 0;
  let predicted = 0;
  const gold = data.targets.length;
  for (let i = 0; i < data.n; i++) {
    for (let k = 0; k < K; k++) {
      if (probs[i * K + k]! < threshold) continue;
      predicted++;
      for (let t = data.targetOffsets[i]!; t < data.targetOffsets[i + 1]!; t++) if (data.targets[t] === k) tp++;
    }
  }
  return predicted + gold > 0 ? (2 * tp) / (predicted + gold) : 0;
}
