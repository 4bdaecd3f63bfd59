/**
 * Candidate topic terms of a document: English words and Chinese character bigrams. Bigrams need no
 * segmenter (Intl.Segmenter runs at ~2.6 MB/s on Chinese, too slow for a corpus pass) and the
 * topic-vs-rest ranking in summary.ts pushes bigrams that merely straddle two words down the list.
 */

import { HAN_BMP_CLASS } from '../text/chars.js';

/** Only the head of long documents is scanned: enough to characterise a topic, bounded cost. */
export const TERM_SCAN_CHARS = 3000;

const EN_STOPWORDS = new Set(
  (
    'about above after again against all also among and any are aren because been before being below between both but ' +
    'can cannot could did does doing down during each few for from further had has have having her here hers herself him ' +
    'himself his how into its itself just let like many may more most much must nor not now off once only other ought our ' +
    'ours ourselves out over own per said same say says she should since some such than that the their theirs them ' +
    'themselves then there these they this those through too under until upon very was were what when where which while ' +
    'who whom why will with within without would yet you your yours yourself yourselves one two three new also get got ' +
    "use used using make made well even back still way its it's i'm don't can't won't didn't doesn't isn't we're " +
    "they're you're that's there's http https www com html"
  ).split(' '),
);

/** Function characters: a bigram containing one is almost never a topical term. */
const ZH_FUNCTION_CHARS = new Set('的了是在和与及或也就都而着过吗呢吧啊这那我你他她它们之其于以被把从对将为所');

const EN_WORD = /[a-z][a-z'-]{2,29}/g;
// BMP Han only: bigrams are taken by UTF-16 index below.
const HAN_RUN = new RegExp(`[${HAN_BMP_CLASS}]{2,}`, 'g');

export function extractTerms(text: string): { zh: Set<string>; en: Set<string> } {
  const head = text.length > TERM_SCAN_CHARS ? text.slice(0, TERM_SCAN_CHARS) : text;
  const en = new Set<string>();
  for (const m of head.toLowerCase().matchAll(EN_WORD)) {
    const w = m[0].replace(/['-]+$/, '');
    if (w.length >= 3 && !EN_STOPWORDS.has(w)) en.add(w);
  }
  const zh = new Set<string>();
  for (const m of head.matchAll(HAN_RUN)) {
    const run = m[0];
    for (let i = 0; i + 1 < run.length; i++) {
      const a = run[i]!;
      const b = run[i + 1]!;
      if (!ZH_FUNCTION_CHARS.has(a) && !ZH_FUNCTION_CHARS.has(b)) zh.add(a + b);
    }
  }
  return { zh, en };
}
