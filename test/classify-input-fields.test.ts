/**
 * Issue 11, items 1 and 5: classify keeps every byte of the input fields it does not own (even when it
 * replaces fields it does own), and a deeply nested line is tagged or becomes an error record instead of
 * killing the run -- with one worker, two workers, stdin and --html-field.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useTinyModel } from './cli-helpers.js';

const ws = useTinyModel('topicmix-input-fields-');

/** Output lines of a classify run; fails the test with stderr when it did not exit 0. */
async function classify(dir: string, input: string, args: string[], viaStdin = false): Promise<{ lines: string[]; errors: string[]; stderr: string }> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.jsonl`);
  const r = viaStdin
    ? await runCli(['classify', '-', '--model', ws.model, '-o', out, ...args], { input: readFileSync(input) })
    : await runCli(['classify', input, '--model', ws.model, '-o', out, ...args]);
  expect(r.stderr).not.toContain('Maximum call stack');
  expect(r.code, r.stderr).toBe(0);
  const errPath = out.replace(/\.jsonl$/, '.errors.jsonl');
  let errors: string[] = [];
  try {
    errors = readFileSync(errPath, 'utf8').split('\n').filter(Boolean);
  } catch {
    // no errors file: no bad lines
  }
  return { lines: readFileSync(out, 'utf8').split('\n').filter(Boolean), errors, stderr: r.stderr };
}

const MODES: [string, string[], boolean][] = [
  ['1 worker', ['--workers', '1'], false],
  ['2 workers', ['--workers', '2'], false],
  ['stdin', [], true],
];

describe('item 5: fields classify does not own are kept byte for byte', () => {
  const line = '{"text":"The stock market fell sharply", "n":12345678901234567890,"m":1e400, "s":"\\u00e9\\ud800","topic":"old","scores":{"x":1},"lang":null}';

  it('when the input has topic, scores and a null lang: those are replaced, everything else is kept as written', async () => {
    const dir = await ws.caseDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, `${line}\n`);
    for (const [name, args, stdin] of MODES) {
      const { lines, stderr } = await classify(dir, input, ['--all-scores', ...args], stdin);
      expect(lines, name).toHaveLength(1);
      // nothing is changed silently
      expect(stderr).toContain('1 line already had fields that classify writes (topic, topics, scores, lang, ...): they were replaced (--keep-existing keeps the old values under "replaced_fields")');
      const out = lines[0]!;
      expect(out.startsWith('{"text":"The stock market fell sharply", "n":12345678901234567890,"m":1e400, "s":"\\u00e9\\ud800","topic":'), `${name}: ${out}`).toBe(true);
      const o = JSON.parse(out) as Record<string, unknown>;
      expect(Object.keys(o)).toEqual(['text', 'n', 'm', 's', 'topic', 'topic_score', 'topics', 'lang', 'scores']);
      expect(o.topic).toBe('finance');
      expect(o.lang).toBe('en');
      expect(Object.keys(o.scores as object).sort()).toEqual(['finance', 'sports', 'tech']);
      expect(out).not.toContain('"old"');
    }
  });

  it('--keep-existing keeps the replaced values, as written, under replaced_fields; a second run nests the first', async () => {
    const dir = await ws.caseDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, `${line}\n`);
    const run = await classify(dir, input, ['--keep-existing']);
    expect(run.stderr).toContain('1 line already had fields that classify writes (topic, topics, scores, lang, ...): their old values are under "replaced_fields"');
    const first = run.lines[0]!;
    expect(first.endsWith(',"replaced_fields":{"topic":"old","scores":{"x":1},"lang":null}}'), first).toBe(true);
    const again = join(dir, 'again.jsonl');
    writeFileSync(again, `${first}\n`);
    const second = (await classify(dir, again, ['--keep-existing'])).lines[0]!;
    const o = JSON.parse(second) as { replaced_fields: Record<string, unknown> };
    // the first run's lang "en" is the input's own now, and kept; its tags and replaced_fields move under the new one
    expect(Object.keys(o.replaced_fields)).toEqual(['topic', 'topic_score', 'topics', 'replaced_fields']);
    expect(o.replaced_fields.replaced_fields).toEqual({ topic: 'old', scores: { x: 1 }, lang: null });
    expect(second.startsWith('{"text":"The stock market fell sharply", "n":12345678901234567890,"m":1e400, "s":"\\u00e9\\ud800","lang":"en","topic":')).toBe(true);
  });

  it('an escaped key is the field it decodes to; an own non-empty lang is kept in place', async () => {
    const dir = await ws.caseDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, '{"top\\u0069c":"old","lang":"fr","text":"The stock market fell sharply","id":1.50}\n');
    const out = (await classify(dir, input, [])).lines[0]!;
    expect(out.startsWith('{"lang":"fr","text":"The stock market fell sharply","id":1.50,"topic":"finance",')).toBe(true);
    expect(out).not.toContain('old');
  });

  it('--html-field: the text and extract_method are written, every other field is kept as written', async () => {
    const dir = await ws.caseDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, '{"html":"<p>The stock market fell sharply</p>","text":"old","n":12345678901234567890,"m":1e400}\n');
    const kept = (await classify(dir, input, ['--html-field', 'html', '--keep-existing'])).lines[0]!;
    expect(
      kept.startsWith('{"html":"<p>The stock market fell sharply</p>","n":12345678901234567890,"m":1e400,"text":"The stock market fell sharply","extract_method":"visible","topic":"finance"'),
    ).toBe(true);
    expect(kept.endsWith(',"replaced_fields":{"text":"old"}}')).toBe(true);
    const dropped = (await classify(dir, input, ['--html-field', 'html', '--drop-html'])).lines[0]!;
    expect(dropped.startsWith('{"n":12345678901234567890,"m":1e400,"text":"The stock market fell sharply","extract_method":"visible","topic":"finance"')).toBe(true);
  });
});

describe('a text field that classify would overwrite', () => {
  it('--field or --html-field naming a field classify writes is refused before anything is written', async () => {
    const dir = await ws.caseDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, '{"topic":"The stock market fell sharply"}\n');
    for (const flag of ['--field', '--html-field']) {
      const r = await runCli(['classify', input, '--model', ws.model, '-o', join(dir, 'out.jsonl'), flag, 'topic']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${flag} "topic" is a field classify writes (topic, abstain, topic_score, topics, tags, scores, topic_chunks, topic_parts): pick another field`);
      expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
    }
  });
});

