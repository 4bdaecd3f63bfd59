/** Stale shard outputs (issue 11 item 4): the plan manifest, merge checks, inputs inside the output folder, same-size edits. */
import { existsSync } from 'node:fs';
import { copyFile, readdir, readFile, rename, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCommand, summary, useTinyModel, type RunResult } from './cli-helpers.js';

const ws = useTinyModel('topicmix-plan-manifest-');

function run(args: string[]): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SLURM_')) delete env[k];
  delete env.TOPICMIX_DEBUG;
  return runCommand(process.execPath, [CLI, ...args], { cwd: ROOT, env });
}

const TEXTS = ['The stock market fell sharply', '球队赢得了足球比赛', 'Software update fixes security bugs', '央行下调利率'];

async function corpus(dir: string, files: number, lines: number): Promise<string[]> {
  const out: string[] = [];
  for (let f = 0; f < files; f++) {
    const rows = Array.from({ length: lines }, (_, i) => JSON.stringify({ id: `${f}-${i}`, text: `${TEXTS[(i + f) % 4]} ${i}` }));
    const p = join(dir, `in-${f}.jsonl`);
    await writeFile(p, `${rows.join('\n')}\n`);
    out.push(p);
  }
  return out;
}

const classify = (inputs: string[], out: string, ...extra: string[]): Promise<RunResult> =>
  run(['classify', '--model', ws.model, ...inputs, '--output-dir', out, '--report-tokenizer', 'chars', ...extra]);

async function mergedDocs(out: string): Promise<RunResult & { docs?: number }> {
  const r = await run(['report', '--merge', join(out, 'part-*.report.json'), '-o', join(out, '..', 'merged.json')]);
  if (r.code !== 0) return r;
  return { ...r, docs: (JSON.parse(await readFile(join(out, '..', 'merged.json'), 'utf8')) as { counts: { counted: number } }).counts.counted };
}

