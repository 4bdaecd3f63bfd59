/** `topicmix classify --output-dir`: the sharded CLI (built CLI, tiny model). */
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCommand, summary, useTinyModel, type RunResult } from './cli-helpers.js';

const ws = useTinyModel('topicmix-executor-cli-');

/** Runs the CLI with the Slurm array variables removed (unless given), so the test behaves the same inside a Slurm job. */
function run(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<RunResult> {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e)) if (k.startsWith('SLURM_')) delete e[k];
  delete e.TOPICMIX_DEBUG;
  return runCommand(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...e, ...env }, ...(stdin !== undefined && { input: stdin }) });
}

const TEXTS = ['The stock market fell sharply', '球队赢得了足球比赛', 'Software update fixes security bugs', '央行下调利率'];

async function corpus(dir: string, names: string[], lines: number): Promise<string[]> {
  return Promise.all(
    names.map(async (name, f) => {
      const rows: string[] = [];
      for (let i = 0; i < lines; i++) rows.push(i % 50 === 7 ? 'not json' : JSON.stringify({ id: `${name}-${i}`, text: `${TEXTS[(i + f) % TEXTS.length]} ${i}` }));
      const p = join(dir, name);
      await writeFile(p, rows.join('\n') + '\n');
      return p;
    }),
  );
}

async function files(dir: string, re: RegExp): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).filter((f) => re.test(f)).sort();
  return new Map(await Promise.all(names.map(async (f) => [f, await readFile(join(dir, f))] as [string, Buffer])));
}

