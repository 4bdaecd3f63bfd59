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
    }
    targetOffsets[i + 1] = targets.length;
    weights[i] = ex.weight;
  }
  return { n, ids: buf.view().slice(), offsets, targets: Int32Array.from(targets), targetOffsets, weights, scripts, langs };
}
