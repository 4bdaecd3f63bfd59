import { createRequire } from 'node:module';
import type { FeaturizerConfig, FeaturizerPlugins, Stemmer } from './featurizer.js';

const require = createRequire(import.meta.url);

type RequireFn = (id: string) => unknown;

/** First line of a load error (Node appends the require stack on later lines). */
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/**
 * natural's Porter stemmer. natural is an optional dependency (it pulls database drivers and a 34 MB
 * wordnet into an install), so it is loaded only for a featurizer with stem: true. Only the stemmer
 * module is required: natural's index loads dotenv (which prints to stdout) and takes over a second.
 * Other Porter packages differ from natural on a few words (ies, flyover, myopic), which would change
 * the features of models already trained with stem: true.
 */
export function loadPorterStemmer(owner: string, load: RequireFn = require): Stemmer {
  let porter: { stem(w: string): string };
  try {
    porter = load('natural/lib/natural/stemmers/porter_stemmer.js') as typeof porter;
  } catch (err) {
    throw new Error(`${owner} uses Porter stemming (stem: true), which needs the optional dependency natural, and it could not be loaded (${firstLine(err)}); install it with: npm install natural`);
  }
  return (w: string) => porter.stem(w);
}

/**
 * Loads the optional tokenizers a featurizer config asks for: jieba (optional dependency `nodejieba`)
 * and natural's Porter stemmer (optional dependency `natural`). `owner` names what asks for them in the
 * error when one is missing, e.g. `model models/news`.
 */
export async function makePlugins(config: FeaturizerConfig, owner = 'this featurizer config'): Promise<FeaturizerPlugins> {
  const plugins: FeaturizerPlugins = {};
  if (config.zhTokens === 'jieba') {
    let jieba: { cut(s: string, hmm?: boolean): string[] };
    try {
      jieba = require('nodejieba') as typeof jieba;
    } catch (err) {
      throw new Error(`${owner} segments Chinese with jieba (zhTokens: jieba), but the optional dependency nodejieba could not be loaded (${firstLine(err)}); install it with: npm install nodejieba`);
    }
    // HMM on: with it off, cppjieba splits digit runs into single digits
    plugins.segmenter = (run: string) => jieba.cut(run, true);
  }
  if (config.stem) plugins.stemmer = loadPorterStemmer(owner);
  return plugins;
}
