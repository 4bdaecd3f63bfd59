import { describe, expect, it } from 'vitest';
import { HAN_BMP_CLASS, HAN_SUPPLEMENTARY_CLASS, containsHan, isHan, isSupplementaryHan } from '../src/text/chars.js';
import { normalizeText, textKey } from '../src/text/normalize.js';

describe('the one Han test', () => {
  it('HAN_BMP_CLASS matches exactly the code units isHan accepts', () => {
    const re = new RegExp(`^[${HAN_BMP_CLASS}]$`);
    const mismatches: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (re.test(String.fromCharCode(c)) !== isHan(c)) mismatches.push(c);
    expect(mismatches).toEqual([]);
  });

  it('HAN_SUPPLEMENTARY_CLASS matches exactly the code points isSupplementaryHan accepts', () => {
    const re = new RegExp(`^[${HAN_SUPPLEMENTARY_CLASS}]$`, 'u');
    for (const cp of [0x1ffff, 0x20000, 0x2a6df, 0x30000, 0x3ffff, 0x40000, 0x1f600]) {
      expect(re.test(String.fromCodePoint(cp))).toBe(isSupplementaryHan(cp));
    }
  });

  it('containsHan finds BMP and supplementary ideographs, not kana, Hangul or CJK punctuation', () => {
    expect(containsHan('price 房价')).toBe(true);
    expect(containsHan('𠀀 ext B')).toBe(true);
    expect(containsHan('豈')).toBe(true); // U+F900 compatibility ideograph
    expect(containsHan('ひらがな カタカナ 한국어 。「」')).toBe(false);
    expect(containsHan('')).toBe(false);
  });
});

describe('textKey', () => {
  it('is NFKC + lowercase with whitespace runs folded to one space and trimmed (the old labels key)', () => {
    expect(textKey('  ＨＥＬＬＯ\t\n Ｗｏｒｌｄ  ')).toBe('hello world');
    expect(textKey('房价 \u3000 上涨')).toBe('房价 上涨');
    for (const t of ['A  b', 'Ｃａｆé\n', '①② x', 'ＡＢＣ\u00a0d']) {
      expect(textKey(t)).toBe(t.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim());
      expect(textKey(t)).toBe(normalizeText(t).replace(/\s+/g, ' ').trim());
    }
  });
});