describe('item 1: a deeply nested line does not stop the run', () => {
  const deep = (d: number): string => `${'['.repeat(d)}${']'.repeat(d)}`;

  it('10,000 and 100,000 levels: tagged when the text is there, an error record naming file, line and field when not, in every mode', async () => {
    const dir = await ws.caseDir();
    const input = join(dir, 'deep.jsonl');
    const lines = [
      `{"text":"The stock market fell sharply","topic":"old","a":${deep(10_000)}}`,
      `{"text":"The team won the match","a":${deep(100_000)}}`,
      `{"a":${deep(10_000)}}`,
      `{"text":${deep(10_000)}}`,
      '{"text":"The team won the match"}',
    ];
    writeFileSync(input, `${lines.join('\n')}\n`);
    let first: string[] | undefined;
    for (const [name, args, stdin] of MODES) {
      const r = await classify(dir, input, args, stdin);
      expect(r.stderr, name).toContain('read 5, tagged 3, errors 2');
      expect(r.lines[0]!.startsWith(`{"text":"The stock market fell sharply","a":${deep(10_000)},"topic":"finance",`), name).toBe(true);
      expect(r.lines[1]!.startsWith(`{"text":"The team won the match","a":${deep(100_000)},"topic":"sports",`), name).toBe(true);
      const errs = r.errors.map((e) => JSON.parse(e) as { file: string; line: number; field: string; error: string; raw: string });
      expect(
        errs.map((e) => [e.line, e.field, e.error]),
        name,
      ).toEqual([
        [3, 'text', 'missing_field'],
        [4, 'text', 'not_string'],
      ]);
      expect(errs.map((e) => e.file)).toEqual(stdin ? ['-', '-'] : [input, input]);
      expect(errs[0]!.raw).toBe(lines[2]);
      first ??= r.lines;
      expect(r.lines, name).toEqual(first);
    }
  });

  it('a deep value in the --report-group-by field counts as a missing group, with two workers too', async () => {
    const dir = await ws.caseDir();
    const input = join(dir, 'deep-group.jsonl');
    writeFileSync(input, `{"text":"The team won the match","g":${deep(10_000)}}\n{"text":"The stock market fell sharply","g":"news"}\n`);
    for (const workers of ['1', '2']) {
      const out = join(dir, `parts-${workers}`);
      const r = await runCli(['classify', input, '--model', ws.model, '--output-dir', out, '--shards', '1', '--report-group-by', 'g', '--report-tokenizer', 'chars', '--workers', workers]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('read 2, tagged 2, errors 0');
      const report = JSON.parse(readFileSync(join(out, 'part-00000.report.json'), 'utf8')) as { summary: { by_group_topic_lang: { group: string }[] } };
      expect([...new Set(report.summary.by_group_topic_lang.map((c) => c.group))]).toEqual(['(missing)', 'news']);
    }
  });

  it('--html-field with a deep field, one worker and two', async () => {
    const dir = await ws.caseDir();
    const input = join(dir, 'deep-html.jsonl');
    writeFileSync(input, `{"html":"<p>The team won the match</p>","topic":"old","a":${deep(10_000)}}\n{"html":"<p>The stock market fell sharply</p>"}\n`);
    for (const workers of ['1', '2']) {
      const r = await classify(dir, input, ['--html-field', 'html', '--workers', workers]);
      expect(r.stderr).toContain('read 2, tagged 2, errors 0');
      expect(r.lines[0]!.startsWith(`{"html":"<p>The team won the match</p>","a":${deep(10_000)},"text":"The team won the match","extract_method":"visible","topic":"sports"`)).toBe(true);
    }
  });
});
