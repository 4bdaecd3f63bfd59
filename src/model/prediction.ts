import { PART_SPLIT, PREDICT_DEFAULTS } from '../defaults.js';
import { tagIndices } from './thresholds.js';
import { argmax, topIndices } from './top-k.js';
import type { PartTopic, Prediction, Script, TopicScore } from '../types.js';
import type { ScoredParts } from './score-texts.js';

// Prediction objects from probabilities, without Node modules (the browser entry uses it). The same
// rules as classifier.ts's predictTexts: top-k, abstain label, threshold, optional full scores.

export interface PredictOptions {
  /** How many labels to list in `topics`. Default 3. */
  topK?: number;
  /** Below this top probability, `label` is null. Default 0 (always a label). */
  threshold?: number;
  /** Add `scores`, the full distribution. Default false. */
  allScores?: boolean;
  /**
   * Also score long pages (at least `partsMinChars` characters) in this many parts, cut at paragraph,
   * sentence or word boundaries near equal lengths: `parts` in each prediction. Default 0, off; 2 to 64.
   */
  parts?: number;
  /** Or in parts of about this many characters (round(length / partChars) parts, 2 to 64). Default 0, off. */
  partChars?: number;
  /** Pages of at least this many characters (Unicode code points) are split. Default 3000. */
  partsMinChars?: number;
}

/** A document to classify: a string, or an object with the text in `text`. */
export type DocInput = string | { text: string; [key: string]: unknown };

/** Checks `o` and fills what it leaves out from `d` (by default PREDICT_DEFAULTS). */
export function resolvePredictOptions(o: PredictOptions, d: Required<PredictOptions> = PREDICT_DEFAULTS): Required<PredictOptions> {
  if (o === null || typeof o !== 'object') throw new TypeError(`prediction options must be an object, got ${o === null ? 'null' : typeof o}`);
  const topK = o.topK ?? d.topK;
  const threshold = o.threshold ?? d.threshold;
  const allScores = o.allScores ?? d.allScores;
  if (!Number.isInteger(topK) || topK < 1) throw new Error(`\`topK\` must be an integer >= 1, got ${String(topK)}`);
  if (!(typeof threshold === 'number' && threshold >= 0 && threshold <= 1)) throw new Error(`\`threshold\` must be a number in [0, 1], got ${String(threshold)}`);
  if (typeof allScores !== 'boolean') throw new Error(`\`allScores\` must be true or false, got ${String(allScores)}`);
  const parts = o.parts ?? d.parts;
  const partChars = o.partChars ?? d.partChars;
  const partsMinChars = o.partsMinChars ?? d.partsMinChars;
  const max = PART_SPLIT.maxParts;
  if (!(Number.isInteger(parts) && (parts === 0 || (parts >= 2 && parts <= max)))) throw new Error(`\`parts\` must be 0 (off) or an integer from 2 to ${max}, got ${String(parts)}`);
  if (!(Number.isInteger(partChars) && partChars >= 0)) throw new Error(`\`partChars\` must be 0 (off) or a positive integer, got ${String(partChars)}`);
  if (parts > 0 && partChars > 0) throw new Error(`give \`parts\` (${parts}) or \`partChars\` (${partChars}), not both`);
  if (!(Number.isInteger(partsMinChars) && partsMinChars >= 1)) throw new Error(`\`partsMinChars\` must be a positive integer, got ${String(partsMinChars)}`);
  return { topK, threshold, allScores, parts, partChars, partsMinChars };
}

/** Largest `batchSize` accepted: a batch's ids and probabilities must fit in typed arrays. */
const MAX_BATCH_SIZE = 1 << 20;

/** Checks a load-time `batchSize` (documents per tfjs call), or gives the default. */
export function resolveBatchSize(batchSize: number | undefined, fallback: number): number {
  if (batchSize === undefined) return fallback;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new Error(`\`batchSize\` must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${String(batchSize)}`);
  }
  return batchSize;
}

/** What a classifier is loaded with, checked: prediction defaults and documents per tfjs call. */
export interface ResolvedLoadOptions {
  predict: Required<PredictOptions>;
  batchSize: number;
}

/**
 * The one check of a loader's options (`loadClassifier`, `loadModelHandle`, `loadBrowserClassifier`),
 * done before anything is read, so that a bad option fails at load time with its name.
 */
