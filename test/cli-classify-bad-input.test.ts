/**
 * Bad input lines, each its own test, and a 50 MB line. Most cases run in-process through the public API
 * (runPipeline); one case and the 50 MB line also spawn the built CLI (dist/cli/main.js; `npm run build`
 * first), which must give the same records, summary and exit code. A tiny model is trained once.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { loadClassifier, runPipeline, type Classifier } from '../src/index.js';
import { LABELS, buildInput, good, parseJsonl, runCli, summary, useTinyModel, type ErrorRec, type Out } from './cli-helpers.js';

const ws = useTinyModel('topicmix-cli-bad-input-');
const caseDir = (): Promise<string> => ws.caseDir();
let clf: Classifier;
beforeAll(async () => {
  clf = await loadClassifier(ws.model, { backend: 'cpu' });
});

interface BadLine {
  /** The line as written to the file. */
  line: string | Buffer;
  error: string;
  field?: string;
  /** Text the message has after `<file>:<line>: `. */
  message: string | RegExp;
  /** Whether the record keeps the line in `raw` (not possible for invalid UTF-8), or the `raw` expected. */
  raw: boolean | string;
}

/**
 * Writes good lines around the bad ones (good, bad..., good, good), classifies the file and checks the
 * whole contract: exit 0, output = the good lines in order with every input field kept, one error record
 * per bad line naming file, line, field, byte position and raw line, and read = tagged + errors.
 */
