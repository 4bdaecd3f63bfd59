import { FEATURIZER_DEFAULTS, type FeaturizerConfig } from '../defaults.js';
import { CharClass, charClass, isSupplementaryHan } from '../text/chars.js';
import { normalizeText } from '../text/normalize.js';
import { scriptOf, type ScriptCounts } from '../text/script.js';
import type { Script } from '../types.js';
import { BIGRAM_MULT, BIGRAM_SEED, FNV_OFFSET, FNV_PRIME, HAN_SEED, fmix32, fnvString } from './hashing.js';

export type { FeaturizerConfig } from '../defaults.js';

/** The training defaults (defaults.ts), under the name the public API has always used. */
export const DEFAULT_FEATURIZER_CONFIG = FEATURIZER_DEFAULTS;

/** A growable list of feature ids; reused across documents to avoid allocation. */
export class IdBuffer {
  ids: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.ids = new Int32Array(capacity);
  }

  push(id: number): void {
    if (this.length === this.ids.length) this.grow(this.length + 1);
    this.ids[this.length++] = id;
  }

  grow(min: number): void {
    let cap = this.ids.length * 2;
    while (cap < min) cap *= 2;
    const next = new Int32Array(cap);
    next.set(this.ids.subarray(0, this.length));
    this.ids = next;
  }

  clear(): void {
    this.length = 0;
  }

  view(): Int32Array {
    return this.ids.subarray(0, this.length);
  }
}

export type WordSegmenter = (hanRun: string) => string[];
export type Stemmer = (word: string) => string;

export interface FeaturizerPlugins {
  segmenter?: WordSegmenter;
  stemmer?: Stemmer;
}

/**
 * Text -> hashed n-gram ids, fastText style, in one pass over the normalised string:
 * Latin (and other-script) runs become words, Han characters become one token each (or jieba words),
 * consecutive tokens make bigrams; punctuation and line breaks end a bigram chain, spaces do not.
 */
export class Featurizer {
  readonly config: FeaturizerConfig;
  private readonly mod: number;
  /** buckets - 1 when buckets is a power of two (then a mask replaces the slower modulo), else 0 */
  private readonly mask: number;
  private readonly segmenter: WordSegmenter | undefined;
  private readonly stemmer: Stemmer | undefined;
  private readonly stemCache = new Map<string, number>();
  // scan state, kept on the instance so the hot loop does not allocate
  private prev = 0;
  /** how many previous tokens the current n-gram chain has (0 or 1+) */
  private chain = 0;
  private out: IdBuffer = new IdBuffer(1);

  constructor(config: FeaturizerConfig, plugins: FeaturizerPlugins = {}) {
    if (!Number.isInteger(config.buckets) || config.buckets < 2) throw new Error(`featurizer: buckets must be an integer >= 2, got ${config.buckets}`);
    if (config.ngrams !== 1 && config.ngrams !== 2) throw new Error(`featurizer: ngrams must be 1 or 2, got ${String(config.ngrams)}`);
    // 0 would cut a long text into empty chunks forever
    if (!Number.isInteger(config.chunkChars) || config.chunkChars < 1) throw new Error(`featurizer: chunkChars must be an integer >= 1, got ${String(config.chunkChars)}`);
    if (config.zhTokens === 'jieba' && !plugins.segmenter) throw new Error('featurizer: zhTokens "jieba" needs a segmenter (install the optional dependency nodejieba)');
    if (config.stem && !plugins.stemmer) throw new Error('featurizer: stem needs a stemmer');
    this.config = config;
    this.mod = config.buckets - 1;
    this.mask = (config.buckets & (config.buckets - 1)) === 0 ? config.buckets - 1 : 0;
    this.segmenter = config.zhTokens === 'jieba' ? plugins.segmenter : undefined;
    this.stemmer = config.stem ? plugins.stemmer : undefined;
  }

  /**
   * Appends the ids of `text` to `out` and returns its script counts. The text is normalised here
   * (NFKC + lowercase); pass `normalized: true` when it already is.
   */
  featurize(text: string, out: IdBuffer, counts: ScriptCounts = { han: 0, latin: 0, other: 0 }, normalized = false): ScriptCounts {
    const chunk = this.config.chunkChars;
    if (text.length <= chunk) {
      this.scan(normalized ? text : normalizeText(text), out, counts);
      return counts;
    }
    // Long documents: normalise and scan chunk by chunk (cut at a separator) so that no normalised copy
    // of the whole text is made; every character still contributes.
    for (const piece of splitChunks(text, chunk)) this.scan(normalized ? piece : normalizeText(piece), out, counts);
    return counts;
  }

  /**
   * Like featurize (the same ids, in the same order), and also where each cut falls in them: returns, per
   * cut, the length of `out` when the scan reaches `cuts[k]` (UTF-16 offsets into `text`, increasing, each an
   * allowed cut of text/part-split.ts: normalising the pieces between them one by one gives the normalised
   * whole). A word, a jieba run or a bigram that spans a cut counts in the later piece. Texts of at most
   * `chunkChars` characters (longer ones are scored chunk by chunk: cut each chunk).
   */
  featurizeMarked(text: string, cuts: readonly number[], out: IdBuffer, counts: ScriptCounts = { han: 0, latin: 0, other: 0 }): Int32Array {
    if (text.length > this.config.chunkChars) throw new Error(`featurizer: featurizeMarked takes texts of at most chunkChars (${this.config.chunkChars}) characters, got ${text.length}`);
    const at = new Int32Array(cuts.length);
    let norm = '';
    let prev = 0;
    for (let k = 0; k < cuts.length; k++) {
      norm += normalizeText(text.slice(prev, cuts[k]));
      at[k] = norm.length;
      prev = cuts[k]!;
    }
    norm += normalizeText(prev === 0 ? text : text.slice(prev));
    const marks = new Int32Array(cuts.length);
    this.scan(norm, out, counts, at, marks);
    return marks;
  }

