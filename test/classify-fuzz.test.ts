/**
 * Property-based fuzz test of classify (issue 11): seeded hostile JSONL -- random bytes, deep nesting, huge
 * numbers, lone surrogates, NUL, BOM, CRLF, a missing final newline, duplicate and escaped keys, fields
 * classify owns -- run with 1 worker, 2 workers and stdin. For every run: read = tagged + errors = the input's
 * lines, every output line parses, each line is tagged or an error record as the generator expects, every
 * byte of the fields classify does not own is kept, and the three outputs (and error records) are identical.
 * The same input also goes through --keep-existing, and (seed 1) --html-field with 1 and 2 workers.
 * A failing seed replays exactly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelHandle, type ModelHandle } from '../src/classifier.js';
import { classifyFiles, type ClassifyCounts } from '../src/executor/run-pipeline.js';
import { trainModel } from '../src/train.js';
import { requireBuiltCli, runCli } from './cli-helpers.js';
import { rng } from './helpers/random.js';
import { TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

/** One generated input line and what classify must make of it. */
interface Case {
  bytes: Buffer;
  /** 'unknown': random bytes, only the accounting is checked */
  expect: 'tagged' | 'error' | 'unknown';
  /** error code the line must get */
  code?: string;
  /** tagged lines: the members classify does not own, as written, in input order */
  kept?: string[];
  /** tagged lines: the members classify replaces (its own fields), as written, in input order */
  owned?: string[];
  /** tagged lines: members named replaced_fields (kept, unless --keep-existing has something to put there) */
  prevReplaced?: string[];
  /** tagged lines: the input has its own non-empty lang (so no lang is written) */
  ownLang?: boolean;
}

const OWNED = ['"topic"', '"abstain"', '"topic_score"', '"topics"', '"tags"', '"scores"', '"topic_chunks"', '"topic_parts"', '"top\\u0069c"', '"sc\\u006fres"'];
const OTHER_KEYS = ['"id"', '"n"', '"url"', '"meta"', '""', '"x y"', '"\\u0041"', '"tópico"', '"text2"', '"Topic"', '"topic "', '"__proto__"', '"constructor"', '"\\ud800"', '"extract_method"'];
const NUMBERS = ['12345678901234567890', '-0', '1e400', '-1E-400', '0.1000000000000000055511151231257827', '1.50', '9007199254740993', '-12.5e+3', '0'];
const STRINGS = ['"plain"', '"\\u0000nul"', '"\\ud800 lone"', '"\\udfff\\ud800"', '"quote \\" and \\\\"', '"}]{[,:"', '"中文"', '"\\/"', '"\\ufeffbom"', '""', '"\\u2028"'];

