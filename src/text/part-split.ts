import { PART_SPLIT } from '../defaults.js';
import { CharClass, charClass } from './chars.js';

// Where a long page is cut into parts (classify `parts` / `partChars`). The rule, deterministic:
// N targets at k * length / N; each cut is the best allowed position within a quarter of a part's length of
// its target (at most PART_SPLIT.searchChars): a paragraph start beats a sentence start beats a word start beats
// any other allowed position, then the one nearest the target, then the earlier one. With no allowed position
// there, the search widens to half a part; failing that the cut is left out (two parts become one).
//
// An allowed position starts the next part with a character that normalisation (NFKC + lowercase) never
// joins to what precedes it, beside a character that stops Greek final-sigma context: ASCII, a BMP CJK
// unified ideograph or CJK punctuation, next to whitespace, non-ignorable ASCII punctuation, a Han character
// or CJK punctuation. So normalising the parts one by one gives exactly the normalised whole text, and the
// featurizer can score the parts from the document's own ids (Featurizer.featurizeMarked).

enum Rank {
  None = -1,
  Any = 0,
  Word = 1,
  Sentence = 2,
  Paragraph = 3,
}

function isAsciiSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

function isUnifiedHan(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf);
}

/** 、 。 and the CJK brackets 「」『』【】: NFKC-stable, neither cased nor case-ignorable. */
function isCjkPunct(c: number): boolean {
  return c === 0x3001 || c === 0x3002 || (c >= 0x300c && c <= 0x3011);
}

/** Never joined to the preceding character by NFKC (a stable starter that composes with nothing before it). */
function startsCleanly(c: number): boolean {
  return c < 0x80 || isUnifiedHan(c) || isCjkPunct(c);
}

/** Neither cased nor case-ignorable (so lowercasing's final-sigma context stops at it), and NFKC-stable. */
function stopsCaseContext(c: number): boolean {
  if (c < 0x80) {
    if (isAsciiSpace(c)) return true;
    // . : ' ^ ` are case-ignorable; letters are cased; digits join words
    if (c === 0x2e || c === 0x3a || c === 0x27 || c === 0x5e || c === 0x60) return false;
    return charClass(c) === CharClass.Separator;
  }
  return isUnifiedHan(c) || isCjkPunct(c);
}

function isWordChar(c: number): boolean {
  const k = charClass(c);
  return k === CharClass.Latin || k === CharClass.OtherLetter;
}

/** Closing quotes and brackets skipped when looking back for a sentence end. */
function isCloser(c: number): boolean {
  return c === 0x22 || c === 0x27 || c === 0x29 || c === 0x5d || c === 0x201d || c === 0x2019 || c === 0x300d || c === 0x300f || c === 0x3011 || c === 0xff09;
}

/** 。！？；… */
function isCjkTerminator(c: number): boolean {
  return c === 0x3002 || c === 0xff01 || c === 0xff1f || c === 0xff1b || c === 0x2026;
}

/** . ! ? ; (a sentence end only when a space follows) */
function isAsciiTerminator(c: number): boolean {
  return c === 0x2e || c === 0x21 || c === 0x3f || c === 0x3b;
}

function isTerminator(c: number): boolean {
  return isCjkTerminator(c) || isAsciiTerminator(c);
}

/** How good a cut before text[i] is (Rank.None: not allowed). */
function rankAt(text: string, i: number): Rank {
  const c = text.charCodeAt(i);
  const p = text.charCodeAt(i - 1);
  if (!startsCleanly(c) || !(stopsCaseContext(p) || stopsCaseContext(c))) return Rank.None;
  if (isWordChar(p) && isWordChar(c)) return Rank.None; // inside a word
  if (isAsciiSpace(c)) return Rank.Any;
  if (p === 0x0a) return Rank.Paragraph;
  let j = i - 1;
  let spaced = false;
  while (j > 0 && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09 || isCloser(text.charCodeAt(j)))) {
    if (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09) spaced = true;
    j--;
  }
  const t = text.charCodeAt(j);
  if (isCjkTerminator(t) || (spaced && isAsciiTerminator(t))) return Rank.Sentence;
  return Rank.Word;
}

