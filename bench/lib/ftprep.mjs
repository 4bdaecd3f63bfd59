// fastText input preparation, as fastText users do it.
//
// English (lang != 'zh'): fastText's classification-example.sh normalize_text: lowercase; `'`, `.`,
//   `,`, `(`, `)`, `!`, `?` separated by spaces; `"` removed; `;` and `:` replaced by a space;
//   `<br />` replaced by a space; whitespace squeezed.
// Chinese (lang == 'zh'): one token per character (Han characters and punctuation alike), except
//   that runs of ASCII letters/digits stay one token, lowercased.
// Any whitespace (newlines, tabs, U+3000, ...) becomes a single space, so one document = one line.
// Labels: `__label__` + label with whitespace runs replaced by `_`.

/** @param {string} text */
export function normalizeEn(text) {
  return text
    .toLowerCase()
    .replace(/"/g, '')
    .replace(/<br \/>/g, ' ')
    .replace(/['.,()!?]/g, ' $& ')
    .replace(/[;:]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const ZH_TOKEN = /[A-Za-z0-9]+|\S/gu;

/** @param {string} text */
export function tokenizeZh(text) {
  const toks = text.match(ZH_TOKEN) ?? [];
  return toks.join(' ').replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * Text of one document as a fastText line body (no label).
 * @param {string} text @param {string|undefined} lang
 */
export function ftText(text, lang) {
  const s = lang === 'zh' ? tokenizeZh(text) : normalizeEn(text);
  // A token starting with __label__ would be read as a label by fastText.
  return s.replace(/__label__/g, 'label');
}

/**
 * Bijective mapping between dataset labels and fastText labels.
 */
export class LabelMap {
  constructor() {
    /** @type {Map<string,string>} */
    this.toFt = new Map();
    /** @type {Map<string,string>} */
    this.fromFt = new Map();
  }

  /** @param {string} label @returns {string} the `__label__...` token */
  add(label) {
    const have = this.toFt.get(label);
    if (have) return have;
    let ft = `__label__${label.trim().replace(/\s+/g, '_') || '_empty_'}`;
    // Two labels differing only in whitespace would collide: disambiguate with a suffix.
    for (let i = 2; this.fromFt.has(ft); i++) ft = `${ft}~${i}`;
    this.toFt.set(label, ft);
    this.fromFt.set(ft, label);
    return ft;
  }

  /** @param {string} ft @returns {string|null} */
  back(ft) {
    return this.fromFt.get(ft) ?? null;
  }

  toJSON() {
    return Object.fromEntries(this.fromFt);
  }
}
