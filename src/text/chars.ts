/** Character classes the tokenizer and the script detector agree on. */
export enum CharClass {
  Separator = 0,
  Latin = 1,
  Han = 2,
  OtherLetter = 3,
}

/** Han ideographs: CJK Unified (incl. Ext A), Compatibility Ideographs. Supplementary planes are handled by the caller. */
export function isHan(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff);
}

/**
 * Class of one UTF-16 code unit. Latin covers ASCII letters and digits plus Latin-1/Extended
 * letters; punctuation, symbols and spaces separate tokens; other scripts (Cyrillic, kana,
 * Hangul, ...) are kept as word characters so their words still become features.
 */
export function charClass(c: number): CharClass {
  if (c < 0x80) {
    // a-z, 0-9 (text is lower-cased before tokenizing; A-Z kept for direct callers)
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a)) return CharClass.Latin;
    return CharClass.Separator;
  }
  if (isHan(c)) return CharClass.Han;
  if (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) return CharClass.Latin;
  if (c <= 0xbf) return CharClass.Separator; // Latin-1 punctuation, nbsp
  if (c >= 0x2000 && c <= 0x2bff) return CharClass.Separator; // punctuation, symbols, arrows, box drawing
  if (c >= 0x3000 && c <= 0x303f) return CharClass.Separator; // CJK punctuation
  if (c >= 0xfe30 && c <= 0xfe4f) return CharClass.Separator; // CJK compatibility forms
  if (c >= 0xff00 && c <= 0xffef) return CharClass.Separator; // full-width forms left after NFKC
  if (c >= 0xd800 && c <= 0xdfff) return CharClass.OtherLetter; // surrogates: classified by the caller
  if (c === 0xfffd || c === 0xfeff) return CharClass.Separator;
  return CharClass.OtherLetter;
}

/** Han ideographs outside the BMP (CJK Extension B-F, planes 2-3). */
export function isSupplementaryHan(codePoint: number): boolean {
  return codePoint >= 0x20000 && codePoint <= 0x3ffff;
}

/** isHan's ranges as the body of a regex character class (`[${HAN_BMP_CLASS}]`): one UTF-16 unit each. */
export const HAN_BMP_CLASS = '\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff';
/** isSupplementaryHan's range as the body of a regex character class; needs the `u` flag. */
export const HAN_SUPPLEMENTARY_CLASS = '\\u{20000}-\\u{3ffff}';

/** True when `text` holds a Han character (isHan or isSupplementaryHan). */
export function containsHan(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isHan(c)) return true;
    if (c >= 0xd800 && c <= 0xdbff && isSupplementaryHan(text.codePointAt(i)!)) return true;
  }
  return false;
}