  /** Convenience: ids and script of one text. */
  ids(text: string): { ids: Int32Array; script: Script } {
    const out = new IdBuffer(64);
    const counts = this.featurize(text, out);
    return { ids: out.view().slice(), script: scriptOf(counts) };
  }

  /** Bucket of a hash, never 0 (the padding row): the low bits (0 becomes 1), or 1 + h mod (buckets - 1). */
  private bucket(h: number): number {
    if (this.mask !== 0) return h & this.mask || 1;
    return 1 + (h % this.mod);
  }

  private emit(token: number): void {
    const out = this.out;
    out.push(this.bucket(fmix32(token)));
    if (this.config.ngrams === 2 && this.chain >= 1) out.push(this.bucket(fmix32((Math.imul(this.prev, BIGRAM_MULT) + token) ^ BIGRAM_SEED)));
    this.prev = token;
    this.chain++;
  }

  private wordToken(text: string, start: number, end: number, hash: number): number {
    if (!this.stemmer) return hash;
    const word = text.slice(start, end);
    let h = this.stemCache.get(word);
    if (h === undefined) {
      h = fnvString(this.stemmer(word));
      if (this.stemCache.size < 1_000_000) this.stemCache.set(word, h);
    }
    return h;
  }

  private flushHanRun(text: string, start: number, end: number): void {
    const words = this.segmenter!(text.slice(start, end));
    for (const w of words) this.emit(fnvString(w, HAN_SEED));
  }

  /** Scans normalised `text` into `out`; with `at`, marks[k] = out.length where the scan reaches at[k] (see featurizeMarked). */
  private scan(text: string, out: IdBuffer, counts: ScriptCounts, at?: Int32Array, marks?: Int32Array): void {
    this.out = out;
    let m = 0;
    let nextMark = at && at.length > 0 ? at[0]! : -1;
    this.chain = 0;
    const n = text.length;
    const jieba = this.segmenter !== undefined;
    let wordStart = -1;
    let wordHash = FNV_OFFSET;
    let hanStart = -1;
    let han = 0;
    let latin = 0;
    let other = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      let cls = charClass(c);
      let cp = c;
      if (cls === CharClass.OtherLetter && c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        cp = text.codePointAt(i)!;
        if (isSupplementaryHan(cp)) cls = CharClass.Han;
      }
      if (i === nextMark) {
        // what the loop would emit at this character anyway, emitted before the mark: it ends before the cut
        const letter = cls === CharClass.Latin || cls === CharClass.OtherLetter;
        if (wordStart >= 0 && !letter) {
          this.emit(this.wordToken(text, wordStart, i, wordHash));
          wordStart = -1;
        }
        if (hanStart >= 0 && cls !== CharClass.Han) {
          this.flushHanRun(text, hanStart, i);
          hanStart = -1;
        }
        marks![m++] = out.length;
        nextMark = m < at!.length ? at![m]! : -1;
      }
      if (cls === CharClass.Latin || cls === CharClass.OtherLetter) {
        if (hanStart >= 0) {
          this.flushHanRun(text, hanStart, i);
          hanStart = -1;
        }
        if (wordStart < 0) {
          wordStart = i;
          wordHash = FNV_OFFSET;
        }
        wordHash = Math.imul(wordHash ^ c, FNV_PRIME);
        if (cls === CharClass.Latin) {
          if (c >= 0x61 || c >= 0xc0) latin++;
        } else other++;
        continue;
      }
      if (wordStart >= 0) {
        this.emit(this.wordToken(text, wordStart, i, wordHash));
        wordStart = -1;
      }
      if (cls === CharClass.Han) {
        han++;
        if (jieba) {
          if (hanStart < 0) hanStart = i;
        } else {
          this.emit(Math.imul(HAN_SEED ^ cp, FNV_PRIME));
        }
        if (cp > 0xffff) i++;
        continue;
      }
      if (hanStart >= 0) {
        this.flushHanRun(text, hanStart, i);
        hanStart = -1;
      }
      // separator: spaces keep the bigram chain, anything else (punctuation, line breaks) ends it
      if (c !== 0x20 && c !== 0x09) this.chain = 0;
    }
    if (marks) while (m < marks.length) marks[m++] = out.length; // cuts past the end (none for allowed cuts)
    if (wordStart >= 0) this.emit(this.wordToken(text, wordStart, n, wordHash));
    if (hanStart >= 0) this.flushHanRun(text, hanStart, n);
    counts.han += han;
    counts.latin += latin;
    counts.other += other;
  }
}

/** Consecutive pieces of `text` of at most about `size` characters, cut after a separator when one is near. */
export function* splitChunks(text: string, size: number): Generator<string> {
  let start = 0;
  while (start < text.length) {
    const end = chunkEnd(text, start, size);
    yield text.slice(start, end);
    start = end;
  }
}

/** End of a chunk starting at `start`: at most `size` characters, cut after a separator when one is near. */
function chunkEnd(text: string, start: number, size: number): number {
  const hard = Math.min(text.length, start + size);
  if (hard === text.length) return hard;
  const floor = Math.max(start + 1, hard - 4096);
  for (let i = hard; i > floor; i--) {
    const c = text.charCodeAt(i - 1);
    if (charClass(c) === CharClass.Separator) return i;
  }
  // no separator nearby: never split a surrogate pair
  const c = text.charCodeAt(hard - 1);
  return c >= 0xd800 && c <= 0xdbff ? hard + 1 : hard;
}
