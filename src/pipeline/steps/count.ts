import { countChars, type TokenCounter } from '../../report/token-counter.js';
import type { Document } from '../document.js';
import { TERM_SCAN_CHARS } from '../../report/terms.js';
import { fieldsJson, hasOwnLang, OWN_FIELDS, type TagFormat } from '../output-record.js';

const WRITTEN = new Set<string>([...OWN_FIELDS, 'lang']);

/** How documents are counted for the report of their output (what `topicmix report` would read from it). */
export interface CountSetup {
  tokenizer: TokenCounter;
  groupBy: string | null;
  /** Collect topic terms (the report's term_capacity > 0). */
  terms: boolean;
}

/** A classified document as the report counts it; computed where the document is (a worker), added in input order. */
export interface DocCount {
  /** The tag fields as written (topic, topic_score, topics, lang, scores): the report parses them as it parses an output line. */
  tagged: Record<string, unknown>;
  chars: number;
  tokens: number;
  /** The group field's value in the output line (absent when there is none). */
  group: Record<string, unknown>;
  /** The head of the text that topic terms are taken from ('' when terms are not collected). */
  text: string;
}

/**
 * Groups are strings, numbers or booleans (see groupValue); any other value counts as missing. It is cut
 * here so that a deeply nested value never has to cross to the main thread (structured clone recurses).
 */
function scalar(v: unknown): unknown {
  return typeof v === 'object' ? null : v;
}

/** What the report needs of one classified document, without re-reading the written line. */
export function countDoc(doc: Document, format: TagFormat, setup: CountSetup, field: string): DocCount {
  const t = doc.tags!;
  const own = hasOwnLang(doc.fields);
  const tagged = JSON.parse(`{${fieldsJson(t.probs, t.lang, t.chunks, format, !own, t.parts)}}`) as Record<string, unknown>;
  if (own) tagged.lang = doc.fields.lang;
  const text = doc.fields[field] as string;
  return {
    tagged,
    chars: countChars(text),
    tokens: setup.tokenizer.count(text),
    // the group field is read from the output object (input fields, then the tags)
    group: setup.groupBy === null ? {} : { [setup.groupBy]: scalar(WRITTEN.has(setup.groupBy) ? tagged[setup.groupBy] : doc.fields[setup.groupBy]) },
    text: setup.terms ? text.slice(0, TERM_SCAN_CHARS) : '',
  };
}
