import { describe, expect, it } from 'vitest';
import { FEATURIZER_DEFAULTS } from '../src/defaults.js';
import { Featurizer, IdBuffer } from '../src/features/featurizer.js';
import { normalizeText } from '../src/text/normalize.js';
import { codePointLength, pageCuts, partCuts, toCodePointOffsets } from '../src/text/part-split.js';
import { rng } from './helpers/random.js';

const pieces = (t: string, cuts: number[]): string[] => [0, ...cuts].map((s, k) => t.slice(s, cuts[k] ?? t.length));

describe('partCuts: where a long page is cut', () => {
  it('English: a sentence start beats a nearer word start, a paragraph beats both, words when there is nothing better', () => {
    const t = 'The team won the cup. Fans cheered all night long and sang. The bank raised its rates. Markets fell.';
    expect(partCuts(t, 2)).toEqual([60]);
    expect(pieces(t, [60])).toEqual(['The team won the cup. Fans cheered all night long and sang. ', 'The bank raised its rates. Markets fell.']);
    const p = 'The team won the cup. Fans cheered all night\nThe bank raised rates. Markets fell hard.';
    expect(pieces(p, partCuts(p, 2))).toEqual(['The team won the cup. Fans cheered all night\n', 'The bank raised rates. Markets fell hard.']);
    const w = 'one two three four five six seven eight nine ten eleven twelve';
    expect(partCuts(w, 3)).toEqual([19, 40]);
    expect(pieces(w, [19, 40])).toEqual(['one two three four ', 'five six seven eight ', 'nine ten eleven twelve']);
    // a decimal point is no sentence end
    expect(pieces('3.14 and 2.71 are numbers; 1.41 too', partCuts('3.14 and 2.71 are numbers; 1.41 too', 2))).toEqual(['3.14 and 2.71 are ', 'numbers; 1.41 too']);
  });

  it('Chinese (no spaces): after 。！？ (closing quotes too), else between characters', () => {
    const t = '球队赢得了比赛，球迷整夜欢呼。银行再次上调利率，股市大幅下跌。';
    expect(partCuts(t, 2)).toEqual([15]);
    expect(pieces(t, [15])).toEqual(['球队赢得了比赛，球迷整夜欢呼。', '银行再次上调利率，股市大幅下跌。']);
    expect(pieces('“球队赢了。”他说。银行加息了，股市下跌。', partCuts('“球队赢了。”他说。银行加息了，股市下跌。', 2))).toEqual(['“球队赢了。”他说。', '银行加息了，股市下跌。']);
    const run = '球队赢得了比赛球迷整夜欢呼银行再次上调利率股市大幅下跌';
    expect(partCuts(run, 3)).toEqual([9, 18]);
  });

  it('never cuts inside a word, a surrogate pair, or where normalisation joins characters (then fewer parts)', () => {
    expect(partCuts('a'.repeat(44), 2)).toEqual([]);
    expect(partCuts('Σ.Σ.Σ.Σ.Σ.Σ.Σ.Σ.Σ.Σ', 2)).toEqual([]); // "." is case-ignorable: Σ before it lowercases by context
    expect(partCuts('😀'.repeat(20), 2)).toEqual([]);
    expect(partCuts('ｶﾞｶﾞｶﾞｶﾞｶﾞｶﾞｶﾞ', 2)).toEqual([]); // half-width kana + voiced mark: NFKC composes them
  });

  it('is deterministic and splits into at most the parts asked for, covering the text', () => {
    const t = 'The team won the cup. Fans cheered all night long and sang. The bank raised its rates. Markets fell. '.repeat(40);
    for (const n of [2, 3, 7, 64]) {
      const c = partCuts(t, n);
      expect(c).toEqual(partCuts(t, n));
      expect(c.length).toBeLessThanOrEqual(n - 1);
      expect(c.length).toBeGreaterThan(0);
      for (let k = 0; k < c.length; k++) expect(c[k]!).toBeGreaterThan(k ? c[k - 1]! : 0);
      expect(pieces(t, c).join('')).toBe(t);
    }
  });

  it('pageCuts: only pages of at least partsMinChars code points, by count or by part size', () => {
    const t = 'one two three four five six seven eight nine ten eleven twelve';
    expect(pageCuts(t, { parts: 3, partChars: 0, partsMinChars: 63 })).toBeUndefined();
    expect(pageCuts(t, { parts: 3, partChars: 0, partsMinChars: 62 })).toEqual([19, 40]);
    expect(pageCuts(t, { parts: 0, partChars: 0, partsMinChars: 1 })).toBeUndefined();
    expect(pageCuts(t, { parts: 0, partChars: 20, partsMinChars: 1 })).toEqual([19, 40]); // round(62 / 20) = 3
    expect(pageCuts(t, { parts: 0, partChars: 1000, partsMinChars: 1 })).toHaveLength(1); // at least 2 parts
    // code points, not UTF-16 units: 30 emoji are 60 units
    expect(pageCuts(`${'😀'.repeat(30)} x`, { parts: 2, partChars: 0, partsMinChars: 33 })).toBeUndefined();
    expect(codePointLength('a😀𠀀b')).toBe(4);
    expect([...toCodePointOffsets('a😀𠀀b 球', [0, 3, 5, 6, 8])]).toEqual([0, 2, 3, 4, 6]);
  });
});

describe('Featurizer.featurizeMarked: the page ids, with where each part starts', () => {
  const f = new Featurizer(FEATURIZER_DEFAULTS);
  const ids = (t: string): number[] => [...f.ids(t).ids];

  it('marks the id count at each cut; a bigram across a cut counts in the later part', () => {
    const buf = new IdBuffer();
    // "aa bb." -> aa, bb, aa_bb (3); "cc dd" -> cc, dd, cc_dd; "." breaks the chain
    expect([...f.featurizeMarked('aa bb. cc dd', [6], buf)]).toEqual([3]);
    expect([...buf.view()]).toEqual(ids('aa bb. cc dd'));
    buf.clear();
    // spaces keep the chain: bb_cc is emitted with cc, in the second part
    expect([...f.featurizeMarked('aa bb cc', [5], buf)]).toEqual([3]);
    expect(buf.length).toBe(5);
    buf.clear();
    expect([...f.featurizeMarked('球队赢。银行', [4], buf)]).toEqual([5]);
  });

  it('gives exactly the ids of featurize for random text cut at partCuts (normalisation, casing, surrogates)', () => {
    const alphabet = [..."aBΣσς .:'\n\t?,-1ﬁＡ①İe\u0301球队。，！「」アガﾞｶ가\u1100\u1161éößΑ", '😀', '𠀀', 'ΑΣ', 'Σ ', 'x.', '\u3000'];
    const r = rng(13);
    for (let round = 0; round < 1500; round++) {
      let t = '';
      const len = 20 + Math.floor(r() * 300);
      while (t.length < len) t += alphabet[Math.floor(r() * alphabet.length)]!;
      const cuts = partCuts(t, 2 + Math.floor(r() * 6));
      expect(pieces(t, cuts).map(normalizeText).join(''), t).toBe(normalizeText(t));
      const buf = new IdBuffer();
      const marks = f.featurizeMarked(t, cuts, buf);
      expect([...buf.view()], t).toEqual(ids(t));
      for (let k = 0; k < marks.length; k++) expect(marks[k]!).toBeGreaterThanOrEqual(k ? marks[k - 1]! : 0);
      expect(marks[marks.length - 1] ?? 0).toBeLessThanOrEqual(buf.length);
    }
  });
});
