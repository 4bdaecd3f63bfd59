import { topIndices } from '../classifier.js';
import { PREDICT_DEFAULTS } from '../defaults.js';
import { tagsOf } from '../model/prediction.js';
import { argmax } from '../model/top-k.js';
import { scanObjectMembers, spliceMembers } from '../io/json-members.js';
import type { FieldPatch } from '../document.js';
import type { ScoredParts } from '../model/score-texts.js';
import type { PartSettings } from '../text/part-split.js';
import type { Script } from '../types.js';

/** The fields classify writes; an input's own fields of these names are replaced (and `lang` unless it is a non-empty string). */
export const OWN_FIELDS = ['topic', 'abstain', 'topic_score', 'topics', 'tags', 'scores', 'topic_chunks', 'topic_parts'] as const;

/** With `keepExisting`: the field that holds the input's own values of the fields classify replaced, as they were written. */
export const REPLACED_FIELD = 'replaced_fields';

/**
 * Probabilities are written with 4 decimals: plenty for proportions, and a third of the bytes. A value
 * that JSON cannot hold (NaN, infinity) stops the run rather than being written: the model is broken.
 */
function r4(x: number): number {
  if (!Number.isFinite(x)) throw new Error(`model: produced a non-finite score (${x}), which is not JSON: its weights are corrupted or overflow`);
  return Math.round(x * 1e4) / 1e4;
}

/** How one document's tags are written. */
export interface TagFormat {
  /** labels, JSON-quoted once (they are written for every document) */
  quoted: readonly string[];
  topK: number;
  threshold: number;
  allScores: boolean;
  /** Index of the model's abstain label, -1 when it has none. */
  abstain: number;
  /** Keep the input's own values of replaced fields under `replaced_fields`. */
  keepExisting: boolean;
  /** Long pages are also scored in parts (`topic_parts`); absent: off. */
  parts?: PartSettings;
  /** A multi-label model's per-label thresholds (label order): `tags` is written. */
  thresholds?: readonly number[];
}

export function tagFormat(
  labels: readonly string[],
  o: { topK: number; threshold: number; allScores: boolean } & Partial<PartSettings>,
  abstain?: string,
  keepExisting = false,
  thresholds?: readonly number[],
): TagFormat {
  const split = (o.parts ?? 0) > 0 || (o.partChars ?? 0) > 0;
  return {
    ...(thresholds && { thresholds }),
    quoted: labels.map((l) => JSON.stringify(l)),
    topK: Math.min(o.topK, labels.length),
    threshold: o.threshold,
    allScores: o.allScores,
    abstain: abstain === undefined ? -1 : labels.indexOf(abstain),
    keepExisting,
    ...(split && { parts: { parts: o.parts ?? 0, partChars: o.partChars ?? 0, partsMinChars: o.partsMinChars ?? PREDICT_DEFAULTS.partsMinChars } }),
  };
}

const top: number[] = [];

/** An input's own non-empty `lang` is kept; otherwise the detected script is written. */
export function hasOwnLang(obj: Record<string, unknown>): boolean {
  return typeof obj.lang === 'string' && obj.lang !== '';
}

/** `"topic":...,"topic_score":...,"topics":[...]`, then tags (multi-label models), lang, scores, topic_chunks and topic_parts when they apply. */
export function fieldsJson(p: Float32Array, lang: Script, chunks: number, f: TagFormat, addLang: boolean, parts?: ScoredParts): string {
  topIndices(p, f.topK, top);
  const best = p[top[0]!]!;
  const abstained = top[0] === f.abstain;
  const topic = abstained ? `null,"abstain":${f.quoted[top[0]!]}` : best >= f.threshold ? f.quoted[top[0]!] : 'null,"abstain":"below_threshold"';
  let s = `"topic":${topic},"topic_score":${r4(best)},"topics":[`;
  for (let i = 0; i < top.length; i++) s += `${i ? ',' : ''}{"label":${f.quoted[top[i]!]},"score":${r4(p[top[i]!]!)}}`;
  s += ']';
  if (f.thresholds) {
    s += ',"tags":[';
    if (topic === f.quoted[top[0]!]) {
      const tags = tagsOf(p, f.quoted, f.thresholds, f.abstain);
      for (let i = 0; i < tags.length; i++) s += `${i ? ',' : ''}{"label":${f.quoted[tags[i]!]},"score":${r4(p[tags[i]!]!)}}`;
    }
    s += ']';
  }
  if (addLang) s += `,"lang":"${lang}"`;
  if (f.allScores) {
    s += ',"scores":{';
    for (let j = 0; j < p.length; j++) s += `${j ? ',' : ''}${f.quoted[j]}:${r4(p[j]!)}`;
    s += '}';
  }
  if (chunks > 1) s += `,"topic_chunks":${chunks}`;
  if (parts) s += `,"topic_parts":${partsJson(parts, f)}`;
  return s;
}

