import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerLabelsCommand } from '../src/cli/commands/labels.js';
import { checkExamples, checkLabelSet, formatCheckReport } from '../src/labels/check.js';
import { parseTaxonomy } from '../src/labels/taxonomy.js';
import type { LabelledExample } from '../src/types.js';

const OK = join(import.meta.dirname, 'fixtures', 'labelset-ok');
const BAD = join(import.meta.dirname, 'fixtures', 'labelset-bad');

describe('checkLabelSet', () => {
  it('passes the good fixture', async () => {
    const r = await checkLabelSet(OK, { minPerTopic: 2 });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.total).toBe(8);
    expect(r.files).toEqual([join(OK, 'train.jsonl')]);
    // Line 7 is multi-label (finance + tech); line 2 and 6 have no lang field (detected as zh).
    expect(r.counts).toEqual([
      { topic: 'finance', lang: 'zh', count: 1 },
      { topic: 'finance', lang: 'en', count: 2 },
      { topic: 'sports', lang: 'zh', count: 1 },
      { topic: 'sports', lang: 'en', count: 2 },
      { topic: 'tech', lang: 'zh', count: 1 },
      { topic: 'tech', lang: 'en', count: 2 },
    ]);
  });

  it('warns about thin topics with the default minimum', async () => {
    const r = await checkLabelSet(OK);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual(['topic "finance" has only 3 examples (minimum 20)', 'topic "sports" has only 3 examples (minimum 20)', 'topic "tech" has only 3 examples (minimum 20)']);
  });

  it('reports every problem in the bad fixture', async () => {
    const f = join(BAD, 'data.jsonl');
    const r = await checkLabelSet(BAD, { minPerTopic: 2, imbalanceRatio: 2 });
    expect(r.ok).toBe(false);
    expect(r.total).toBe(7);
    expect(r.errors).toHaveLength(5);
    expect(r.errors[0]).toBe(`${f}:3: field "text" is empty or whitespace-only`);
    expect(r.errors[1]).toBe(`${f}:4: unknown label "science" (not in taxonomy)`);
    expect(r.errors[2]!.startsWith(`${f}:5: invalid JSON: `)).toBe(true);
    expect(r.errors.slice(3)).toEqual([`same text with different labels: ${f}:2 (sports) and ${f}:6 (tech)`, 'topic "health" has no examples']);
    expect(r.warnings).toEqual([
      `duplicate text: ${f}:1 and ${f}:7`,
      'topic "sports" has only 1 example (minimum 2)',
      'topic "sports" has no "zh" examples (other topics do)',
      'imbalance: largest topic "finance" has 3 examples, smallest "sports" has 1 (ratio 3.0 > 2)',
    ]);
    expect(r.counts.filter((c) => c.count > 0)).toEqual([
      { topic: 'finance', lang: 'zh', count: 1 },
      { topic: 'finance', lang: 'en', count: 2 },
      { topic: 'sports', lang: 'en', count: 1 },
      { topic: 'tech', lang: 'zh', count: 1 },
      { topic: 'tech', lang: 'en', count: 1 },
    ]);
  });

  it('reports a missing directory or broken taxonomy as errors, not exceptions', async () => {
    const missing = join(BAD, 'nope');
    expect(await checkLabelSet(missing)).toEqual({
      ok: false,
      errors: [`${missing}: label set directory not found`],
      warnings: [],
      counts: [],
      total: 0,
      files: [],
    });
  });
});

describe('checkExamples', () => {
  const taxonomy = parseTaxonomy('name: t\ntopics:\n' + ['a', 'b'].map((id) => `  - id: ${id}\n    names: { en: ${id}, zh: ${id} }\n    description: ${id}\n    includes: []\n`).join(''), 't.yaml');
  const ex = (text: string, labels: string[], line: number, lang?: string): LabelledExample => ({
    text,
    labels,
    weight: 1,
    source: { file: 'x.jsonl', line, byteOffset: 0, byteLength: 0 },
    fields: {},
    ...(lang && { lang }),
  });

  it('normalises with NFKC, lowercase and collapsed whitespace for duplicates', () => {
    const r = checkExamples(taxonomy, [ex('Ｈｅｌｌｏ   World', ['a'], 1), ex('hello world', ['a'], 2), ex('b text', ['b'], 3)], [], [], {
      minPerTopic: 1,
    });
    expect(r.warnings).toEqual(['duplicate text: x.jsonl:1 and x.jsonl:2']);
  });

  it('catches empty texts that reach it and keeps unusual languages in the counts', () => {
    const r = checkExamples(taxonomy, [ex(' ', ['a'], 1), ex('a', ['a'], 2, 'fr'), ex('b', ['b'], 3, 'fr')], [], [], { minPerTopic: 1 });
    expect(r.errors).toEqual(['x.jsonl:1: empty text']);
    expect(r.counts).toEqual([
      { topic: 'a', lang: 'fr', count: 1 },
      { topic: 'b', lang: 'fr', count: 1 },
    ]);
  });
});

describe('formatCheckReport', () => {
  it('shows counts per topic with zh/en columns, then errors and warnings', async () => {
    const text = formatCheckReport(await checkLabelSet(BAD, { minPerTopic: 2, imbalanceRatio: 2 }));
    const lines = text.split('\n');
    expect(lines.slice(0, 6)).toEqual(['topic    zh  en  total', '-------  --  --  -----', 'finance   1   2      3', 'sports    0   1      1', 'tech      1   1      2', 'health    0   0      0']);
    expect(text).toContain('7 examples in 1 file\n\nerrors (5):\n  - ');
    expect(text).toContain('\nwarnings (4):\n  - duplicate text: ');
    expect(text.trimEnd().endsWith('FAILED: 5 errors')).toBe(true);
    expect(
      formatCheckReport(await checkLabelSet(OK, { minPerTopic: 2 }))
        .trimEnd()
        .endsWith('8 examples in 1 file\n\nOK'),
    ).toBe(true);
  });
});

describe('topicmix labels check', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  async function run(args: string[]): Promise<{ out: string; code: number | string | undefined }> {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const program = new Command().exitOverride();
    registerLabelsCommand(program);
    await program.parseAsync(['labels', 'check', ...args], { from: 'user' });
    return { out, code: process.exitCode };
  }

  it('exits 0 on a clean set and prints JSON with --json', async () => {
    const { out, code } = await run([OK, '--json', '--min-per-topic', '2']);
    expect(code).toBeUndefined();
    const report = JSON.parse(out) as { ok: boolean; total: number };
    expect(report.ok).toBe(true);
    expect(report.total).toBe(8);
  });

  it('exits 1 when there are errors', async () => {
    const { out, code } = await run([BAD, '--imbalance-ratio', '2']);
    expect(code).toBe(1);
    expect(out).toContain('topic "health" has no examples');
    expect(out).toContain('ratio 3.0 > 2');
  });

  it('rejects a bad option value', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(run([OK, '--min-per-topic', '-1'])).rejects.toThrow(/non-negative integer/);
  });
});
