import { outputActivation } from './metadata.js';
import type { WeightSpec } from './model-json-parse.js';
import { sigmoid } from './params.js';
import type { Scorer } from './scorer-types.js';
import { specBytes, type ModelFiles } from './weight-data.js';

// The serving kernel in plain JS (no tfjs, no Node modules). The model is linear up to the softmax:
// softmax(mean(E[ids]) W + b) = softmax(mean((E W)[ids]) + b). With fewer labels than embedding dims,
// rows of the logit table T = E W (K wide) are gathered instead of rows of E (dim wide). A row of T is
// computed the first time an id is seen, so start-up does not pay for the 2^18-2^20 rows of a model
// and a run pays only for the rows its documents touch.

/**
 * The logit table, filled lazily: a row that was not computed yet holds NaN (weights are finite, so a
 * computed row never does), and a NaN in a document's sum means one of its rows must be computed first.
 * The table may live in a SharedArrayBuffer that several worker threads fill at once: threads that compute
 * the same row write the same bits, and a row read while another thread writes it only adds a NaN, which
 * sends that document through the fill-then-sum path again.
 */
export interface LogitTableMemory {
  /** [buckets, K] float32 rows of E W; NaN where not computed yet */
  table: Float32Array;
}

/** Buffers for a logit table of `files`' model, shared between threads when `shared` (SharedArrayBuffer). */
export function allocateLogitTable(buckets: number, numLabels: number, shared: boolean): LogitTableMemory {
  const Buf = shared ? SharedArrayBuffer : ArrayBuffer;
  return { table: new Float32Array(new Buf(buckets * numLabels * 4)).fill(Number.NaN) };
}

/** Whether a logit table (K wide) is cheaper to gather than the embedding rows (dim wide). */
export function usesLogitTable(dim: number, numLabels: number): boolean {
  return numLabels < dim;
}

export interface LinearScorerOptions {
  /** Memory for the logit table (e.g. shared between worker threads); allocated when absent. */
  logitTable?: LogitTableMemory;
}

export class LinearScorer implements Scorer {
  readonly dim: number;
  readonly numLabels: number;
  readonly buckets: number;
  readonly sumWidth: number;
  /** 'logit-table' (gathers K-wide rows of E W) or 'embedding' (gathers dim-wide rows of E, then multiplies by W). */
  readonly kernel: 'logit-table' | 'embedding';
  private readonly embedding: RowSource;
  /** [dim, K] */
  private readonly W: Float32Array;
  private readonly b: Float32Array;
  /** rows gathered per id: T (lazily filled) or E */
  private readonly rows: Float32Array;
  private readonly lazy: boolean;
  /** softmax over the labels, or an independent sigmoid per label (a multi-label model) */
  readonly output: 'softmax' | 'sigmoid';
  private readonly acc: Float64Array;
  private readonly z: Float64Array;

  constructor(files: ModelFiles, options: LinearScorerOptions = {}) {
    const specs = files.specs;
    if (specs.length !== 3) throw new Error(`model: ${files.dir}: expected 3 weights (embedding, kernel, bias), found ${specs.length}`);
    const [eSpec, wSpec, bSpec] = specs as [WeightSpec, WeightSpec, WeightSpec];
    const [buckets = 0, dim = 0] = eSpec.shape;
    const numLabels = bSpec.shape[0] ?? 0;
    const labels = files.meta.labels.length;
    if (eSpec.shape.length !== 2 || wSpec.shape[0] !== dim || wSpec.shape[1] !== numLabels || labels !== numLabels) {
      throw new Error(`model: ${files.dir}: weight shapes do not match (embedding [${eSpec.shape}], kernel [${wSpec.shape}], bias [${bSpec.shape}], ${labels} labels)`);
    }
    if (files.meta.featurizer.buckets !== buckets) {
      throw new Error(`model: ${files.dir}: featurizer has ${files.meta.featurizer.buckets} buckets but the embedding has ${buckets} rows`);
    }
    this.buckets = buckets;
    this.dim = dim;
    this.numLabels = numLabels;
    this.output = outputActivation(files.meta);
    let off = 0;
    const at: number[] = [];
    for (const s of specs) {
      at.push(off);
      off += specBytes(s);
    }
    this.embedding = rowSource(eSpec, files.weightData, at[0]!, dim);
    this.W = dequantize(wSpec, files.weightData, at[1]!);
    this.b = dequantize(bSpec, files.weightData, at[2]!);
    if (usesLogitTable(dim, numLabels)) {
      this.kernel = 'logit-table';
      const mem = options.logitTable ?? allocateLogitTable(buckets, numLabels, false);
      if (mem.table.length !== buckets * numLabels) throw new Error(`model: ${files.dir}: logit table memory does not fit [${buckets}, ${numLabels}]`);
      this.rows = mem.table;
      this.lazy = true;
      this.sumWidth = numLabels;
    } else {
      this.kernel = 'embedding';
      this.rows = this.embedding.all();
      this.lazy = false;
      this.sumWidth = dim;
    }
    this.acc = new Float64Array(this.sumWidth);
    this.z = new Float64Array(numLabels);
  }

