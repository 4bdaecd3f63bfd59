import { IdBuffer, splitChunks, type Featurizer } from '../features/featurizer.js';
import { PART_ALIGN, type Scorer } from './scorer-types.js';
import { pageCuts, toCodePointOffsets, type PartSettings } from '../text/part-split.js';
import { scriptOf, type ScriptCounts } from '../text/script.js';
import type { Script } from '../types.js';
import type { DocParts } from '../document.js';

// Featurize + score a batch of texts, without Node modules (the browser entry uses it); the same steps
// as classifier.ts's scoreTexts.

/** The parts of one long page: their bounds (code points, parts + 1 of them, from 0 to the length) and probabilities [parts, K]. */
export type ScoredParts = DocParts;

/** Probabilities [n, K] (label order), detected scripts, and chunk counts (0 or 1 = not chunked). */
export interface ScoredBatch {
  probs: Float32Array;
  scripts: Script[];
  chunks: Int32Array;
  /** With part settings: each long page's parts (undefined for the others). */
  parts?: (ScoredParts | undefined)[];
}

/** A page's parts while they are scored: cuts (UTF-16) and the ids of each part in the batch buffer. */
interface PendingParts {
  doc: number;
  cuts: number[];
  /** parts + 1 positions in the batch buffer: where each part's ids start, then the page's end */
  at: Int32Array;
}

/**
 * Featurizes `texts` into `buf` and scores them in one tfjs call. Texts longer than the featurizer's
 * chunk size are scored from the exact mean over all their chunks (`chunks[i]` says how many). With
 * `parts` (splitting on), long pages are also scored part by part, from the same ids (one more call for
 * all the parts of the batch); the pages' own probabilities are exactly those without `parts`.
 */
export function scoreTexts(featurizer: Featurizer, scorer: Scorer, texts: readonly string[], buf: IdBuffer, parts?: PartSettings): ScoredBatch {
  const n = texts.length;
  buf.clear();
  const offsets = new Int32Array(n + 1);
  const scripts: Script[] = new Array<Script>(n);
  const chunkChars = featurizer.config.chunkChars;
  const split = parts !== undefined && (parts.parts > 0 || parts.partChars > 0);
  let long: number[] | undefined;
  const pending: PendingParts[] = [];
  for (let i = 0; i < n; i++) {
    const text = texts[i]!;
    if (text.length > chunkChars) {
      (long ??= []).push(i);
    } else {
      const cuts = split ? pageCuts(text, parts) : undefined;
      if (cuts && cuts.length > 0) {
        const start = buf.length;
        const counts: ScriptCounts = { han: 0, latin: 0, other: 0 };
        const marks = featurizer.featurizeMarked(text, cuts, buf, counts);
        scripts[i] = scriptOf(counts);
        const p = alignParts(i, cuts, marks, start, buf.length);
        if (p) pending.push(p);
      } else scripts[i] = scriptOf(featurizer.featurize(text, buf));
    }
    offsets[i + 1] = buf.length;
  }
  const scored: (ScoredParts | undefined)[] | undefined = split ? new Array<ScoredParts | undefined>(n).fill(undefined) : undefined;
  let probs: Float32Array;
  if (pending.length > 0 && scorer.scoreWithParts) probs = scoreFused(scorer, texts, buf, offsets, pending, scored!);
  else {
    probs = scorer.score(buf.view(), offsets);
    if (pending.length > 0) scorePending(scorer, texts, buf, pending, scored!);
  }
  const chunks = new Int32Array(n);
  if (long) for (const i of long) chunks[i] = scoreLong(featurizer, scorer, texts[i]!, probs, i, scripts, split ? parts : undefined, scored);
  return { probs, scripts, chunks, ...(scored && { parts: scored }) };
}

/**
 * A page's parts as scored: each cut's mark moved back to a multiple of PART_ALIGN ids from the page's start
 * (at most 7 ids, a few characters, go to the next part), so that the js kernel sums the page's rows exactly
 * as without parts; cuts whose parts would be left without ids are dropped. Undefined when none is left.
 */
function alignParts(doc: number, cuts: readonly number[], marks: Int32Array, start: number, end: number): PendingParts | undefined {
  const kept: number[] = [];
  const at: number[] = [start];
  for (let k = 0; k < cuts.length; k++) {
    const a = start + Math.floor((marks[k]! - start) / PART_ALIGN) * PART_ALIGN;
    if (a <= at[at.length - 1]! || a >= end) continue;
    kept.push(cuts[k]!);
    at.push(a);
  }
  if (kept.length === 0) return undefined;
  at.push(end);
  return { doc, cuts: kept, at: Int32Array.from(at) };
}