export function resolveLoadOptions(o: PredictOptions & { batchSize?: number }, d: Required<PredictOptions> & { batchSize: number } = PREDICT_DEFAULTS): ResolvedLoadOptions {
  if (o === null || typeof o !== 'object') throw new TypeError(`load options must be an object, got ${o === null ? 'null' : typeof o}`);
  return { predict: resolvePredictOptions(o, d), batchSize: resolveBatchSize(o.batchSize, d.batchSize) };
}

/** Same test as the CLI's `empty_text` error: no characters, or only whitespace. */
function isBlank(s: string): boolean {
  return s.length === 0 || s.trim().length === 0;
}

/**
 * The text of a document. Empty or whitespace-only text is an error, as in the CLI (where such a line
 * becomes an `empty_text` error record): there is nothing to classify, and the model's prior is no answer.
 * `index` names the document in a batch.
 */
export function textOf(doc: DocInput, index?: number): string {
  const which = index === undefined ? 'document' : `document ${index}`;
  let text: unknown;
  if (typeof doc === 'string') text = doc;
  else if (doc !== null && typeof doc === 'object' && typeof doc.text === 'string') text = doc.text;
  else throw new TypeError(`${which} must be a string or an object with a string "text" field, got ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}`);
  if (isBlank(text as string)) throw new Error(`${which} is empty or whitespace-only: there is nothing to classify`);
  return text as string;
}

/**
 * The prediction for one document's probabilities `p` (label order). `thresholds` (a multi-label model's,
 * label order) adds `tags`; `parts` adds each part's top topic.
 */
export function makePrediction(
  p: Float32Array,
  labels: readonly string[],
  lang: Script,
  o: Required<PredictOptions>,
  abstain: string | undefined,
  parts?: ScoredParts,
  thresholds?: readonly number[],
): Prediction {
  const K = labels.length;
  for (let j = 0; j < K; j++) if (!Number.isFinite(p[j]!)) throw new Error(`model: produced a non-finite score (${p[j]}) for "${labels[j]}": its weights are corrupted or overflow`);
  const top = topIndices(p, Math.min(o.topK, K));
  const topics: TopicScore[] = top.map((j) => ({ label: labels[j]!, score: p[j]! }));
  const best = topics[0]!;
  const why = best.label === abstain ? abstain : best.score < o.threshold ? 'below_threshold' : undefined;
  const pred: Prediction = { label: why === undefined ? best.label : null, ...(why !== undefined && { abstain: why }), score: best.score, topics, lang };
  if (thresholds) pred.tags = why === undefined ? tagsOf(p, labels, thresholds, labels.indexOf(abstain ?? '')).map((j) => ({ label: labels[j]!, score: p[j]! })) : [];
  if (o.allScores) {
    const scores: Record<string, number> = {};
    for (let j = 0; j < K; j++) scores[labels[j]!] = p[j]!;
    pred.scores = scores;
  }
  if (parts) pred.parts = partTopics(parts, labels);
  return pred;
}

/** Each part's span and top label (the abstain label too: a part may well be boilerplate; no threshold). */
export function partTopics(parts: ScoredParts, labels: readonly string[]): PartTopic[] {
  const K = labels.length;
  const out: PartTopic[] = [];
  for (let j = 0; j + 1 < parts.bounds.length; j++) {
    const best = argmax(parts.probs, j * K, K);
    out.push({ start: parts.bounds[j]!, end: parts.bounds[j + 1]!, label: labels[best]!, score: parts.probs[j * K + best]! });
  }
  return out;
}

const tagBuffer: number[] = [];

/**
 * A multi-label prediction's tags (label indices): every label at or above its threshold except the abstain
 * label (index `abstainIndex`, -1 for none), most probable first; the top label when none is.
 */
export function tagsOf(p: ArrayLike<number>, labels: readonly string[], thresholds: readonly number[], abstainIndex: number): number[] {
  const tags = tagIndices(p, thresholds, tagBuffer).filter((j) => j !== abstainIndex);
  if (tags.length > 0) return tags;
  let best = 0;
  for (let j = 1; j < labels.length; j++) if (p[j]! > p[best]!) best = j;
  return [best];
}