  score(ids: Int32Array, offsets: Int32Array): Float32Array {
    const n = offsets.length - 1;
    const K = this.numLabels;
    const w = this.sumWidth;
    const probs = new Float32Array(Math.max(0, n) * K);
    const acc = this.acc;
    for (let i = 0; i < n; i++) {
      const s = offsets[i]!;
      const e = offsets[i + 1]!;
      if (e === s) this.sumInto(ZERO_ID, 0, 1, acc);
      else this.sumInto(ids, s, e, acc);
      const inv = 1 / Math.max(1, e - s);
      for (let k = 0; k < w; k++) acc[k]! *= inv;
      this.softmaxInto(acc, probs, i * K);
    }
    return probs;
  }

  scoreWithParts(ids: Int32Array, offsets: Int32Array, cuts: Int32Array, cutAt: Int32Array): { probs: Float32Array; parts: Float32Array } {
    const n = offsets.length - 1;
    const K = this.numLabels;
    const w = this.sumWidth;
    let count = 0;
    let most = 0;
    for (let i = 0; i < n; i++) {
      const c = cutAt[i + 1]! - cutAt[i]!;
      if (c > 0) count += c + 1;
      most = Math.max(most, c + 1);
    }
    const probs = new Float32Array(Math.max(0, n) * K);
    const parts = new Float32Array(count * K);
    const acc = this.acc;
    const snaps = new Float64Array(most * w);
    const mean = new Float64Array(w);
    let pj = 0;
    for (let i = 0; i < n; i++) {
      const s = offsets[i]!;
      const e = offsets[i + 1]!;
      const c0 = cutAt[i]!;
      const c1 = cutAt[i + 1]!;
      if (e === s) this.sumInto(ZERO_ID, 0, 1, acc);
      else if (c1 === c0) this.sumInto(ids, s, e, acc);
      else this.sumSplit(ids, s, e, cuts, c0, c1, acc, snaps);
      const inv = 1 / Math.max(1, e - s);
      for (let k = 0; k < w; k++) acc[k]! *= inv;
      this.softmaxInto(acc, probs, i * K);
      if (c1 === c0) continue;
      let from = s;
      for (let p = 0; p <= c1 - c0; p++) {
        const to = p < c1 - c0 ? cuts[c0 + p]! : e;
        if (to === from) {
          this.sumInto(ZERO_ID, 0, 1, mean); // an empty part is scored as a document without ids is
        } else {
          const o = p * w;
          const len = to - from;
          for (let k = 0; k < w; k++) mean[k] = (snaps[o + k]! - (p > 0 ? snaps[o - w + k]! : 0)) / len;
        }
        this.softmaxInto(mean, parts, pj++ * K);
        from = to;
      }
    }
    return { probs, parts };
  }