describe('classify --output-dir', () => {
  it('--shards N in one process, and N separate --shard i/N processes, write the same parts; cat of the parts = -o output', async () => {
    const dir = await ws.caseDir();
    const inputs = await corpus(dir, ['a.jsonl', 'b.jsonl', 'c.jsonl', 'd.jsonl', 'e.jsonl'], 120);
    const single = await run(['classify', '--model', ws.model, ...inputs, '-o', join(dir, 'single.jsonl')]);
    expect(single.code).toBe(0);
    const all = await run(['classify', '--model', ws.model, ...inputs, '--output-dir', join(dir, 'out'), '--shards', '3', '--report-tokenizer', 'chars']);
    expect(all.code, all.stderr).toBe(0);
    expect(summary(all.stderr)).toEqual(summary(single.stderr));
    expect(all.stderr).toMatch(/^shard 0\/3 \(part-00000\): read \d+, tagged \d+, errors \d+ \([\d.]+ s\)$/m);
    const parts = await files(join(dir, 'out'), /^part-\d{5}\.jsonl$/);
    expect([...parts.keys()]).toEqual(['part-00000.jsonl', 'part-00001.jsonl', 'part-00002.jsonl']);
    expect(Buffer.concat([...parts.values()])).toEqual(await readFile(join(dir, 'single.jsonl')));
    const outputs = /^part-\d{5}\.(jsonl|errors\.jsonl|report\.json)$/;
    const first = await files(join(dir, 'out'), outputs);
    expect(first.size).toBe(3 + 3 + 3); // every part has a bad line
    // the same shards as separate processes at the same time (what `parallel -j N ... --shard {}/N` does)
    const each = await Promise.all([0, 1, 2].map((i) => run(['classify', '--model', ws.model, ...inputs, '--output-dir', join(dir, 'out'), '--shard', `${i}/3`, '--report-tokenizer', 'chars'])));
    for (const r of each) expect(r.code, r.stderr).toBe(0);
    expect(await files(join(dir, 'out'), outputs)).toEqual(first);
    // merged part reports = the report of the single output (except the input names)
    const merged = await run(['report', '--merge', join(dir, 'out', 'part-*.report.json'), '-o', join(dir, 'merged.json')]);
    const direct = await run(['report', join(dir, 'single.jsonl'), '--model', ws.model, '--tokenizer', 'chars', '-o', join(dir, 'direct.json')]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(direct.code, direct.stderr).toBe(0);
    const strip = async (p: string): Promise<unknown> => ({ ...(JSON.parse(await readFile(p, 'utf8')) as object), inputs: null });
    expect(await strip(join(dir, 'merged.json'))).toEqual(await strip(join(dir, 'direct.json')));
  });

  it('takes the shard from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT and resumes', async () => {
    const dir = await ws.caseDir();
    const inputs = await corpus(dir, ['a.jsonl', 'b.jsonl'], 60);
    const out = join(dir, 'out');
    const env = { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' };
    const r = await run(['classify', '--model', ws.model, ...inputs, '--output-dir', out, '--resume'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^shard 1\/2 \(part-00001\)/m);
    expect(existsSync(join(out, 'part-00000.jsonl'))).toBe(false);
    expect(existsSync(join(out, '.done', 'part-00001.json'))).toBe(true);
    const again = await run(['classify', '--model', ws.model, ...inputs, '--output-dir', out, '--resume'], env);
    expect(again.stderr).toMatch(/^shard 1\/2 \(part-00001\): read 60, tagged 58, errors 2 \(done before, skipped\)$/m);
    expect(summary(again.stderr)).toEqual({ read: 60, tagged: 58, errors: 2 });
    const other = await run(['classify', '--model', ws.model, ...inputs, '--output-dir', out, '--resume', '--top-k', '1'], env);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/out: it holds the outputs of another plan \(top_k: 3 recorded, 1 now\); use --overwrite to remove them/);
    const bad = await run(['classify', '--model', ws.model, ...inputs, '--output-dir', out], { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '2' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/SLURM_ARRAY_TASK_ID 2 is not below the number of shards 2: submit the array as --array=0-1/);
  });

  it('empty shards get empty parts and never read stdin', async () => {
    const dir = await ws.caseDir();
    const inputs = await corpus(dir, ['a.jsonl'], 30);
    const r = await run(['classify', '--model', ws.model, ...inputs, '--output-dir', join(dir, 'out'), '--shards', '3'], {}, `${JSON.stringify({ text: 'from stdin' })}\nnot json\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(summary(r.stderr)).toEqual({ read: 30, tagged: 29, errors: 1 });
    expect(await readdir(join(dir, 'out'))).toEqual([
      '.done',
      '.locks',
      'part-00000.errors.jsonl',
      'part-00000.jsonl',
      'part-00000.report.json',
      'part-00001.jsonl',
      'part-00001.report.json',
      'part-00002.jsonl',
      'part-00002.report.json',
      'plan.json',
    ]);
    expect((await readFile(join(dir, 'out', 'part-00002.jsonl'))).length).toBe(0);
  });

  it('--gzip and --max-errors', async () => {
    const dir = await ws.caseDir();
    const inputs = await corpus(dir, ['a.jsonl'], 200);
    const gz = await run(['classify', '--model', ws.model, ...inputs, '--output-dir', join(dir, 'gz'), '--gzip']);
    expect(gz.code, gz.stderr).toBe(0);
    expect(existsSync(join(dir, 'gz', 'part-00000.jsonl.gz'))).toBe(true);
    const stop = await run(['classify', '--model', ws.model, ...inputs, '--output-dir', join(dir, 'stop'), '--max-errors', '1']);
    expect(stop.code).toBe(2);
    expect(stop.stderr).toMatch(/more than --max-errors 1; that shard is not done/);
    expect(existsSync(join(dir, 'stop', '.done', 'part-00000.json'))).toBe(false);
  });

  it('clear errors for wrong combinations', async () => {
    const dir = await ws.caseDir();
    const [input] = await corpus(dir, ['a.jsonl'], 5);
    const out = join(dir, 'out');
    const cases: [string[], RegExp][] = [
      [['--output-dir', out, '-o', join(dir, 'x.jsonl')], /give -o\/--output \(one output file\) or --output-dir/],
      [['--output-dir', out, '--errors', join(dir, 'e.jsonl')], /--errors cannot be used with --output-dir/],
      [['--shard', '0/2'], /--shard needs --output-dir/],
      [['--resume'], /--resume needs --output-dir/],
      [['--output-dir', out, '--shard', '2'], /--shard must be I\/N/],
      [['--output-dir', out, '--shard', '2/2'], /--shard 2\/2: the index must be below N \(shards are numbered 0 to 1\)/],
      [['--output-dir', out, '--shard', '1/2', '--shards', '3'], /disagree/],
    ];
    for (const [args, re] of cases) {
      const r = await run(['classify', '--model', ws.model, input!, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(re);
    }
    const stdin = await run(['classify', '--model', ws.model, '--output-dir', out]);
    expect(stdin.code).toBe(1);
    expect(stdin.stderr).toMatch(/stdin cannot be split into shards/);
    expect(existsSync(out)).toBe(false);
  });
});