function generator(seed: number) {
  const rnd = rng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const ws = (): string => pick(['', '', '', '', ' ', '\t', ' \r ', '  ']);
  const deep = (): string => {
    const d = pick([1_000, 5_000, 20_000]);
    const kind = int(3);
    if (kind === 0) return `${'['.repeat(d)}${']'.repeat(d)}`;
    if (kind === 1) return `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`;
    return `${'[{"b":'.repeat(d)}"x"${'}]'.repeat(d)}`;
  };
  const value = (depth = 0): string => {
    const k = int(depth > 1 ? 3 : 6);
    if (k === 0) return pick(NUMBERS);
    if (k === 1) return pick(STRINGS);
    if (k === 2) return pick(['true', 'false', 'null']);
    if (k === 3) return `[${ws()}${Array.from({ length: int(3) }, () => value(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
    if (k === 4) return `{${Array.from({ length: int(3) }, () => `${pick(OTHER_KEYS)}${ws()}:${ws()}${value(depth + 1)}`).join(',')}}`;
    return rnd() < 0.5 ? deep() : pick(NUMBERS);
  };
  const member = (key: string, v: string): string => `${key}${ws()}:${ws()}${v}`;
  const text = (): string => {
    const t = pick(TINY_EXAMPLES).text + pick(['', '', '\u0000', '\ud800', ' \u2028 ', '\ufeff', '\udc00x']);
    return JSON.stringify(t);
  };
  const object = (members: string[]): string => `${ws()}{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}${ws()}`;
  const shuffle = <T>(xs: T[]): T[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };

  /** A document classify must tag, with its kept and owned members. */
  const doc = (): Case => {
    const parts: { text: string; kind: 'kept' | 'owned' | 'prev' }[] = [{ text: member(pick(['"text"', '"t\\u0065xt"']), text()), kind: 'kept' }];
    for (let i = int(4); i > 0; i--) parts.push({ text: member(pick(OTHER_KEYS), value()), kind: 'kept' });
    for (let i = int(3); i > 0; i--) parts.push({ text: member(pick(OWNED), value()), kind: 'owned' });
    if (rnd() < 0.2) parts.push({ text: member('"replaced_fields"', value()), kind: 'prev' });
    let ownLang = false;
    if (rnd() < 0.4) {
      const v = pick(['"en"', '"fr"', '""', 'null', '3', deep(), '"\\ud800"']);
      ownLang = v.startsWith('"') && v !== '""';
      parts.push({ text: member('"lang"', v), kind: ownLang ? 'kept' : 'owned' });
    }
    shuffle(parts);
    const c: Case = {
      bytes: Buffer.from(object(parts.map((p) => p.text))),
      expect: 'tagged',
      kept: parts.filter((p) => p.kind !== 'owned').map((p) => p.text),
      owned: parts.filter((p) => p.kind === 'owned').map((p) => p.text),
      prevReplaced: parts.filter((p) => p.kind === 'prev').map((p) => p.text),
      ownLang,
    };
    return c;
  };

  const bad = (): Case => {
    const k = int(11);
    const err = (s: string | Buffer, code: string): Case => ({ bytes: typeof s === 'string' ? Buffer.from(s) : s, expect: 'error', code });
    if (k === 0) return err(object([member('"id"', value()), member('"a"', deep())]), 'missing_field');
    if (k === 1) return err(object([member('"text"', pick([...NUMBERS, 'null', 'true', '[]', '{}', deep()]))]), 'not_string');
    if (k === 2) return err(object([member('"text"', pick(['"   "', '""', '"\\t\\n"', '"\\u3000"'])), member('"n"', pick(NUMBERS))]), 'empty_text');
    if (k === 3) return err(pick(['[1,2]', '"str"', '42', 'null', `${ws()}[${deep()}]`]), 'not_object');
    if (k === 4) return err(pick(['{"text":"a"', '{"text":"a"} x', '{"text":"a",}', `{"text":"a","d":${'['.repeat(3000)}}`, '{text:"a"}', "{'text':'a'}", '{"text":"a"}{}']), 'invalid_json');
    if (k === 5) return err(Buffer.concat([Buffer.from('{"text":"raw NUL '), Buffer.from([0]), Buffer.from('"}')]), 'invalid_json');
    if (k === 6) return err(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"text":"a BOM that is not at the start of the file"}')]), 'invalid_json');
    if (k === 7) return err(pick(['', ' ', '\t', ' \r ']), 'invalid_json');
    // invalid UTF-8: a lone surrogate encoded as bytes, a stray continuation byte, a truncated sequence
    if (k === 8) return err(Buffer.concat([Buffer.from('{"text":"'), Buffer.from(pick([[0xed, 0xa0, 0x80], [0x80], [0xe4, 0xb8], [0xff]])), Buffer.from('"}')]), 'invalid_utf8');
    if (k === 9) return err(object([member('"text"', '"a\tb"')]), 'invalid_json'); // raw control character in a string
    // random bytes (no newline)
    const b = Buffer.alloc(1 + int(120));
    for (let i = 0; i < b.length; i++) b[i] = int(255) + (rnd() < 0.5 ? 0 : 1);
    for (let i = 0; i < b.length; i++) if (b[i] === 0x0a) b[i] = 0x0b;
    return { bytes: b, expect: 'unknown' };
  };

  return {
    /** A whole input file: lines with \n or \r\n, maybe a BOM first and no final newline. */
    file(n: number): { bytes: Buffer; cases: Case[] } {
      const cases: Case[] = [];
      const chunks: Buffer[] = [];
      if (rnd() < 0.5) chunks.push(Buffer.from([0xef, 0xbb, 0xbf]));
      for (let i = 0; i < n; i++) {
        let c = rnd() < 0.6 ? doc() : bad();
        // a BOM on the first line would be the file's own (skipped)
        while (i === 0 && c.bytes[0] === 0xef) c = bad();
        cases.push(c);
        chunks.push(c.bytes);
        if (i < n - 1 || rnd() < 0.5) chunks.push(Buffer.from(rnd() < 0.3 ? '\r\n' : '\n'));
      }
      return { bytes: Buffer.concat(chunks), cases };
    },
  };
}

const TAG_KEYS = ['topic', 'abstain', 'topic_score', 'topics', 'lang', 'replaced_fields'];
/** The --html-field pass reads the HTML from `text` and writes the extracted text to `body` (and extract_method). */
const HTML_KEYS = ['body', 'extract_method'];

interface Mode {
  keepExisting?: boolean;
  html?: boolean;
}

/**
 * Checks one output line against its case: `{`, the kept members byte for byte in input order with only
 * whitespace and one comma between them, then classify's own fields and nothing else.
 */
function checkTagged(out: string, c: Case, mode: Mode, where: string): void {
  const replacing = mode.keepExisting === true && c.owned!.length > 0;
  let kept = replacing ? c.kept!.filter((m) => !c.prevReplaced!.includes(m)) : c.kept!;
  if (mode.html) kept = kept.filter((m) => !m.startsWith('"extract_method"'));
  let pos = 0;
  for (let i = 0; i < kept.length; i++) {
    const at = out.indexOf(kept[i]!, pos);
    expect(at, `${where}: member ${i} of the input kept byte for byte`).toBeGreaterThanOrEqual(0);
    expect(/^[ \t\r\n]*$/.test(out.slice(pos, at).replace(i === 0 ? '{' : ',', '')), `${where}: only a separator before kept member ${i}`).toBe(true);
    pos = at + kept[i]!.length;
  }
  if (kept.length === 0) pos = out.indexOf('{') + 1;
  const tail = out.slice(pos).replace(/^[ \t\r\n]*,?/, '');
  const tags = JSON.parse(`{${tail}`) as Record<string, unknown>;
  const keys = Object.keys(tags);
  expect(
    keys.every((k) => TAG_KEYS.includes(k) || (mode.html === true && HTML_KEYS.includes(k))),
    `${where}: only classify's fields after the input's: ${keys.join(',')}`,
  ).toBe(true);
  expect(Object.hasOwn(tags, 'lang'), `${where}: lang written unless the input has its own`).toBe(!c.ownLang);
  expect(typeof tags.topic_score).toBe('number');
  if (mode.html) expect(typeof tags.body === 'string' && tags.body.length > 0, `${where}: the extracted text is written`).toBe(true);
  if (replacing) expect(tail.endsWith(`,"replaced_fields":{${[...c.owned!, ...c.prevReplaced!].join(',')}}}`), `${where}: replaced_fields holds the old members as written`).toBe(true);
  else expect(keys).not.toContain('replaced_fields');
}

function lineCount(bytes: Buffer): number {
  let n = 0;
  for (const b of bytes) if (b === 0x0a) n++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? n + 1 : n;
}

interface Run {
  counts: ClassifyCounts;
  out: Buffer;
  /** error records without file and message (stdin names the file '-') */
  errors: { line: number; error: string; field?: string }[];
}

function readErrors(path: string): Run['errors'] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const e = JSON.parse(l) as { line: number; error: string; field?: string };
      return { line: e.line, error: e.error, ...(e.field !== undefined && { field: e.field }) };
    });
}

let dir: string;
let model: ModelHandle;

beforeAll(async () => {
  requireBuiltCli(); // the worker threads run the built worker script
  dir = tempDir('topicmix-fuzz-');
  writeJsonl(join(dir, 'train.jsonl'), TINY_EXAMPLES);
  await trainModel({ data: [join(dir, 'train.jsonl')], out: join(dir, 'model'), buckets: 4096 });
  model = await loadModelHandle(join(dir, 'model'), { batchSize: 64 });
}, 60_000);

describe('classify fuzz (seeded hostile JSONL)', () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: 1 worker, 2 workers and stdin agree, account for every line and keep the input's bytes`, async () => {
      const { bytes, cases } = generator(seed).file(700);
      const input = join(dir, `fuzz-${seed}.jsonl`);
      writeFileSync(input, bytes);
      const lines = lineCount(bytes);
      expect(lines).toBe(cases.length);
      // big enough that two workers get several pieces of the file
      expect(bytes.length).toBeGreaterThan(1 << 20);

      const inProcess = async (workers: number, mode: Mode = {}): Promise<Run> => {
        const output = join(dir, `out-${seed}-${workers}-${mode.keepExisting === true}-${mode.html === true}.jsonl`);
        const html = mode.html ? { htmlField: 'text', field: 'body' } : {};
        const counts = await classifyFiles(model, { inputs: [input], output, workers, keepExisting: mode.keepExisting === true, ...html });
        return { counts, out: readFileSync(output), errors: readErrors(output.replace(/\.jsonl$/, '.errors.jsonl')) };
      };
      const viaStdin = async (): Promise<Run> => {
        const output = join(dir, `out-${seed}-stdin.jsonl`);
        const r = await runCli(['classify', '-', '--model', join(dir, 'model'), '-o', output, '--batch-size', '64'], { input: bytes });
        expect(r.code, r.stderr).toBe(0);
        const m = /read (\d+), tagged (\d+), errors (\d+)/.exec(r.stderr)!;
        const replaced = /(\d+) lines? already had fields that classify writes/.exec(r.stderr);
        return {
          counts: { read: +m[1]!, tagged: +m[2]!, errors: +m[3]!, bytes: 0, ...(replaced && { replaced: +replaced[1]! }) },
          out: readFileSync(output),
          errors: readErrors(output.replace(/\.jsonl$/, '.errors.jsonl')),
        };
      };
      const runs: [string, Run][] = [
        ['1 worker', await inProcess(1)],
        ['2 workers', await inProcess(2)],
        ['stdin', await viaStdin()],
      ];
      const keep = await inProcess(1, { keepExisting: true });
      // HTML extraction is the slow step: one seed is enough for it
      const html: [string, Run][] =
        seed === 1
          ? [
              ['1 worker --html-field', await inProcess(1, { html: true })],
              ['2 workers --html-field', await inProcess(2, { html: true })],
            ]
          : [];
      const modes = new Map<Run, Mode>([[keep, { keepExisting: true }], ...html.map(([, r]): [Run, Mode] => [r, { html: true }])]);

      for (const [name, r] of [...runs, ['1 worker --keep-existing', keep] as [string, Run], ...html]) {
        const outLines = r.out.toString('utf8').split('\n');
        expect(outLines.pop(), `${name}: output ends with a newline`).toBe('');
        expect([r.counts.read, r.counts.tagged, r.counts.errors], name).toEqual([lines, outLines.length, r.errors.length]);
        expect(r.counts.tagged + r.counts.errors, name).toBe(r.counts.read);
        // every line is in exactly one place: the output (in input order) or an error record
        const bad = new Set(r.errors.map((e) => e.line));
        expect(bad.size, name).toBe(r.errors.length);
        let o = 0;
        for (let i = 0; i < cases.length; i++) {
          const c = cases[i]!;
          const where = `${name}, seed ${seed}, line ${i + 1}`;
          if (bad.has(i + 1)) {
            expect(c.expect, `${where}: ${JSON.stringify(r.errors.find((e) => e.line === i + 1))}`).not.toBe('tagged');
            if (c.code !== undefined) expect(r.errors.find((e) => e.line === i + 1)!.error, where).toBe(c.code);
            continue;
          }
          expect(c.expect, `${where} was tagged`).not.toBe('error');
          const out = outLines[o++]!;
          expect(() => JSON.parse(out), where).not.toThrow();
          if (c.expect === 'tagged') checkTagged(out, c, modes.get(r) ?? {}, where);
        }
        expect(o).toBe(outLines.length);
      }
      // the same bytes whatever the mode
      for (const [name, r] of runs.slice(1)) {
        expect(r.out.equals(runs[0]![1].out), `${name} output = 1 worker output`).toBe(true);
        expect(r.errors, name).toEqual(runs[0]![1].errors);
      }
      if (html.length) {
        expect(html[1]![1].out.equals(html[0]![1].out), '--html-field: 2 workers output = 1 worker output').toBe(true);
        expect(html[1]![1].errors).toEqual(html[0]![1].errors);
      }
      // lines whose own fields were replaced are counted (and said on stderr)
      const replaced = cases.filter((c) => c.expect === 'tagged' && c.owned!.length > 0).length;
      expect(replaced).toBeGreaterThan(50);
      for (const r of [...runs.map(([, x]) => x), keep]) expect(r.counts.replaced).toBe(replaced);
      const tagged = cases.filter((c) => c.expect === 'tagged').length;
      expect(runs[0]![1].counts.tagged).toBeGreaterThanOrEqual(tagged);
    }, 60_000);
  }
});
