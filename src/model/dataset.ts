import { type Featurizer, IdBuffer } from '../features/featurizer.js';
import { scriptOf } from '../text/script.js';
import type { LabelledExample, Script } from '../types.js';

/** Labelled examples turned into feature ids: the form the trainer and evaluator work on. */
export interface EncodedDataset {
  n: number;
  /** all ids, doc after doc */
  ids: Int32Array;
  /** n+1 offsets into ids */
  offsets: Int32Array;
  /** gold label indices, doc after doc; doc i owns targets[targetOffsets[i] .. targetOffsets[i+1]) */
  targets: Int32Array;
  targetOffsets: Int32Array;
  /**
   * With soft labels: the target probability of each entry of `targets`. Absent: every gold label of a
   * document gets the same share (1 / its label count).
   */
  targetWeights?: Float64Array;
  weights: Float32Array;
  scripts: Script[];
  /** language of each example: its `lang` field, else the detected script */
  langs: string[];
}

/** Featurizes examples; labels must all be known (the caller checks and reports positions). */
export function encodeExamples(examples: readonly LabelledExample[], labelIndex: ReadonlyMap<string, number>, featurizer: Featurizer): EncodedDataset {
  const n = examples.length;
  const buf = new IdBuffer(1 << 16);
  const offsets = new Int32Array(n + 1);
  const targetOffsets = new Int32Array(n + 1);
  const targets: number[] = [];
  const soft: number[] = [];
  const anySoft = examples.some((e) => e.probs !== undefined);
  const weights = new Float32Array(n);
  const scripts: Script[] = new Array<Script>(n);
  const langs: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const ex = examples[i]!;
    const counts = featurizer.featurize(ex.text, buf);
    scripts[i] = scriptOf(counts);
    langs[i] = ex.lang ?? scripts[i]!;
    offsets[i + 1] = buf.length;
    for (const label of ex.labels) {
      const k = labelIndex.get(label);
      if (k === undefined) throw new Error(`${ex.source.file}:${ex.source.line}: field "label": unknown label "${label}"`);
      targets.push(k);
      if (anySoft) {
        const q = ex.probs ? ex.probs[label] : 1 / ex.labels.length;
        if (q === undefined) throw new Error(`${ex.source.file}:${ex.source.line}: field "probs": label "${label}" has no probability (soft labels cannot go through a label mapping)`);
        soft.push(q);
      }
    }
    targetOffsets[i + 1] = targets.length;
    weights[i] = ex.weight;
  }
  const encoded: EncodedDataset = { n, ids: buf.view().slice(), offsets, targets: Int32Array.from(targets), targetOffsets, weights, scripts, langs };
  if (anySoft) encoded.targetWeights = Float64Array.from(soft);
  return encoded;
}

/** The examples at `indices` (in that order), as their own dataset. */
export function subsetEncoded(data: EncodedDataset, indices: readonly number[]): EncodedDataset {
  const n = indices.length;
  let nIds = 0;
  let nTargets = 0;
  for (const i of indices) {
    nIds += data.offsets[i + 1]! - data.offsets[i]!;
    nTargets += data.targetOffsets[i + 1]! - data.targetOffsets[i]!;
  }
  const ids = new Int32Array(nIds);
  const offsets = new Int32Array(n + 1);
  const targets = new Int32Array(nTargets);
  const targetOffsets = new Int32Array(n + 1);
  const targetWeights = data.targetWeights ? new Float64Array(nTargets) : undefined;
  const weights = new Float32Array(n);
  const scripts: Script[] = new Array<Script>(n);
  const langs: string[] = new Array<string>(n);
  for (let o = 0; o < n; o++) {
    const i = indices[o]!;
    ids.set(data.ids.subarray(data.offsets[i]!, data.offsets[i + 1]!), offsets[o]!);
    offsets[o + 1] = offsets[o]! + data.offsets[i + 1]! - data.offsets[i]!;
    targets.set(data.targets.subarray(data.targetOffsets[i]!, data.targetOffsets[i + 1]!), targetOffsets[o]!);
    targetWeights?.set(data.targetWeights!.subarray(data.targetOffsets[i]!, data.targetOffsets[i + 1]!), targetOffsets[o]!);
    targetOffsets[o + 1] = targetOffsets[o]! + data.targetOffsets[i + 1]! - data.targetOffsets[i]!;
    weights[o] = data.weights[i]!;
    scripts[o] = data.scripts[i]!;
    langs[o] = data.langs[i]!;
  }
  return { n, ids, offsets, targets, targetOffsets, ...(targetWeights && { targetWeights }), weights, scripts, langs };
}

/**
 * The same dataset hashed into fewer buckets, without featurizing again: for power-of-two bucket counts the
 * featurizer's bucket is the hash's low bits (0 becomes 1), so the ids for `buckets` are the ids for any larger
 * power of two masked the same way.
 */
export function maskBuckets(data: EncodedDataset, fromBuckets: number, buckets: number): EncodedDataset {
  const pow2 = (b: number) => Number.isInteger(b) && b >= 2 && (b & (b - 1)) === 0;
  if (!pow2(fromBuckets) || !pow2(buckets) || buckets > fromBuckets) throw new Error(`maskBuckets: needs powers of two with ${buckets} <= ${fromBuckets}`);
  if (buckets === fromBuckets) return data;
  const mask = buckets - 1;
  const ids = new Int32Array(data.ids.length);
  for (let j = 0; j < ids.length; j++) ids[j] = data.ids[j]! & mask || 1;
  return { ...data, ids };
}
