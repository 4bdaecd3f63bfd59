import { IdBuffer, splitChunks, type Featurizer } from '../features/featurizer.js';
import type { Scorer } from './scorer-types.js';
import { scriptOf, type ScriptCounts } from '../text/script.js';
import type { Script } from '../types.js';

// Featurize + score a batch of texts, without Node modules (the browser entry uses it); the same steps
// as classifier.ts's scoreTexts.

/** Probabilities [n, K] (label order), detected scripts, and chunk counts (0 or 1 = not chunked). */
export interface ScoredBatch {
  probs: Float32Array;
  scripts: Script[];
  chunks: Int32Array;
}

/**
 * Featurizes `texts` into `buf` and scores them in one tfjs call. Texts longer than the featurizer's
 * chunk size are scored from the exact mean over all their chunks (`chunks[i]` says how many).
 */
export function scoreTexts(featurizer: Featurizer, scorer: Scorer, texts: readonly string[], buf: IdBuffer): ScoredBatch {
  const n = texts.length;
  buf.clear();
  const offsets = new Int32Array(n + 1);
  const scripts: Script[] = new Array<Script>(n);
  const chunkChars = featurizer.config.chunkChars;
  let long: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const text = texts[i]!;
    if (text.length > chunkChars) {
      (long ??= []).push(i);
    } else {
      scripts[i] = scriptOf(featurizer.featurize(text, buf));
    }
    offsets[i + 1] = buf.length;
  }
  const probs = scorer.score(buf.view(), offsets);
  const chunks = new Int32Array(n);
  if (long) for (const i of long) chunks[i] = scoreLong(featurizer, scorer, texts[i]!, probs, i, scripts);
  return { probs, scripts, chunks };
}

function scoreLong(featurizer: Featurizer, scorer: Scorer, text: string, probs: Float32Array, i: number, scripts: Script[]): number {
  const D = scorer.sumWidth;
  const sum = new Float64Array(D);
  const counts: ScriptCounts = { han: 0, latin: 0, other: 0 };
  const buf = new IdBuffer(1 << 16);
  let total = 0;
  let pieces = 0;
  for (const piece of splitChunks(text, featurizer.config.chunkChars)) {
    buf.clear();
    featurizer.featurize(piece, buf, counts);
    const s = scorer.sumRows(buf.view());
    for (let d = 0; d < D; d++) sum[d]! += s[d]!;
    total += buf.length;
    pieces++;
  }
  if (total > 0) for (let d = 0; d < D; d++) sum[d]! /= total;
  probs.set(scorer.scoreMean(sum), i * scorer.numLabels);
  scripts[i] = scriptOf(counts);
  return pieces;
}
