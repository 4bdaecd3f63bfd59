// NFKC folds full-width Latin/digits and compatibility forms (ｈｅｌｌｏ -> hello, ① -> 1);
// skipping it for pure-ASCII text is a large speed win and changes nothing.
const NON_ASCII = /[^\u0000-\u007f]/;

/** Unicode normalisation used before tokenizing: NFKC (width folding) + lowercase. */
export function normalizeText(text: string): string {
  const folded = NON_ASCII.test(text) ? text.normalize('NFKC') : text;
  return folded.toLowerCase();
}

/**
 * Key under which two texts count as the same document (duplicate detection in label sets and pools):
 * normalizeText, then every whitespace run as one space, trimmed.
 */
export function textKey(text: string): string {
  return normalizeText(text).replace(/\s+/g, ' ').trim();
}
