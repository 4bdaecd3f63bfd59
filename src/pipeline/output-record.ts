import type { Prediction } from '../types.js';

const OWN_FIELDS = ['topic', 'topic_score', 'topics', 'scores', 'topic_chunks'] as const;

/** Probabilities are written with 4 decimals: plenty for proportions, and a third of the bytes. */
function r4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function fieldsJson(p: Prediction, addLang: boolean): string {
  let s = `"topic":${p.label === null ? 'null' : JSON.stringify(p.label)},"topic_score":${r4(p.score)},"topics":[`;
  for (let i = 0; i < p.topics.length; i++) {
    const t = p.topics[i]!;
    s += `${i ? ',' : ''}{"label":${JSON.stringify(t.label)},"score":${r4(t.score)}}`;
  }
  s += ']';
  if (addLang) s += `,"lang":"${p.lang}"`;
  if (p.scores) {
    s += ',"scores":{';
    let first = true;
    for (const k in p.scores) {
      s += `${first ? '' : ','}${JSON.stringify(k)}:${r4(p.scores[k]!)}`;
      first = false;
    }
    s += '}';
  }
  if (p.chunks !== undefined) s += `,"topic_chunks":${p.chunks}`;
  return s;
}

/**
 * The output line for one input object: every input field kept as it was, plus topic, topic_score,
 * topics, lang (unless the input has its own `lang`), scores (with --all-scores) and topic_chunks (long
 * texts). When the input has none of these fields the new ones are spliced into the original line, which
 * keeps the input byte for byte and avoids re-serialising the text; otherwise the object is rebuilt.
 */
export function outputLine(rawLine: string, obj: Record<string, unknown>, p: Prediction): string {
  const hasLang = typeof obj.lang === 'string' && obj.lang !== '';
  let clash = false;
  for (const f of OWN_FIELDS) if (f in obj) clash = true;
  if ('lang' in obj && !hasLang) clash = true;
  if (!clash) {
    const close = rawLine.lastIndexOf('}');
    const head = rawLine.slice(0, close).trimEnd();
    const empty = head.endsWith('{');
    return `${head}${empty ? '' : ','}${fieldsJson(p, !hasLang)}}`;
  }
  const out: Record<string, unknown> = { ...obj };
  const extra = JSON.parse(`{${fieldsJson(p, !hasLang)}}`) as Record<string, unknown>;
  for (const f of OWN_FIELDS) delete out[f];
  if (!hasLang) delete out.lang;
  return JSON.stringify(Object.assign(out, extra));
}