  /**
   * As sumInto over ids[s .. e), the sum after each cut's part kept in `snaps` (part p at p * sumWidth). The
   * cuts are multiples of 8 ids after s, so addRows groups the rows as one call over [s, e) does: `acc`
   * ends bit for bit as sumInto leaves it.
   */
  private sumSplit(ids: Int32Array, s: number, e: number, cuts: Int32Array, c0: number, c1: number, acc: Float64Array, snaps: Float64Array): void {
    const w = this.sumWidth;
    const pass = (): void => {
      acc.fill(0);
      let from = s;
      for (let p = 0; p <= c1 - c0; p++) {
        const to = p < c1 - c0 ? cuts[c0 + p]! : e;
        addRows(this.rows, w, ids, from, to, acc);
        snaps.set(acc, p * w);
        from = to;
      }
    };
    pass();
    if (!this.lazy) return;
    let complete = true;
    for (let k = 0; k < w; k++) complete &&= !Number.isNaN(acc[k]);
    if (complete) return;
    this.fillMissing(ids, s, e);
    pass();
  }

  sumRows(ids: Int32Array): Float64Array {
    const acc = new Float64Array(this.sumWidth);
    this.sumInto(ids, 0, ids.length, acc);
    return acc;
  }

  /** acc = sum of the rows of ids[s .. e), computing the rows of the logit table it lacks. */
  private sumInto(ids: Int32Array, s: number, e: number, acc: Float64Array): void {
    acc.fill(0);
    addRows(this.rows, this.sumWidth, ids, s, e, acc);
    if (!this.lazy) return;
    const w = this.sumWidth;
    let complete = true;
    for (let k = 0; k < w; k++) complete &&= !Number.isNaN(acc[k]);
    if (complete) return;
    this.fillMissing(ids, s, e);
    acc.fill(0);
    addRows(this.rows, w, ids, s, e, acc);
  }

  /** Computes the rows of the logit table that ids[s .. e) need and it lacks. */
  private fillMissing(ids: Int32Array, s: number, e: number): void {
    const rows = this.rows;
    const w = this.sumWidth;
    for (let j = s; j < e; j++) {
      const o = ids[j]! * w;
      for (let k = 0; k < w; k++) {
        if (Number.isNaN(rows[o + k])) {
          this.fillRow(ids[j]!);
          break;
        }
      }
    }
  }

  scoreMean(mean: Float64Array): Float32Array {
    const out = new Float32Array(this.numLabels);
    this.softmaxInto(mean, out, 0);
    return out;
  }

  dispose(): void {}

  /** T[id] = E[id] W, accumulated in float64 and stored as float32. */
  private fillRow(id: number): void {
    const D = this.dim;
    const K = this.numLabels;
    const e = this.embedding.row(id);
    const W = this.W;
    const z = this.z;
    z.fill(0);
    for (let d = 0; d < D; d++) {
      const v = e[d]!;
      if (v === 0) continue;
      const o = d * K;
      for (let k = 0; k < K; k++) z[k]! += v * W[o + k]!;
    }
    this.rows.set(z, id * K);
  }

  /** out[off .. off+K) = softmax(logits) (or sigmoid per label), where logits = mean + b (table) or mean W + b (embedding). */
  private softmaxInto(mean: Float64Array, out: Float32Array, off: number): void {
    const K = this.numLabels;
    const z = this.z;
    if (this.kernel === 'logit-table') {
      for (let k = 0; k < K; k++) z[k] = mean[k]! + this.b[k]!;
    } else {
      const D = this.dim;
      const W = this.W;
      for (let k = 0; k < K; k++) z[k] = this.b[k]!;
      for (let d = 0; d < D; d++) {
        const v = mean[d]!;
        const o = d * K;
        for (let k = 0; k < K; k++) z[k]! += v * W[o + k]!;
      }
    }
    if (this.output === 'sigmoid') {
      for (let k = 0; k < K; k++) out[off + k] = sigmoid(z[k]!);
      return;
    }
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (z[k]! > max) max = z[k]!;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      z[k] = Math.exp(z[k]! - max);
      sum += z[k]!;
    }
    for (let k = 0; k < K; k++) out[off + k] = z[k]! / sum;
  }
}

