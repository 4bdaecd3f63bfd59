import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURIZER_CONFIG, Featurizer, IdBuffer, splitChunks } from '../src/features/featurizer.js';
import { fmix32, fnvString } from '../src/features/hashing.js';
import { normalizeText } from '../src/text/normalize.js';
import { detectScript } from '../src/text/script.js';

const small = { ...DEFAULT_FEATURIZER_CONFIG, buckets: 1 << 16 };

function ids(text: string, config = small): number[] {
  return [...new Featurizer(config).ids(text).ids];
}

describe('normalizeText', () => {
  it('folds full-width forms and case (NFKC + lowercase)', () => {
    expect(normalizeText('ＨＥＬＬＯ　Ｗｏｒｌｄ１２３')).toBe('hello world123');
    expect(normalizeText('Ｃａｆé')).toBe('café');
    expect(normalizeText('ASCII Only')).toBe('ascii only');
  });
});

describe('detectScript', () => {
  it('labels zh, en, mixed and other', () => {
    expect(detectScript('一篇关于房价的文章，讨论楼市调控')).toBe('zh');
    expect(detectScript('The central bank raised interest rates again')).toBe('en');
    expect(detectScript('苹果发布了新款 iPhone 手机')).toBe('zh');
    expect(detectScript('Apple 发布 new iPhone models today in Cupertino')).toBe('en');
    expect(detectScript('今天的新闻 today news about 中国经济 growth')).toBe('mixed');
    expect(detectScript('Привет, как дела?')).toBe('other');
    expect(detectScript('12345 !!! ...')).toBe('other');
    expect(detectScript('')).toBe('other');
  });
});

describe('Featurizer', () => {
  it('rejects n-gram orders it does not make (only 1 and 2)', () => {
    expect(() => new Featurizer({ ...small, ngrams: 3 as unknown as 2 })).toThrow('featurizer: ngrams must be 1 or 2, got 3');
  });

  it('makes a unigram per Han character and a bigram per adjacent pair', () => {
    expect(ids('房价上涨')).toHaveLength(4 + 3);
    expect(ids('房价上涨', { ...small, ngrams: 1 })).toHaveLength(4);
  });

  it('makes word unigrams and bigrams for English; punctuation ends a bigram chain, spaces do not', () => {
    expect(ids('rates rise again')).toHaveLength(3 + 2);
    expect(ids('rates rise. again')).toHaveLength(3 + 1);
    expect(ids('rates, rise; again!')).toHaveLength(3);
  });

  it('is deterministic and matches the documented hashing', () => {
    const word = fnvString('bank');
    expect(ids('bank')).toEqual([fmix32(word) & (small.buckets - 1) || 1]);
    // a bucket count that is not a power of two uses 1 + h mod (buckets - 1)
    expect(ids('bank', { ...small, buckets: 1000 })).toEqual([1 + (fmix32(word) % 999)]);
    expect(ids('BANK')).toEqual(ids('bank'));
    expect(ids('ｂａｎｋ')).toEqual(ids('bank'));
  });

  it('never produces the padding id 0 and stays below buckets', () => {
    const all = ids('混合 text with 中文 and English, 数字 123 and ümlauts, кириллица 𠀀𠀁');
    expect(all.length).toBeGreaterThan(10);
    for (const id of all) {
      expect(id).toBeGreaterThan(0);
      expect(id).toBeLessThan(small.buckets);
    }
  });

  it('keeps every token of a long text: chunked featurization equals featurizing piece by piece', () => {
    const para = '经济新闻：央行宣布降息。 Markets rallied on the news. ';
    const text = para.repeat(2000);
    const chunked = new Featurizer({ ...small, chunkChars: 1000 });
    const buf = new IdBuffer();
    chunked.featurize(text, buf);
    const pieces = [...splitChunks(text, 1000)];
    expect(pieces.join('')).toBe(text);
    expect(pieces.length).toBeGreaterThan(50);
    const whole = new Featurizer(small);
    let expected = 0;
    for (const p of pieces) expected += whole.ids(p).ids.length;
    expect(buf.length).toBe(expected);
    // chunks are cut after separators, so only bigrams across the cuts could differ from one pass
    expect(Math.abs(buf.length - whole.ids(text).ids.length)).toBeLessThanOrEqual(pieces.length);
  });

  it('refuses a jieba config without a segmenter', () => {
    expect(() => new Featurizer({ ...small, zhTokens: 'jieba' })).toThrow(/nodejieba/);
  });
});

describe('optional tokenizers', () => {
  it('jieba segments Han runs into words (nodejieba, HMM on)', async () => {
    const { makePlugins } = await import('../src/features/plugins.js');
    const config = { ...small, zhTokens: 'jieba' as const };
    const f = new Featurizer(config, await makePlugins(config));
    // 今天天气 / 很 / 好: 3 words + 2 bigrams
    expect(f.ids('今天天气很好').ids).toHaveLength(5);
    expect(ids('今天天气很好')).toHaveLength(6 + 5);
    // Latin words are untouched by the segmenter
    expect([...f.ids('bank').ids]).toEqual(ids('bank'));
  });

  it('stemming maps inflections to one feature (natural PorterStemmer)', async () => {
    const { makePlugins } = await import('../src/features/plugins.js');
    const config = { ...small, stem: true, ngrams: 1 as const };
    const f = new Featurizer(config, await makePlugins(config));
    const [a, b] = [...f.ids('running runs').ids];
    expect(a).toBe(b);
    expect(ids('running runs', { ...small, ngrams: 1 })[0]).not.toBe(ids('running runs', { ...small, ngrams: 1 })[1]);
  });
});
