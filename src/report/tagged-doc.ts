import { argmax } from '../model/top-k.js';
import type { ErrorCode } from '../types.js';

/** What report and sample need from one line written by `topicmix classify`. */
export interface TaggedDoc {
  /** Hard topic: `topic`, or the argmax of the distribution when `topic` is null. */
  topic: string;
  /** True when `topic` was null (below the classifier's threshold). */
  belowThreshold: boolean;
  /** Probability of the top label. */
  topScore: number;
  lang: string;
  /** Soft distribution: all labels from `scores`, or the top-k from `topics`. */
  dist: Array<[string, number]>;
  /** True when `dist` is only the top-k (no `scores`). */
  truncated: boolean;
  /** With `topic_parts` (classify --parts, long pages): each part's top topic, in text order. */
  parts?: string[];
  /** A multi-label model's tags (`tags`), most probable first; empty when the model abstained. */
  tags?: Array<[string, number]>;
}

export type TaggedResult = { ok: true; doc: TaggedDoc } | { ok: false; code: ErrorCode; field: string; message: string };

function isProb(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1 + 1e-6;
}

function fail(code: ErrorCode, field: string, message: string): TaggedResult {
  return { ok: false, code, field, message };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number') return String(v);
  return typeof v;
}

function parseTopics(v: unknown, field = 'topics'): Array<[string, number]> | string {
  if (!Array.isArray(v)) return `field "${field}" must be an array of {label, score}, got ${describe(v)}`;
  const out: Array<[string, number]> = [];
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (e === null || typeof e !== 'object') return `field "${field}" element ${i} must be {label, score}, got ${describe(e)}`;
    const { label, score } = e as { label?: unknown; score?: unknown };
    if (typeof label !== 'string' || label.length === 0) return `field "${field}" element ${i} has no label`;
    if (!isProb(score)) return `field "${field}" element ${i} score must be a probability in [0, 1], got ${describe(score)}`;
    out.push([label, score]);
  }
  return out;
}

function parseParts(v: unknown): string[] | string {
  if (!Array.isArray(v) || v.length === 0) return `field "topic_parts" must be a non-empty array of {start, end, topic, score}, got ${describe(v)}`;
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (e === null || typeof e !== 'object') return `field "topic_parts" element ${i} must be {start, end, topic, score}, got ${describe(e)}`;
    const { start, end, topic, score } = e as { start?: unknown; end?: unknown; topic?: unknown; score?: unknown };
    if (!Number.isInteger(start) || !Number.isInteger(end) || (start as number) !== at || (end as number) <= at) {
      return `field "topic_parts" element ${i} must span the characters after the previous part (start ${at}), got start ${describe(start)}, end ${describe(end)}`;
    }
    if (typeof topic !== 'string' || topic.length === 0) return `field "topic_parts" element ${i} has no topic`;
    if (!isProb(score)) return `field "topic_parts" element ${i} score must be a probability in [0, 1], got ${describe(score)}`;
    at = end as number;
    out.push(topic);
  }
  return out;
}

function parseScores(v: unknown): Array<[string, number]> | string {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return `field "scores" must be an object {label: probability}, got ${describe(v)}`;
  }
  const out: Array<[string, number]> = [];
  for (const [label, p] of Object.entries(v as Record<string, unknown>)) {
    if (!isProb(p)) return `field "scores" value for "${label}" must be a probability in [0, 1], got ${describe(p)}`;
    out.push([label, p]);
  }
  if (out.length === 0) return 'field "scores" is empty';
  return out;
}

/**
 * Read the classifier's fields from a parsed line. `labels`, when known (from the model), rejects
 * labels outside the set with `unknown_label`.
 */