/** The pages and their parts from one gather (Scorer.scoreWithParts). */
function scoreFused(scorer: Scorer, texts: readonly string[], buf: IdBuffer, offsets: Int32Array, pending: PendingParts[], scored: (ScoredParts | undefined)[]): Float32Array {
  const n = offsets.length - 1;
  const cutAt = new Int32Array(n + 1);
  const cuts: number[] = [];
  let q = 0;
  for (let i = 0; i < n; i++) {
    const p = pending[q];
    if (p?.doc === i) {
      for (let j = 1; j + 1 < p.at.length; j++) cuts.push(p.at[j]!);
      q++;
    }
    cutAt[i + 1] = cuts.length;
  }
  const { probs, parts } = scorer.scoreWithParts!(buf.view(), offsets, Int32Array.from(cuts), cutAt);
  const K = scorer.numLabels;
  let first = 0;
  for (const p of pending) {
    const m = p.at.length - 1;
    const text = texts[p.doc]!;
    scored[p.doc] = { bounds: toCodePointOffsets(text, [0, ...p.cuts, text.length]), probs: parts.slice(first * K, (first + m) * K) };
    first += m;
  }
  return probs;
}

/** Scores the parts of the batch's long pages in one call, from the ids the pages were scored with (scorers without scoreWithParts). */
function scorePending(scorer: Scorer, texts: readonly string[], buf: IdBuffer, pending: PendingParts[], scored: (ScoredParts | undefined)[]): void {
  let total = 0;
  let count = 0;
  for (const p of pending) {
    total += p.at[p.at.length - 1]! - p.at[0]!;
    count += p.at.length - 1;
  }
  const ids = new Int32Array(total);
  const offsets = new Int32Array(count + 1);
  const all = buf.view();
  let o = 0;
  let k = 0;
  for (const p of pending) {
    ids.set(all.subarray(p.at[0]!, p.at[p.at.length - 1]!), o);
    for (let j = 1; j < p.at.length; j++) offsets[++k] = o + p.at[j]! - p.at[0]!;
    o += p.at[p.at.length - 1]! - p.at[0]!;
  }
  const probs = scorer.score(ids, offsets);
  const K = scorer.numLabels;
  let first = 0;
  for (const p of pending) {
    const m = p.at.length - 1;
    const text = texts[p.doc]!;
    scored[p.doc] = { bounds: toCodePointOffsets(text, [0, ...p.cuts, text.length]), probs: probs.slice(first * K, (first + m) * K) };
    first += m;
  }
}

function scoreLong(
  featurizer: Featurizer,
  scorer: Scorer,
  text: string,
  probs: Float32Array,
  i: number,
  scripts: Script[],
  parts: PartSettings | undefined,
  scored: (ScoredParts | undefined)[] | undefined,
): number {
  const D = scorer.sumWidth;
  const sum = new Float64Array(D);
  const counts: ScriptCounts = { han: 0, latin: 0, other: 0 };
  const buf = new IdBuffer(1 << 16);
  const cuts = parts ? pageCuts(text, parts) : undefined;
  const m = cuts ? cuts.length + 1 : 0;
  const partSums = Array.from({ length: m }, () => new Float64Array(D));
  const partIds = new Float64Array(m);
  let total = 0;
  let pieces = 0;
  let start = 0;
  let part = 0;
  for (const piece of splitChunks(text, featurizer.config.chunkChars)) {
    buf.clear();
    const end = start + piece.length;
    if (cuts) {
      // the cuts inside this piece; a cut at the piece's start starts the next part
      while (part < m - 1 && cuts[part]! <= start) part++;
      const local: number[] = [];
      for (let c = part; c < m - 1 && cuts[c]! < end; c++) local.push(cuts[c]! - start);
      const marks = featurizer.featurizeMarked(piece, local, buf, counts);
      const ids = buf.view();
      let from = 0;
      for (let c = 0; c <= local.length; c++) {
        const to = c < local.length ? marks[c]! : ids.length;
        if (to > from) {
          const s = scorer.sumRows(ids.subarray(from, to));
          const ps = partSums[part + c]!;
          for (let d = 0; d < D; d++) ps[d]! += s[d]!;
          partIds[part + c]! += to - from;
        }
        from = to;
      }
      part += local.length;
    } else featurizer.featurize(piece, buf, counts);
    const s = scorer.sumRows(buf.view());
    for (let d = 0; d < D; d++) sum[d]! += s[d]!;
    total += buf.length;
    pieces++;
    start = end;
  }
  if (total > 0) for (let d = 0; d < D; d++) sum[d]! /= total;
  probs.set(scorer.scoreMean(sum), i * scorer.numLabels);
  scripts[i] = scriptOf(counts);
  if (cuts && scored) {
    const K = scorer.numLabels;
    const out = new Float32Array(m * K);
    for (let j = 0; j < m; j++) {
      // a part without ids is scored as the single id 0, as a document without ids is
      const mean = partIds[j]! > 0 ? partSums[j]!.map((v) => v / partIds[j]!) : scorer.sumRows(new Int32Array(1));
      out.set(scorer.scoreMean(mean), j * K);
    }
    scored[i] = { bounds: toCodePointOffsets(text, [0, ...cuts, text.length]), probs: out };
  }
  return pieces;
}