/** The best cut in [lo, hi] for `target`, or -1: highest rank, then nearest the target, then the earlier. */
function bestCut(text: string, lo: number, hi: number, target: number): number {
  let best = -1;
  let bestRank: Rank = Rank.None;
  const reach = Math.max(target - lo, hi - target);
  for (let d = 0; d <= reach; d++) {
    for (let side = 0; side < (d === 0 ? 1 : 2); side++) {
      const i = side === 0 ? target - d : target + d;
      if (i < lo || i > hi) continue;
      // with a word start in hand, only a sentence or paragraph start can win: they follow a space,
      // a line break, a closer or a terminator (most positions are not worth a full look)
      if (bestRank >= Rank.Word) {
        const p = text.charCodeAt(i - 1);
        if (bestRank === Rank.Sentence ? p !== 0x0a : !(p === 0x20 || p === 0x0a || p === 0x09 || isTerminator(p) || isCloser(p))) continue;
      }
      const r = rankAt(text, i);
      if (r > bestRank) {
        bestRank = r;
        best = i;
        if (r === Rank.Paragraph) return best; // nothing nearer can beat it
      }
    }
  }
  return best;
}

/**
 * Cut positions (UTF-16 offsets into `text`, strictly increasing, inside (0, length)) that split it into
 * about `count` parts of equal length at allowed positions (see the rule above). Fewer cuts when allowed
 * positions are missing; none when `count` < 2.
 */
export function partCuts(text: string, count: number): number[] {
  const L = text.length;
  const cuts: number[] = [];
  if (count < 2 || L < 2) return cuts;
  const size = L / count;
  const near = Math.min(Math.floor(size / 4), PART_SPLIT.searchChars);
  const wide = Math.floor(size / 2);
  for (let k = 1; k < count; k++) {
    const target = Math.round(k * size);
    const floor = (cuts.length ? cuts[cuts.length - 1]! : 0) + 1;
    let c = -1;
    for (const w of [near, wide]) {
      const lo = Math.max(floor, target - w);
      const hi = Math.min(L - 1, target + w);
      if (lo <= hi) c = bestCut(text, lo, hi, Math.min(hi, Math.max(lo, target)));
      if (c >= 0) break;
    }
    if (c >= 0) cuts.push(c);
  }
  return cuts;
}

/** Settings of the part split, as resolved prediction options carry them. */
export interface PartSettings {
  /** Parts per long page (0: off). */
  parts: number;
  /** Parts of about this many characters (0: off). */
  partChars: number;
  /** Pages of at least this many characters (code points) are split. */
  partsMinChars: number;
}

/** Unicode code points of `text` (a surrogate pair counts once). */
export function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) if ((text.charCodeAt(i) & 0xfc00) === 0xdc00) n--;
  return n;
}

/**
 * The cuts of one page under `s` (UTF-16 offsets), or undefined when it is not split: splitting is off,
 * or the page is shorter than `partsMinChars` code points.
 */
export function pageCuts(text: string, s: PartSettings): number[] | undefined {
  if ((s.parts === 0 && s.partChars === 0) || text.length < s.partsMinChars) return undefined;
  // a text has at least half as many code points as UTF-16 units: count them only when that is not enough
  const chars = s.partChars > 0 || text.length < 2 * s.partsMinChars ? codePointLength(text) : text.length;
  if (chars < s.partsMinChars) return undefined;
  const count = s.parts > 0 ? s.parts : Math.min(PART_SPLIT.maxParts, Math.max(2, Math.round(chars / s.partChars)));
  return partCuts(text, count);
}

const SURROGATE = /[\ud800-\udfff]/;

/** UTF-16 offsets as code-point offsets (what the output writes: Python's str indices). */
export function toCodePointOffsets(text: string, offsets: readonly number[]): Int32Array {
  if (!SURROGATE.test(text)) return Int32Array.from(offsets); // the usual case: the same numbers
  const out = new Int32Array(offsets.length);
  let surrogates = 0;
  let at = 0;
  for (let k = 0; k < offsets.length; k++) {
    const o = offsets[k]!;
    for (; at < o; at++) if ((text.charCodeAt(at) & 0xfc00) === 0xdc00) surrogates++;
    out[k] = o - surrogates;
  }
  return out;
}