const ZERO_ID = new Int32Array(1);

/**
 * acc += rows[ids[j]] for j in [s, e). Eight rows per step: the gathers are cache misses into a table of
 * tens of MB, and eight independent loads in flight are 3-4x faster than one row after another.
 */
function addRows(rows: Float32Array, w: number, ids: Int32Array, s: number, e: number, acc: Float64Array): void {
  let j = s;
  for (; j + 8 <= e; j += 8) {
    const a = ids[j]! * w;
    const b = ids[j + 1]! * w;
    const c = ids[j + 2]! * w;
    const d = ids[j + 3]! * w;
    const f = ids[j + 4]! * w;
    const g = ids[j + 5]! * w;
    const h = ids[j + 6]! * w;
    const m = ids[j + 7]! * w;
    for (let k = 0; k < w; k++) {
      acc[k]! += rows[a + k]! + rows[b + k]! + (rows[c + k]! + rows[d + k]!) + (rows[f + k]! + rows[g + k]! + (rows[h + k]! + rows[m + k]!));
    }
  }
  for (; j < e; j++) {
    const o = ids[j]! * w;
    for (let k = 0; k < w; k++) acc[k]! += rows[o + k]!;
  }
}

/** Rows of the embedding in its stored form (float32, float16 or uint8/uint16 affine-quantized), dequantized on read. */
interface RowSource {
  row(id: number): ArrayLike<number>;
  /** every row, dequantized, as one [buckets, dim] array */
  all(): Float32Array;
}

function rowSource(spec: WeightSpec, data: ArrayBufferLike, off: number, dim: number): RowSource {
  const q = spec.quantization;
  if (!q && spec.dtype === 'float32' && off % 4 === 0) {
    const all = new Float32Array(data, off, specBytes(spec) / 4);
    return { row: (id) => all.subarray(id * dim, id * dim + dim), all: () => all };
  }
  if (q && (q.dtype === 'uint8' || q.dtype === 'uint16') && q.scale !== undefined && q.min !== undefined) {
    const n = specBytes(spec) / (q.dtype === 'uint8' ? 1 : 2);
    const raw = q.dtype === 'uint8' ? new Uint8Array(data, off, n) : new Uint16Array(data.slice(off, off + n * 2));
    const { scale, min } = q;
    const row = new Float32Array(dim);
    return {
      row: (id) => {
        const o = id * dim;
        for (let d = 0; d < dim; d++) row[d] = raw[o + d]! * scale + min;
        return row;
      },
      all: () => dequantize(spec, data, off),
    };
  }
  const all = dequantize(spec, data, off);
  return { row: (id) => all.subarray(id * dim, id * dim + dim), all: () => all };
}

/** One weight as float32, dequantized the way tfjs does (value = q * scale + min; float16 widened exactly). */
export function dequantize(spec: WeightSpec, data: ArrayBufferLike, off: number): Float32Array {
  const bytes = specBytes(spec);
  const q = spec.quantization;
  if (!q) {
    if (spec.dtype !== 'float32') throw new Error(`unsupported weight dtype ${spec.dtype} for ${spec.name}`);
    return new Float32Array(data.slice(off, off + bytes));
  }
  if (q.dtype === 'float16') {
    const half = new Uint16Array(data.slice(off, off + bytes));
    const out = new Float32Array(half.length);
    for (let i = 0; i < half.length; i++) out[i] = fromFloat16Bits(half[i]!);
    return out;
  }
  if ((q.dtype === 'uint8' || q.dtype === 'uint16') && q.scale !== undefined && q.min !== undefined) {
    const raw = q.dtype === 'uint8' ? new Uint8Array(data, off, bytes) : new Uint16Array(data.slice(off, off + bytes));
    const out = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw[i]! * q.scale + q.min;
    return out;
  }
  throw new Error(`unsupported quantization ${JSON.stringify(q)} for ${spec.name}`);
}

function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
