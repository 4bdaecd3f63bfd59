import { HAN_BMP_CLASS, HAN_SUPPLEMENTARY_CLASS } from '../text/chars.js';

export interface TokenCounter {
  /** Canonical name stored in the report. */
  name: string;
  description: string;
  count(text: string): number;
}

export const TOKENIZER_NAMES = ['o200k', 'cl100k', 'chars', 'words'] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

const ALIASES: Record<string, TokenizerName> = {
  o200k: 'o200k',
  o200k_base: 'o200k',
  cl100k: 'cl100k',
  cl100k_base: 'cl100k',
  chars: 'chars',
  words: 'words',
};

export function parseTokenizerName(s: string): TokenizerName {
  const name = ALIASES[s.toLowerCase()];
  if (name === undefined) throw new Error(`unknown tokenizer "${s}" (choose one of: o200k, cl100k, chars, words)`);
  return name;
}

/** Unicode code points (a surrogate pair is one character). */
export function countChars(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    if ((text.charCodeAt(i) & 0xfc00) === 0xdc00) n--;
  }
  return n;
}

// A Han or kana character counts as one word; any other run of letters/digits is one word.
const ONE_WORD_CHARS = `${HAN_BMP_CLASS}${HAN_SUPPLEMENTARY_CLASS}\\p{sc=Hiragana}\\p{sc=Katakana}`;
const WORD = new RegExp(`[${ONE_WORD_CHARS}]|[^\\s\\p{P}\\p{S}${ONE_WORD_CHARS}]+`, 'gu');

export function countWords(text: string): number {
  let n = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(text) !== null) n++;
  return n;
}

/** Special tokens such as <|endoftext|> in web text are counted as ordinary text, not rejected. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export async function loadTokenCounter(name: TokenizerName): Promise<TokenCounter> {
  switch (name) {
    case 'chars':
      return { name: 'chars', description: 'Unicode code points (cheap estimate, not LLM tokens)', count: countChars };
    case 'words':
      return {
        name: 'words',
        description: 'words: runs of letters/digits, each Han or kana character counted as one (cheap estimate, not LLM tokens)',
        count: countWords,
      };
    case 'o200k': {
      const enc = await import('gpt-tokenizer/encoding/o200k_base');
      return {
        name: 'o200k_base',
        description: 'o200k_base BPE (GPT-4o family vocabulary, gpt-tokenizer)',
        count: (t) => enc.countTokens(t, PLAIN_TEXT),
      };
    }
    case 'cl100k': {
      const enc = await import('gpt-tokenizer/encoding/cl100k_base');
      return {
        name: 'cl100k_base',
        description: 'cl100k_base BPE (GPT-4 / GPT-3.5 vocabulary, gpt-tokenizer)',
        count: (t) => enc.countTokens(t, PLAIN_TEXT),
      };
    }
  }
}