/** `[{"start":0,"end":1234,"topic":"food","score":0.9},...]`: each part's span (code points) and top label (see PartTopic). */
function partsJson(parts: ScoredParts, f: TagFormat): string {
  const K = f.quoted.length;
  let s = '[';
  for (let j = 0; j + 1 < parts.bounds.length; j++) {
    const best = argmax(parts.probs, j * K, K);
    s += `${j ? ',' : ''}{"start":${parts.bounds[j]},"end":${parts.bounds[j + 1]},"topic":${f.quoted[best]},"score":${r4(parts.probs[j * K + best]!)}}`;
  }
  return `${s}]`;
}

/** What outputLine tells its caller about a line, besides the line. */
export interface OutputStats {
  /** The input had fields of classify's own (their old values are replaced, or kept under replaced_fields). */
  replaced: boolean;
}

/**
 * The output line for one input object: every input field kept byte for byte, plus topic, topic_score,
 * topics, lang (unless the input has its own non-empty `lang`), scores (with --all-scores), topic_chunks
 * (long texts), topic_parts (long pages, with --parts) and the fields a step wrote (`patch`: --html-field's text and extract_method). The input's
 * own members of these names are cut out of the line (with `keepExisting`, moved under `replaced_fields`);
 * nothing else is re-serialised, so big numbers, 1e400, escapes and deep nesting stay exactly as they were.
 */
export function outputLine(
  rawLine: string,
  obj: Record<string, unknown>,
  p: Float32Array,
  lang: Script,
  chunks: number,
  f: TagFormat,
  patch?: FieldPatch,
  stats?: OutputStats,
  parts?: ScoredParts,
): string {
  const hasLang = hasOwnLang(obj);
  const fields = fieldsJson(p, lang, chunks, f, !hasLang, parts);
  let written = '';
  if (patch) for (const [k, v] of Object.entries(patch)) if (v !== null) written += `${written ? ',' : ''}${JSON.stringify(k)}:${v}`;
  const append = written ? `${written},${fields}` : fields;
  let clash = patch !== undefined || (!hasLang && Object.hasOwn(obj, 'lang'));
  for (const k of OWN_FIELDS) if (Object.hasOwn(obj, k)) clash = true;
  if (!clash) {
    // the common case: nothing of the input is replaced, the tags go before the closing brace
    const close = rawLine.lastIndexOf('}');
    const head = rawLine.slice(0, close).trimEnd();
    return `${head}${head.endsWith('{') ? '' : ','}${append}}`;
  }
  const spans = scanObjectMembers(rawLine);
  const replaced = new Set<string>(OWN_FIELDS);
  if (!hasLang) replaced.add('lang');
  const drop = new Set<string>();
  if (patch) for (const [k, v] of Object.entries(patch)) (v === null ? drop : replaced).add(k);
  let keep = '';
  const old = spans.members.filter((m) => replaced.has(m.key));
  if (old.length > 0 && stats) stats.replaced = true;
  if (f.keepExisting) {
    if (old.length > 0) {
      // an earlier run's replaced_fields is replaced too: it nests inside the new one
      const prev = spans.members.filter((m) => m.key === REPLACED_FIELD);
      keep = `,"${REPLACED_FIELD}":{${[...old, ...prev].map((m) => rawLine.slice(m.start, m.end)).join(',')}}`;
      drop.add(REPLACED_FIELD);
    }
  }
  for (const k of replaced) drop.add(k);
  return spliceMembers(rawLine, spans, drop, append + keep);
}
