import { topIndices } from '../classifier.js';
import type { Script } from '../types.js';

/** The fields classify writes; an input's own fields of these names are replaced. */
export const OWN_FIELDS = ['topic', 'abstain', 'topic_score', 'topics', 'scores', 'topic_chunks'] as const;

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
}

export function tagFormat(labels: readonly string[], o: { topK: number; threshold: number; allScores: boolean }, abstain?: string): TagFormat {
  return {
    quoted: labels.map((l) => JSON.stringify(l)),
    topK: Math.min(o.topK, labels.length),
    threshold: o.threshold,
    allScores: o.allScores,
    abstain: abstain === undefined ? -1 : labels.indexOf(abstain),
  };
}

const top: number[] = [];

/** An input's own non-empty `lang` is kept; otherwise the detected script is written. */
export function hasOwnLang(obj: Record<string, unknown>): boolean {
  return typeof obj.lang === 'string' && obj.lang !== '';
}

/** `"topic":...,"topic_score":...,"topics":[...]`, then lang, scores and topic_chunks when they apply. */
export function fieldsJson(p: Float32Array, lang: Script, chunks: number, f: TagFormat, addLang: boolean): string {
  topIndices(p, f.topK, top);
  const best = p[top[0]!]!;
  const abstained = top[0] === f.abstain;
  const topic = abstained ? `null,"abstain":${f.quoted[top[0]!]}` : best >= f.threshold ? f.quoted[top[0]!] : 'null,"abstain":"below_threshold"';
  let s = `"topic":${topic},"topic_score":${r4(best)},"topics":[`;
  for (let i = 0; i < top.length; i++) s += `${i ? ',' : ''}{"label":${f.quoted[top[i]!]},"score":${r4(p[top[i]!]!)}}`;
  s += ']';
  if (addLang) s += `,"lang":"${lang}"`;
  if (f.allScores) {
    s += ',"scores":{';
    for (let j = 0; j < p.length; j++) s += `${j ? ',' : ''}${f.quoted[j]}:${r4(p[j]!)}`;
    s += '}';
  }
  if (chunks > 1) s += `,"topic_chunks":${chunks}`;
  return s;
}

/**
 * The output line for one input object: every input field kept as it was, plus topic, topic_score,
 * topics, lang (unless the input has its own `lang`), scores (with --all-scores) and topic_chunks (long
 * texts). When the input has none of these fields the new ones are spliced into the original line, which
 * keeps the input byte for byte and avoids re-serialising the text; otherwise the object is rebuilt.
 */
export function outputLine(rawLine: string, obj: Record<string, unknown>, p: Float32Array, lang: Script, chunks: number, f: TagFormat): string {
  const hasLang = hasOwnLang(obj);
  let clash = 'lang' in obj && !hasLang;
  for (const k of OWN_FIELDS) if (k in obj) clash = true;
  const fields = fieldsJson(p, lang, chunks, f, !hasLang);
  if (!clash) {
    const close = rawLine.lastIndexOf('}');
    const head = rawLine.slice(0, close).trimEnd();
    return `${head}${head.endsWith('{') ? '' : ','}${fields}}`;
  }
  const out: Record<string, unknown> = { ...obj };
  for (const k of OWN_FIELDS) delete out[k];
  if (!hasLang) delete out.lang;
  return JSON.stringify(Object.assign(out, JSON.parse(`{${fields}}`) as Record<string, unknown>));
}
