/**
 * End-to-end tests of `topicmix classify`: output contract, failures that must leave no output, and
 * unreadable models. They spawn the built CLI (dist/cli/main.js; `npm run build` first) with a tiny
 * model trained once in beforeAll. Bad input lines: cli-classify-bad-input.test.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI, LABELS, ROOT, escapeRe, good, parseJsonl, runCli, stderrRecords, summary, tempFiles, useTinyModel, writeJsonl, type ErrorRec, type Out } from './cli-helpers.js';

const ws = useTinyModel('topicmix-cli-classify-');
const caseDir = (): Promise<string> => ws.caseDir();

describe.concurrent('classify: output', () => {
  const docs = [
    { id: 1, text: '股市大幅下跌', meta: { src: 'a', tags: ['x', 1, null] }, n: 1.5 },
    { id: 2, text: 'The team won the football match', lang: 'fr' },
    { id: 3, text: 'The new smartphone has a faster chip', lang: '' },
    { id: 4, text: 'The stock market fell sharply 股市大幅下跌' },
    { id: 5, text: 'Привет, как дела у вас сегодня' },
    { id: 6, text: 'Tennis star wins the open', topic: 'stale', topic_score: 'old', scores: 7 },
  ];

  it('keeps every input field and adds topic, topic_score, topics, lang', async () => {
    const dir = await caseDir();
    const input = await writeJsonl(join(dir, 'in.jsonl'), docs);
    const output = join(dir, 'out.jsonl');
    const r = await runCli(['classify', '--model', ws.model, input, '-o', output]);
    expect(r.code).toBe(0);
    expect(summary(r.stderr)).toEqual({ read: 6, tagged: 6, errors: 0 });
    // no errors: no errors file
    expect(existsSync(join(dir, 'out.errors.jsonl'))).toBe(false);
    const out = parseJsonl<Out>(await readFile(output, 'utf8'));
    expect(out).toHaveLength(docs.length);
    out.forEach((o, i) => {
      const src = docs[i]!;
      for (const [k, v] of Object.entries(src)) if (!['topic', 'topic_score', 'scores', 'lang'].includes(k)) expect(o[k]).toEqual(v);
      expect(LABELS).toContain(o.topic);
      expect(o.topics).toHaveLength(3); // default --top-k 3 (= all labels here)
      expect(o.topics.map((t) => t.label).sort()).toEqual([...LABELS]);
      expect(o.topics[0]!.label).toBe(o.topic);
      expect(o.topics[0]!.score).toBe(o.topic_score);
      for (let j = 1; j < o.topics.length; j++) expect(o.topics[j - 1]!.score).toBeGreaterThanOrEqual(o.topics[j]!.score);
      expect(o).not.toHaveProperty('scores');
      expect(o).not.toHaveProperty('topic_chunks');
    });
    expect(out.map((o) => o.topic)).toEqual(['finance', 'sports', 'tech', 'finance', out[4]!.topic, 'sports']);
    // detected lang, except an input's own non-empty string lang
    expect(out.map((o) => o.lang)).toEqual(['zh', 'fr', 'en', 'mixed', 'other', 'en']);
  });

  it('--top-k, --threshold, --all-scores', async () => {
    const dir = await caseDir();
    const input = await writeJsonl(join(dir, 'in.jsonl'), docs);
    const [k1hi, all, k9] = await Promise.all([
      runCli(['classify', '--model', ws.model, input, '--top-k', '1', '--threshold', '1']),
      runCli(['classify', '--model', ws.model, input, '--all-scores', '--top-k', '2']),
      runCli(['classify', '--model', ws.model, input, '--top-k', '9']),
    ]);
    for (const r of [k1hi, all, k9]) expect(r.code).toBe(0);
    for (const o of parseJsonl<Out>(k9.stdout)) expect(o.topics).toHaveLength(3);
    for (const o of parseJsonl<Out>(k1hi.stdout)) {
      expect(o.topics).toHaveLength(1);
      expect(o.topic).toBeNull();
      expect(o.topic_score).toBeGreaterThan(0);
      expect(o.topics[0]!.score).toBe(o.topic_score);
    }
    for (const o of parseJsonl<Out>(all.stdout)) {
      expect(o.topics).toHaveLength(2);
      expect(o.topic).toBe(o.topics[0]!.label);
      expect(Object.keys(o.scores!).sort()).toEqual([...LABELS]);
      const sum = Object.values(o.scores!).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 2);
      expect(o.scores![o.topic!]).toBe(o.topic_score);
    }
    const bad = await runCli(['classify', '--model', ws.model, input, '--threshold', '1.5']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--threshold must be a number in \[0, 1\], got "1.5"/);
    expect(bad.stdout).toBe('');
  });

  it('stdin to stdout: stdout is exactly the JSONL results, errors and the summary go to stderr', async () => {
    const lines = [good(1), '{"id":"L2", oops', good(3, '银行上调利率'), '[]', good(5, 'Programmers write code in TypeScript')];
    const input = lines.join('\n') + '\n';
    const env = { DOTENV_CONFIG_QUIET: '' };
    // the cpu backend is the one whose first use warns "Hi, looks like you are running TensorFlow.js in Node.js"
    const [piped, dash] = await Promise.all([runCli(['classify', '--model', ws.model], { input, env }), runCli(['classify', '--model', ws.model, '-o', '-', '-', '--backend', 'cpu'], { input, env })]);
    for (const r of [piped, dash]) {
      expect(r.code).toBe(0);
      const out = parseJsonl<Out>(r.stdout); // throws on any non-JSON line (tfjs / dotenv banners)
      expect(out.map((o) => o.id)).toEqual(['L1', 'L3', 'L5']);
      expect(out.map((o) => o.topic)).toEqual(['finance', 'finance', 'tech']);
      const errs = stderrRecords(r.stderr);
      expect(errs.map((e) => [e.file, e.line, e.error])).toEqual([
        ['-', 2, 'invalid_json'],
        ['-', 4, 'not_object'],
      ]);
      expect(errs[0]!.message.startsWith('<stdin>:2: invalid JSON')).toBe(true);
      expect(summary(r.stderr)).toEqual({ read: 5, tagged: 3, errors: 2 });
    }
  });

  it('.jsonl.gz input and output; several inputs; errors next to the output', async () => {
    const dir = await caseDir();
    const a = join(dir, 'a.jsonl.gz');
    await writeFile(a, gzipSync([good(1), '{"id":"A2","text":5}', good(3)].join('\n') + '\n'));
    const b = await writeJsonl(join(dir, 'b.jsonl'), [{ id: 'B1', text: '网球明星赢得公开赛' }]);
    const output = join(dir, 'out.jsonl.gz');
    const r = await runCli(['classify', '--model', ws.model, a, b, '-o', output]);
    expect(r.code).toBe(0);
    expect(summary(r.stderr)).toEqual({ read: 4, tagged: 3, errors: 1 });
    const gz = await readFile(output);
    expect(gz.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const out = parseJsonl<Out>(gunzipSync(gz).toString('utf8'));
    expect(out.map((o) => [o.id, o.topic])).toEqual([
      ['L1', 'finance'],
      ['L3', 'finance'],
      ['B1', 'sports'],
    ]);
    const errs = parseJsonl<ErrorRec>(await readFile(join(dir, 'out.errors.jsonl'), 'utf8'));
    expect(errs.map((e) => [e.file, e.line, e.field, e.error])).toEqual([[a, 2, 'text', 'not_string']]);
    expect(errs[0]!.byte_offset).toBe(good(1).length + 1); // offsets in the decompressed stream
  });

  it('--errors puts the error records where asked (and not at the default path)', async () => {
    const dir = await caseDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, [good(1), '42', good(3)].join('\n') + '\n');
    const errors = join(dir, 'sub', 'bad.jsonl');
    const r = await runCli(['classify', '--model', ws.model, input, '-o', join(dir, 'out.jsonl'), '--errors', errors]);
    expect(r.code).toBe(0);
    expect(parseJsonl<ErrorRec>(await readFile(errors, 'utf8')).map((e) => [e.line, e.error])).toEqual([[2, 'not_object']]);
    expect(existsSync(join(dir, 'out.errors.jsonl'))).toBe(false);
    expect(stderrRecords(r.stderr)).toEqual([]);
  });
});

describe.concurrent('classify: failures leave no output', () => {
  it('a missing input file: clear error naming it, exit 1, no output file', async () => {
    const dir = await caseDir();
    const input = await writeJsonl(join(dir, 'in.jsonl'), [{ id: 1, text: 'Bond yields rose today' }]);
    const missing = join(dir, 'missing.jsonl');
    const r = await runCli(['classify', '--model', ws.model, input, missing, '-o', join(dir, 'out.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`topicmix: input not found: ${missing}`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
    expect(existsSync(join(dir, 'out.errors.jsonl'))).toBe(false);
    expect(await tempFiles(dir)).toEqual([]);
  });

  it('an input that fails mid-run (corrupt gzip after good data): exit 1, no output, no temp file left', async () => {
    const dir = await caseDir();
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: i, text: `The stock market fell sharply on day ${i}` }));
    const first = await writeJsonl(join(dir, 'first.jsonl'), rows);
    const gz = gzipSync(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const corrupt = join(dir, 'second.jsonl.gz');
    await writeFile(corrupt, gz.subarray(0, Math.floor(gz.length / 2)));
    const output = join(dir, 'out.jsonl');
    const r = await runCli(['classify', '--model', ws.model, first, corrupt, '-o', output]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`topicmix: ${escapeRe(corrupt)}: corrupt gzip data after line \\d+`));
    expect(existsSync(output)).toBe(false);
    expect(await tempFiles(dir)).toEqual([]);
  });

  it('--max-errors N: stops with exit code 2, no output under the final name, error records kept', async () => {
    const dir = await caseDir();
    const lines = Array.from({ length: 10 }, (_, i) => ([3, 6, 9].includes(i + 1) ? `{"id":"L${i + 1}"` : good(i + 1)));
    const input = join(dir, 'in.jsonl');
    await writeFile(input, lines.join('\n') + '\n');
    const output = join(dir, 'out.jsonl');
    const r = await runCli(['classify', '--model', ws.model, input, '-o', output, '--max-errors', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stopped: 2 bad lines, more than --max-errors 1; no output written');
    // stopped at line 6: lines 1-6 read, of which 2 bad
    expect(summary(r.stderr)).toEqual({ read: 6, tagged: 4, errors: 2 });
    expect(existsSync(output)).toBe(false);
    expect(await tempFiles(dir)).toEqual([]);
    const errs = parseJsonl<ErrorRec>(await readFile(join(dir, 'out.errors.jsonl'), 'utf8'));
    expect(errs.map((e) => e.line)).toEqual([3, 6]);

    // at the limit is not over it
    const ok = await runCli(['classify', '--model', ws.model, input, '-o', output, '--max-errors', '3']);
    expect(ok.code).toBe(0);
    expect(summary(ok.stderr)).toEqual({ read: 10, tagged: 7, errors: 3 });
    expect(parseJsonl<Out>(await readFile(output, 'utf8'))).toHaveLength(7);
  });

  it('--max-errors 0 on stdout: the good lines read before the stop are still accounted for', async () => {
    const input = [good(1), good(2), 'null', good(4)].join('\n') + '\n';
    const r = await runCli(['classify', '--model', ws.model, '--max-errors', '0'], { input });
    expect(r.code).toBe(2);
    expect(summary(r.stderr)).toEqual({ read: 3, tagged: 2, errors: 1 });
    expect(parseJsonl<Out>(r.stdout).map((o) => o.id)).toEqual(['L1', 'L2']);
    expect(stderrRecords(r.stderr).map((e) => e.line)).toEqual([3]);
    expect(r.stderr).toContain('stopped: 1 bad lines, more than --max-errors 0; output ends with the lines read before the stop');
  });

  it('SIGKILL mid-run: the final path does not exist, only a temp file', async () => {
    const dir = await caseDir();
    const output = join(dir, 'out.jsonl');
    const child = spawn(process.execPath, [CLI, 'classify', '--model', ws.model, '-o', output], { cwd: ROOT, stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = once(child, 'exit');
    child.stdin.on('error', () => undefined);
    // 4,000 lines (~300 KB) go through several batches and 64 KiB writes; stdin stays open, so the run cannot finish
    const chunk = Array.from({ length: 4000 }, (_, i) => good(i)).join('\n') + '\n';
    child.stdin.write(chunk);
    let temp: string | undefined;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const t = (await tempFiles(dir)).find((f) => f.startsWith('.out.jsonl.tmp-'));
      if (t && (await stat(join(dir, t))).size > 0) {
        temp = t;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    const [code, signal] = await exited;
    expect(temp, 'the temp output never received data').toBeDefined();
    expect(code).toBeNull();
    expect(signal).toBe('SIGKILL');
    expect(existsSync(output)).toBe(false);
    expect(existsSync(join(dir, temp!))).toBe(true);
  });
});

describe.concurrent('classify: unreadable models', () => {
  async function expectModelError(modelDir: string, ...mustContain: string[]): Promise<void> {
    const dir = await caseDir();
    const input = await writeJsonl(join(dir, 'in.jsonl'), [{ text: 'Bond yields rose today' }]);
    const output = join(dir, 'out.jsonl');
    const r = await runCli(['classify', '--model', modelDir, input, '-o', output]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    for (const s of mustContain) expect(r.stderr).toContain(s);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(output)).toBe(false);
    expect(await tempFiles(dir)).toEqual([]);
  }

  it('missing model directory', async () => {
    const missing = join(ws.tmp, 'no-such-model');
    await expectModelError(missing, `topicmix: model: directory not found: ${missing}`);
  });

  it('model directory without model.json', async () => {
    const d = join(ws.tmp, 'empty-model');
    await mkdir(d, { recursive: true });
    await copyFile(join(ws.model, 'weights.bin'), join(d, 'weights.bin'));
    await expectModelError(d, `topicmix: model: cannot read ${join(d, 'model.json')}: ENOENT`);
  });

  it('model.json that is not JSON', async () => {
    const d = join(ws.tmp, 'garbled-model');
    await mkdir(d, { recursive: true });
    await copyFile(join(ws.model, 'weights.bin'), join(d, 'weights.bin'));
    await writeFile(join(d, 'model.json'), '{"format": "layers-model",');
    await expectModelError(d, `topicmix: model: ${join(d, 'model.json')} is not valid JSON`);
  });

  it('weights.bin missing', async () => {
    const d = join(ws.tmp, 'no-weights-model');
    await mkdir(d, { recursive: true });
    await copyFile(join(ws.model, 'model.json'), join(d, 'model.json'));
    await expectModelError(d, `topicmix: model: cannot read ${join(d, 'weights.bin')}: ENOENT`);
  });

  it('truncated weights.bin: the message names both files', async () => {
    const d = join(ws.tmp, 'truncated-model');
    await mkdir(d, { recursive: true });
    await copyFile(join(ws.model, 'model.json'), join(d, 'model.json'));
    await copyFile(join(ws.model, 'weights.bin'), join(d, 'weights.bin'));
    const size = (await stat(join(d, 'weights.bin'))).size;
    await truncate(join(d, 'weights.bin'), Math.floor(size / 2));
    await expectModelError(
      d,
      `${join(d, 'weights.bin')} has ${Math.floor(size / 2)} bytes but ${join(d, 'model.json')} declares weights of ${size} bytes`,
      'the weights do not belong to this model.json',
    );
  });

  it('weights.bin with extra bytes: the message names both files', async () => {
    const d = join(ws.tmp, 'long-model');
    await mkdir(d, { recursive: true });
    await copyFile(join(ws.model, 'model.json'), join(d, 'model.json'));
    await copyFile(join(ws.model, 'weights.bin'), join(d, 'weights.bin'));
    const size = (await stat(join(d, 'weights.bin'))).size;
    await appendFile(join(d, 'weights.bin'), Buffer.alloc(8));
    await expectModelError(d, `${join(d, 'weights.bin')} has ${size + 8} bytes but ${join(d, 'model.json')} declares weights of ${size} bytes`);
  });
});
