import type { Script } from '../types.js';
import { CharClass, charClass } from './chars.js';

/** Every script tag `detectScript` gives, in the conventional order of reports and targets. */
export const LANGS: readonly Script[] = ['zh', 'en', 'mixed', 'other'];

/** Sort order of language tags: LANGS first in their order, anything else after them alphabetically. */
export function compareLangs(a: string, b: string): number {
  const ia = (LANGS as readonly string[]).indexOf(a);
  const ib = (LANGS as readonly string[]).indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? LANGS.length : ia) - (ib === -1 ? LANGS.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface ScriptCounts {
  han: number;
  latin: number;
  other: number;
}

/** Counts Han characters, Latin letters and other letters in a string. */
export function countScripts(text: string): ScriptCounts {
  let han = 0;
  let latin = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      // digits say nothing about the language
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) latin++;
      continue;
    }
    switch (charClass(c)) {
      case CharClass.Han:
        han++;
        break;
      case CharClass.Latin:
        latin++;
        break;
      case CharClass.OtherLetter:
        other++;
        break;
      default:
        break;
    }
  }
  return { han, latin, other };
}

// One Han character carries about as much text as two to three Latin letters; weighing Latin
// letters by 1/3 makes a Chinese article that quotes a few English names still count as zh.
const LATIN_PER_HAN = 3;
const DOMINANT = 0.8;

/**
 * Script of a document: `zh` when Han characters dominate, `en` when Latin letters do,
 * `mixed` when both are substantial, `other` when neither (Cyrillic, Arabic, kana-heavy Japanese, no letters).
 */
export function scriptOf(counts: ScriptCounts): Script {
  const han = counts.han;
  const latin = counts.latin / LATIN_PER_HAN;
  const other = counts.other / LATIN_PER_HAN;
  const total = han + latin + other;
  if (total === 0) return 'other';
  if (other / total >= 0.5) return 'other';
  if (han / total >= DOMINANT) return 'zh';
  if (latin / total >= DOMINANT) return 'en';
  return 'mixed';
}

export function detectScript(text: string): Script {
  return scriptOf(countScripts(text));
}