export function parseTaggedDoc(obj: Record<string, unknown>, labels: ReadonlySet<string> | null): TaggedResult {
  if (!Object.hasOwn(obj, 'topic')) return fail('missing_field', 'topic', 'field "topic" is missing (is this file the output of `topicmix classify`?)');
  const topicRaw = obj.topic;
  if (topicRaw !== null && (typeof topicRaw !== 'string' || topicRaw.length === 0)) {
    return fail('invalid_field', 'topic', `field "topic" must be a label or null, got ${describe(topicRaw)}`);
  }
  const langRaw = obj.lang;
  if (langRaw === undefined || langRaw === null) return fail('missing_field', 'lang', 'field "lang" is missing');
  if (typeof langRaw !== 'string' || langRaw.trim().length === 0) {
    return fail('invalid_field', 'lang', `field "lang" must be a non-empty string, got ${describe(langRaw)}`);
  }

  let dist: Array<[string, number]>;
  let truncated: boolean;
  const scoresRaw = obj.scores;
  const topicsRaw = obj.topics;
  if (scoresRaw !== undefined && scoresRaw !== null) {
    const s = parseScores(scoresRaw);
    if (typeof s === 'string') return fail('invalid_field', 'scores', s);
    dist = s;
    truncated = false;
  } else if (topicsRaw !== undefined && topicsRaw !== null) {
    const t = parseTopics(topicsRaw);
    if (typeof t === 'string') return fail('invalid_field', 'topics', t);
    dist = t;
    truncated = true;
  } else {
    return fail('missing_field', 'topics', 'field "topics" (or "scores") is missing');
  }
  const topic = topicRaw ?? dist[argmax(dist.map((e) => e[1]))]?.[0];
  if (topic === undefined) return fail('invalid_field', 'topics', 'field "topic" is null and "topics" is empty: no label to count the document under');

  const scoreRaw = obj.topic_score;
  let topScore: number;
  if (scoreRaw === undefined || scoreRaw === null) {
    const fromDist = dist.find((e) => e[0] === topic)?.[1];
    if (fromDist === undefined) return fail('missing_field', 'topic_score', 'field "topic_score" is missing');
    topScore = fromDist;
  } else if (!isProb(scoreRaw)) {
    return fail('invalid_field', 'topic_score', `field "topic_score" must be a probability in [0, 1], got ${describe(scoreRaw)}`);
  } else {
    topScore = Math.min(scoreRaw, 1);
  }

  let tags: Array<[string, number]> | undefined;
  if (obj.tags !== undefined && obj.tags !== null) {
    const t = parseTopics(obj.tags, 'tags');
    if (typeof t === 'string') return fail('invalid_field', 'tags', t);
    tags = t;
  }
  let mass = 0;
  for (const e of dist) mass += e[1];
  // a multi-label model's scores are independent per label: they need not sum to 1
  if (tags === undefined && mass > 1 + 1e-3) {
    return fail('invalid_field', truncated ? 'topics' : 'scores', `probabilities sum to ${mass.toFixed(4)}, more than 1`);
  }
  if (labels !== null) {
    if (!labels.has(topic)) return fail('unknown_label', 'topic', `topic "${topic}" is not a label of the model`);
    for (const [label] of dist) {
      if (!labels.has(label)) return fail('unknown_label', truncated ? 'topics' : 'scores', `label "${label}" is not a label of the model`);
    }
    for (const [label] of tags ?? []) if (!labels.has(label)) return fail('unknown_label', 'tags', `label "${label}" is not a label of the model`);
  }
  let parts: string[] | undefined;
  if (obj.topic_parts !== undefined && obj.topic_parts !== null) {
    const p = parseParts(obj.topic_parts);
    if (typeof p === 'string') return fail('invalid_field', 'topic_parts', p);
    if (labels !== null) for (const label of p) if (!labels.has(label)) return fail('unknown_label', 'topic_parts', `label "${label}" is not a label of the model`);
    parts = p;
  }
  return { ok: true, doc: { topic, belowThreshold: topicRaw === null, topScore, lang: langRaw.trim(), dist, truncated, ...(parts && { parts }), ...(tags && { tags }) } };
}
