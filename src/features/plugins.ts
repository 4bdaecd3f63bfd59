import { createRequire } from 'node:module';
import type { FeaturizerConfig, FeaturizerPlugins } from './featurizer.js';

const require = createRequire(import.meta.url);

/**
 * Loads the optional tokenizers a featurizer config asks for: jieba (optional dependency `nodejieba`)
 * and natural's Porter stemmer. Imported only when used: natural's index pulls dotenv (which prints to
 * stdout) and takes over a second to load, so only the stemmer module itself is required.
 */
export async function makePlugins(config: FeaturizerConfig): Promise<FeaturizerPlugins> {
  const plugins: FeaturizerPlugins = {};
  if (config.zhTokens === 'jieba') {
    let jieba: { cut(s: string, hmm?: boolean): string[] };
    try {
      jieba = require('nodejieba') as typeof jieba;
    } catch (err) {
      throw new Error(`this model segments Chinese with jieba, but the optional dependency nodejieba could not be loaded (${(err as Error).message.split('\n')[0]}); install it with: npm install nodejieba`);
    }
    // HMM on: with it off, cppjieba splits digit runs into single digits
    plugins.segmenter = (run: string) => jieba.cut(run, true);
  }
  if (config.stem) {
    const porter = require('natural/lib/natural/stemmers/porter_stemmer.js') as { stem(w: string): string };
    plugins.stemmer = (w: string) => porter.stem(w);
  }
  return plugins;
}