describe('plan manifest', () => {
  it('--shards 4 then --shards 2 into the same folder: refused naming the difference; --overwrite removes the old parts, and the merge counts each document once', async () => {
    const dir = await ws.caseDir();
    const inputs = await corpus(dir, 4, 100);
    const out = join(dir, 'out');
    expect((await classify(inputs, out, '--shards', '4')).code).toBe(0);
    const plan = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8')) as { schema: string; id: string; shards: number; inputs: { path: string; size: number; mtime_ms: number }[] };
    expect(plan.schema).toBe('topicmix/shard-plan@1');
    expect(plan.shards).toBe(4);
    expect(plan.inputs.map((i) => i.size)).toEqual(await Promise.all(inputs.map(async (p) => (await readFile(p)).length)));
    expect(plan.inputs.every((i) => Number.isInteger(i.mtime_ms) && i.mtime_ms > 0)).toBe(true);
    const refused = await classify(inputs, out, '--shards', '2');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/out: it holds the outputs of another plan \(shards: 4 recorded, 2 now\); use --overwrite to remove them and start over, or another --output-dir/);
    expect((await mergedDocs(out)).docs).toBe(400); // nothing was touched
    const over = await classify(inputs, out, '--shards', '2', '--overwrite');
    expect(over.code, over.stderr).toBe(0);
    expect((await readdir(out)).filter((f) => f.startsWith('part-')).sort()).toEqual(['part-00000.jsonl', 'part-00000.report.json', 'part-00001.jsonl', 'part-00001.report.json']);
    expect((await readdir(join(out, '.done'))).sort()).toEqual(['part-00000.json', 'part-00001.json']);
    expect((await mergedDocs(out)).docs).toBe(400);
    // the same plan again is no conflict (a rerun, or the other tasks of an array job)
    expect((await classify(inputs, out, '--shards', '2', '--resume')).code).toBe(0);
  });

  it('report --merge refuses parts of different plans, a part given twice, and missing parts', async () => {
    const dir = await ws.caseDir();
    const inputs = await corpus(dir, 4, 50);
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    expect((await classify(inputs, a, '--shards', '2')).code).toBe(0);
    expect((await classify(inputs, b, '--shards', '4')).code).toBe(0);
    const mixed = await run(['report', '--merge', join(a, 'part-00000.report.json'), join(b, 'part-00001.report.json'), '-o', '-']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(
      /b\/part-00001\.report\.json is part 1 of plan [0-9a-f]{16} \(4 shards\), but .*a\/part-00000\.report\.json is of plan [0-9a-f]{16} \(2 shards\): the parts come from different runs/,
    );
    await copyFile(join(a, 'part-00001.report.json'), join(dir, 'copy.report.json'));
    const twice = await run(['report', '--merge', join(a, 'part-*.report.json'), join(dir, 'copy.report.json'), '-o', '-']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/copy\.report\.json and .*a\/part-00001\.report\.json are both part 1 of plan/);
    const missing = await run(['report', '--merge', join(b, 'part-0000[013].report.json'), '-o', '-']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/plan [0-9a-f]{16} has 4 parts, but 1 is missing: part-00002\.report\.json/);
    // a report built by `report` (no plan) does not mix with parts of a plan
    const whole = join(dir, 'whole.json');
    expect((await run(['report', join(a, 'part-00000.jsonl'), '--model', ws.model, '--tokenizer', 'chars', '-o', whole])).code).toBe(0);
    const plain = await run(['report', '--merge', whole, join(a, 'part-00001.report.json'), '-o', '-']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/whole\.json is not a part of a sharded run, but .*part-00001\.report\.json is part 1 of plan/);
    // reports without a plan still merge as before
    expect((await run(['report', '--merge', whole, whole, '-o', '-'])).code).toBe(0);
  });

  it('--resume after a same-size edit of an input: refused, naming the input; --overwrite redoes it with the new text', async () => {
    const dir = await ws.caseDir();
    const inputs = await corpus(dir, 2, 50);
    const out = join(dir, 'out');
    expect((await classify(inputs, out, '--shards', '2')).code).toBe(0);
    const before = await readFile(join(out, 'part-00001.jsonl'), 'utf8');
    const text = await readFile(inputs[1]!, 'utf8');
    const edited = text.replace('"1-0"', '"1-X"');
    expect(edited.length).toBe(text.length);
    await writeFile(inputs[1]!, edited);
    // make sure the time differs even on file systems with coarse timestamps
    const t = new Date(Date.now() + 5000);
    await utimes(inputs[1]!, t, t);
    const r = await classify(inputs, out, '--shards', '2', '--resume');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/another plan \(input 2 .*in-1\.jsonl: modified since \(mtime \d+ recorded, \d+ now\)\)/);
    expect(await readFile(join(out, 'part-00001.jsonl'), 'utf8')).toBe(before);
    const redo = await classify(inputs, out, '--shards', '2', '--resume', '--overwrite');
    expect(redo.code, redo.stderr).toBe(0);
    expect(await readFile(join(out, 'part-00001.jsonl'), 'utf8')).toContain('"id":"1-X"');
  });

  it('an output folder inside the input glob: refused before anything is removed', async () => {
    const dir = await ws.caseDir();
    await corpus(dir, 2, 20);
    const out = join(dir, 'out');
    const glob = join(dir, '**', '*.jsonl');
    const first = await classify([glob], out);
    expect(first.code, first.stderr).toBe(0);
    expect(summary(first.stderr)).toEqual({ read: 40, tagged: 40, errors: 0 });
    const part = await readFile(join(out, 'part-00000.jsonl'));
    const again = await classify([glob], out);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/input .*out\/part-00000\.jsonl is inside the output folder .*out: the inputs must not include the outputs/);
    expect(await readFile(join(out, 'part-00000.jsonl'))).toEqual(part);
    expect(existsSync(join(out, '.done', 'part-00000.json'))).toBe(true);
  });

  it('parts without a plan manifest (an older version) are refused, and --overwrite starts over', async () => {
    const dir = await ws.caseDir();
    const inputs = await corpus(dir, 2, 20);
    const out = join(dir, 'out');
    expect((await classify(inputs, out, '--shards', '2')).code).toBe(0);
    await rename(join(out, 'plan.json'), join(dir, 'old-plan.json'));
    const r = await classify(inputs, out, '--shards', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/out: it holds shard outputs without a plan manifest \(\d+ files, e\.g\. .*; made by an older topicmix\?\); use --overwrite/);
    expect((await classify(inputs, out, '--shards', '2', '--overwrite')).code).toBe(0);
    expect(existsSync(join(out, 'plan.json'))).toBe(true);
  });
});
