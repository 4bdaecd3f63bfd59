import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerRebalanceCommand } from '../src/cli/commands/rebalance.js';
import { registerReportCommand } from '../src/cli/commands/report.js';
import { registerSampleCommand } from '../src/cli/commands/sample.js';
import { tempDir } from './helpers/temp-dir.js';

const FIX = 'test/fixtures/tagged';
let dir: string;

beforeAll(async () => {
  dir = tempDir('topicmix-cli-');
});
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Run `topicmix <args>` in-process; returns what went to stderr and the exit code. */
async function cli(...args: string[]): Promise<{ stderr: string; code: number }> {
  const program = new Command('topicmix').exitOverride();
  registerReportCommand(program);
  registerRebalanceCommand(program);
  registerSampleCommand(program);
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  await program.parseAsync(['node', 'topicmix', ...args]);
  vi.restoreAllMocks();
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stderr, code };
}

const p = (name: string): string => join(dir, name);

describe('topicmix report', () => {
  it('writes report.json and error records, and says read/counted/errors on stderr', async () => {
    const r = await cli('report', `${FIX}/mini.jsonl`, `${FIX}/bad.jsonl`, '-o', p('r.json'), '--tokenizer', 'words', '--errors', p('errors.jsonl'));
    expect(r).toEqual({ stderr: 'topicmix report: read 11, counted 6, errors 5\n', code: 0 });
    const report = JSON.parse(await readFile(p('r.json'), 'utf8')) as { settings: { tokenizer: string }; counts: { errors: number } };
    expect(report.settings.tokenizer).toBe('words');
    const errors = (await readFile(p('errors.jsonl'), 'utf8')).trim().split('\n');
    expect(errors).toHaveLength(5);
  });

  it('--merge of per-file partial reports gives the same file byte for byte', async () => {
    const files = [`${FIX}/mini.jsonl`, `${FIX}/topk.jsonl`, `${FIX}/bad.jsonl`];
    await cli('report', ...files, '-o', p('all.json'), '--group-by', 'source');
    for (const [i, f] of files.entries()) await cli('report', f, '-o', p(`part-${i}.report.json`), '--group-by', 'source');
    const merged = await cli('report', '--merge', p('part-*.report.json'), '-o', p('merged.json'));
    expect(merged.code).toBe(0);
    expect(await readFile(p('merged.json'), 'utf8')).toBe(await readFile(p('all.json'), 'utf8'));
  });

  it('renders md, csv and a self-contained html page without NaN', async () => {
    await cli('report', '--merge', p('all.json'), '-o', p('r.md'));
    await cli('report', '--merge', p('all.json'), '-o', p('r.csv'));
    await cli('report', '--merge', p('all.json'), '--format', 'html', '-o', p('r.out'));
    const md = await readFile(p('r.md'), 'utf8');
    const csv = await readFile(p('r.csv'), 'utf8');
    const html = await readFile(p('r.out'), 'utf8');
    expect(md).toMatch(/## By topic/);
    expect(md).toMatch(/\| science \|/);
    expect(csv.split('\n')[0]).toMatch(/^level,group,topic,lang,docs,docs_share,/);
    expect(csv).toMatch(/\ntopic,\*,law,\*,/);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
    for (const s of [md, csv, html]) expect(s).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('refuses an empty corpus and counting options with --merge', async () => {
    await writeFile(p('empty.jsonl'), '');
    const empty = await cli('report', p('empty.jsonl'), '-o', p('empty.json'));
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/empty corpus: no document counted in .*empty\.jsonl \(read 0 lines, errors 0\)/);
    const allowed = await cli('report', p('empty.jsonl'), '-o', p('empty.json'), '--allow-empty');
    expect(allowed.code).toBe(0);
    const bad = await cli('report', '--merge', p('all.json'), '--tokenizer', 'chars', '-o', p('x.json'));
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toMatch(/--tokenizer cannot be used with --merge/);
    const notReport = await cli('report', '--merge', `${FIX}/mini.jsonl`, '-o', p('x.json'));
    expect(notReport.stderr).toMatch(/mini\.jsonl: (invalid JSON|not a topicmix report)/);
  });
});

describe('topicmix rebalance and sample', () => {
  it('report --model -> rebalance with a two-level target -> sample', async () => {
    await cli('report', `${FIX}/mini.jsonl`, '--model', `${FIX}/model`, '--tokenizer', 'chars', '-o', p('m.json'));
    const rb = await cli('rebalance', '--report', p('m.json'), '--target', `${FIX}/target.yaml`, '-o', p('w.json'), '--budget', '40');
    expect(rb.code).toBe(0);
    // en/sports: 14 chars x 4 = 56 >= 0.8 * 0.5 * 40 = 16: fine; zh/science 4 chars x 4 = 16 >= 4: fine.
    expect(rb.stderr).toMatch(/method target, unit chars: budget 40 \(option\)/);
    expect(rb.stderr).toMatch(/no shortfalls/);
    const w = JSON.parse(await readFile(p('w.json'), 'utf8')) as { cells: Array<{ weight: number }>; model: { id: string } };
    expect(w.model.id).toBe('mini-topics@abc123def456');
    expect(w.cells.every((c) => c.weight >= 0)).toBe(true);

    const small = await cli('rebalance', '--report', p('m.json'), '--target', `${FIX}/target.yaml`, '-o', p('w2.json'), '--budget', '1000', '--max-repeat', '2');
    expect(small.stderr).toMatch(/SHORTFALL topic "science" in language "zh": target 10\.00% = 100 chars/);

    const s = await cli('sample', `${FIX}/mini.jsonl`, '--weights', p('w.json'), '-o', p('mix.jsonl.gz'), '--seed', '1');
    expect(s.code).toBe(0);
    expect(s.stderr).toMatch(/topicmix sample: read 5, counted 5, errors 0; kept \d+ documents as \d+ copies/);
    const mix = gunzipSync(await readFile(p('mix.jsonl.gz'))).toString('utf8');
    const src = (await readFile(`${FIX}/mini.jsonl`, 'utf8')).split('\n');
    for (const line of mix.trim().split('\n')) expect(src).toContain(line);

    const m = await cli('sample', `${FIX}/mini.jsonl`, '--weights', p('w.json'), '-o', p('manifest.jsonl'), '--seed', '1', '--manifest');
    expect(m.code).toBe(0);
    const manifest = (await readFile(p('manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; copies: number });
    expect(manifest.reduce((a, x) => a + x.copies, 0)).toBe(mix.trim().split('\n').length);

    const html = await cli('report', '--merge', p('m.json'), '--weights', p('w.json'), '-o', p('cmp.html'));
    expect(html.code).toBe(0);
    expect(await readFile(p('cmp.html'), 'utf8')).toMatch(/Current vs target/);
  });

  it('feedback with a losses file next to the target', async () => {
    const rb = await cli('rebalance', '--report', p('m.json'), '--target', `${FIX}/feedback.yaml`, '-o', p('fb.json'), '-q');
    expect(rb).toEqual({ stderr: '', code: 0 });
    const w = JSON.parse(await readFile(p('fb.json'), 'utf8')) as { feedback: { units: Array<{ unit: string; previous_share: number; new_share: number }> } };
    for (const u of w.feedback.units) expect(Math.abs(u.new_share - u.previous_share)).toBeLessThanOrEqual(0.03 + 1e-12);
  });

  it('bad target and bad report give one clear line and exit code 1', async () => {
    await writeFile(p('bad-target.yaml'), 'topics: {science: 0.5, cooking: 0.5}\n');
    const r = await cli('rebalance', '--report', p('m.json'), '--target', p('bad-target.yaml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`topicmix rebalance: ${p('bad-target.yaml')}: topics.cooking: unknown topic "cooking"; known topics: law, science, sports\n`);
    await writeFile(p('broken.json'), '{"schema":"topicmix/report@1","model":{}}');
    const b = await cli('rebalance', '--report', p('broken.json'), '--target', `${FIX}/target.yaml`);
    expect(b.stderr).toMatch(/broken\.json: model\.name: Required/);
  });
});