async function classifyWithBadLines(bad: BadLine[], o: { field?: string; via?: 'library' | 'cli' } = {}): Promise<void> {
  const field = o.field ?? 'text';
  const dir = await caseDir();
  const lines: (string | Buffer)[] = [];
  const mk = (n: number): string => (field === 'text' ? good(n) : JSON.stringify({ id: `L${n}`, [field]: 'Tennis star wins the open' }));
  lines.push(mk(1));
  for (const b of bad) lines.push(b.line);
  lines.push(mk(lines.length + 1), mk(lines.length + 2));
  const { bytes, offsets, lengths } = buildInput(lines);
  const input = join(dir, 'in.jsonl');
  await writeFile(input, bytes);
  const output = join(dir, 'out.jsonl');

  const n = lines.length;
  if (o.via === 'cli') {
    const r = await runCli(['classify', '--model', ws.model, input, '-o', output, ...(o.field ? ['--field', o.field] : [])]);
    expect(r.stderr).not.toMatch(/topicmix: /);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(summary(r.stderr)).toEqual({ read: n, tagged: n - bad.length, errors: bad.length });
  } else {
    const counts = await runPipeline({ model: clf, inputs: [input], output, ...(o.field && { field: o.field }) });
    expect({ read: counts.read, tagged: counts.tagged, errors: counts.errors }).toEqual({ read: n, tagged: n - bad.length, errors: bad.length });
  }

  const out = parseJsonl<Out>(await readFile(output, 'utf8'));
  const goodLines = [1, n - 1, n];
  expect(out.map((o) => o.id)).toEqual(goodLines.map((l) => `L${l}`));
  for (const o of out) {
    const src = JSON.parse(lines[Number((o.id as string).slice(1)) - 1] as string) as Record<string, unknown>;
    for (const [k, v] of Object.entries(src)) expect(o[k]).toEqual(v);
    expect(LABELS).toContain(o.topic);
  }

  const errs = parseJsonl<ErrorRec>(await readFile(join(dir, 'out.errors.jsonl'), 'utf8'));
  expect(errs.map((e) => e.line)).toEqual(bad.map((_, i) => i + 2));
  // every line is in exactly one place
  expect([...goodLines, ...errs.map((e) => e.line)].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  errs.forEach((e, i) => {
    const b = bad[i]!;
    const line = i + 2;
    expect(e.file).toBe(input);
    expect(e.error).toBe(b.error);
    if (b.field === undefined) expect(e).not.toHaveProperty('field');
    else expect(e.field).toBe(b.field);
    const prefix = `${input}:${line}: `;
    expect(e.message.startsWith(prefix)).toBe(true);
    if (typeof b.message === 'string') expect(e.message.slice(prefix.length)).toBe(b.message);
    else expect(e.message.slice(prefix.length)).toMatch(b.message);
    expect(e.byte_offset).toBe(offsets[line - 1]);
    expect(e.byte_length).toBe(lengths[line - 1]);
    if (typeof b.raw === 'string') expect(e.raw).toBe(b.raw);
    else if (b.raw) expect(e.raw).toBe(b.line.toString());
    else expect(e).not.toHaveProperty('raw');
  });
}

describe.concurrent('classify: bad lines become error records', () => {
  it('malformed JSON (in-process and through the binary)', async () => {
    const lines: BadLine[] = [
      { line: '{"id":"x", "text": "unterminated', error: 'invalid_json', message: /^invalid JSON: /, raw: true },
      { line: '{"id":"y" "text":"no comma"}', error: 'invalid_json', message: /^invalid JSON: /, raw: true },
      { line: 'not json at all', error: 'invalid_json', message: /^invalid JSON: /, raw: true },
    ];
    await classifyWithBadLines(lines);
    await classifyWithBadLines(lines, { via: 'cli' });
  });

  it('a line that is not an object: array, number, null, string', async () => {
    await classifyWithBadLines([
      { line: '[{"text":"The stock market fell sharply"}]', error: 'not_object', message: 'expected a JSON object, got array', raw: true },
      { line: '42', error: 'not_object', message: 'expected a JSON object, got number', raw: true },
      { line: 'null', error: 'not_object', message: 'expected a JSON object, got null', raw: true },
      { line: '"The stock market fell sharply"', error: 'not_object', message: 'expected a JSON object, got string', raw: true },
    ]);
  });

  it('missing text field', async () => {
    await classifyWithBadLines([
      { line: '{"id":"x","body":"The stock market fell sharply"}', error: 'missing_field', field: 'text', message: 'field "text" is missing', raw: true },
      { line: '{}', error: 'missing_field', field: 'text', message: 'field "text" is missing', raw: true },
    ]);
  });

  it('missing field named by --field', async () => {
    await classifyWithBadLines([{ line: '{"id":"x","text":"The stock market fell sharply"}', error: 'missing_field', field: 'body', message: 'field "body" is missing', raw: true }], {
      field: 'body',
    });
  });

  it('non-string text', async () => {
    await classifyWithBadLines([
      { line: '{"id":"x","text":42}', error: 'not_string', field: 'text', message: 'field "text" must be a string, got number', raw: true },
      { line: '{"id":"y","text":null}', error: 'not_string', field: 'text', message: 'field "text" must be a string, got null', raw: true },
      { line: '{"id":"z","text":["a","b"]}', error: 'not_string', field: 'text', message: 'field "text" must be a string, got array', raw: true },
      { line: '{"id":"w","text":{"body":"x"}}', error: 'not_string', field: 'text', message: 'field "text" must be a string, got object', raw: true },
    ]);
  });

  it('empty and whitespace-only text, and blank lines', async () => {
    await classifyWithBadLines([
      { line: '{"id":"x","text":""}', error: 'empty_text', field: 'text', message: 'field "text" is empty or whitespace-only', raw: true },
      { line: '{"id":"y","text":"  \\t\\n  \\u3000"}', error: 'empty_text', field: 'text', message: 'field "text" is empty or whitespace-only', raw: true },
      { line: '', error: 'invalid_json', message: 'empty line', raw: true },
      // blank lines are kept as '' (the line reader's documented normalisation); byte_length still says 3
      { line: '   ', error: 'invalid_json', message: 'empty line', raw: '' },
    ]);
  });

  it('invalid UTF-8 bytes in a line', async () => {
    const prefix = Buffer.from('{"id":"x","text":"股市');
    await classifyWithBadLines([
      // a lone continuation byte and an invalid lead byte after valid Chinese
      { line: Buffer.concat([prefix, Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), error: 'invalid_utf8', message: `invalid UTF-8 at byte ${prefix.length} of the line`, raw: false },
      // a truncated 3-byte sequence (first two bytes of 股) followed by ASCII
      { line: Buffer.concat([Buffer.from('{"text":"ab'), Buffer.from([0xe8, 0x82]), Buffer.from('c"}')]), error: 'invalid_utf8', message: 'invalid UTF-8 at byte 11 of the line', raw: false },
    ]);
  });
});

describe('classify: a 50 MB single line', () => {
  let dir: string;
  let input: string;
  let bigLen: number;
  let bigText: number;
  const sentence = 'The stock market fell sharply 股市大幅下跌 ';

  beforeAll(async () => {
    dir = await caseDir();
    input = join(dir, 'big.jsonl');
    const ws = createWriteStream(input);
    const head = '{"id":"L2","text":"';
    const block = sentence.repeat(4096);
    const blocks = Math.ceil((50 * 1024 * 1024) / Buffer.byteLength(block));
    ws.write(good(1, 'Tennis star wins the open') + '\n' + head);
    for (let i = 0; i < blocks; i++) if (!ws.write(block)) await once(ws, 'drain');
    ws.end('"}\n' + good(3, '银行上调利率') + '\n');
    await once(ws, 'finish');
    bigText = blocks * block.length;
    bigLen = Buffer.byteLength(head) + blocks * Buffer.byteLength(block) + 2;
  });

  it('is classified in chunks (topic_chunks > 1)', async () => {
    const output = join(dir, 'out.jsonl');
    const r = await runCli(['classify', '--model', ws.model, input, '-o', output], { env: { NODE_OPTIONS: '--max-old-space-size=512' } });
    expect(r.stderr).not.toMatch(/topicmix: /);
    expect(r.code).toBe(0);
    expect(summary(r.stderr)).toEqual({ read: 3, tagged: 3, errors: 0 });
    const out = parseJsonl<Out>(await readFile(output, 'utf8'));
    expect(out.map((o) => o.id)).toEqual(['L1', 'L2', 'L3']);
    const big = out[1]!;
    expect(big.text as string).toHaveLength(bigText);
    expect(big.topic_chunks).toBeGreaterThan(1);
    expect(big.topic).toBe('finance');
    expect(big.lang).toBe('mixed');
    expect(out[0]).not.toHaveProperty('topic_chunks');
    expect([out[0]!.topic, out[2]!.topic]).toEqual(['sports', 'finance']);
  });

  it('is rejected with an error record over --max-line-bytes', async () => {
    const output = join(dir, 'out-limited.jsonl');
    const limit = 1024 * 1024;
    const r = await runCli(['classify', '--model', ws.model, input, '-o', output, '--max-line-bytes', String(limit)], {
      env: { NODE_OPTIONS: '--max-old-space-size=512' },
    });
    expect(r.code).toBe(0);
    expect(summary(r.stderr)).toEqual({ read: 3, tagged: 2, errors: 1 });
    expect(parseJsonl<Out>(await readFile(output, 'utf8')).map((o) => o.id)).toEqual(['L1', 'L3']);
    const errs = parseJsonl<ErrorRec>(await readFile(join(dir, 'out-limited.errors.jsonl'), 'utf8'));
    expect(errs).toEqual([
      {
        file: input,
        line: 2,
        error: 'line_too_long',
        message: `${input}:2: line is ${bigLen} bytes, over the limit of ${limit} bytes`,
        byte_offset: Buffer.byteLength(good(1, 'Tennis star wins the open')) + 1,
        byte_length: bigLen,
      },
    ]);
  });
});
