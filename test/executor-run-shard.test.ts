/**
 * runShards / runShard (library): part files, partial reports, completion markers, --resume semantics,
 * byte-identical reruns, byte-range shards of one file.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, type Classifier } from '../src/classifier.js';
import type { DoneMarker } from '../src/executor/done-marker.js';
import { runShard, runShards, type RunShardOptions, type RunShardsOptions } from '../src/executor/run-shard.js';
import { classifyFiles, TooManyErrors } from '../src/executor/run-pipeline.js';
import { buildReport } from '../src/report/build-report.js';
import { readModelIdentity } from '../src/report/model-info.js';
import { loadTokenCounter } from '../src/report/token-counter.js';
import { useTinyModel } from './cli-helpers.js';

const ws = useTinyModel('topicmix-run-shard-');
let clf: Classifier;

beforeAll(async () => {
  clf = await loadClassifier(ws.model, { backend: 'cpu', batchSize: 64 });
});

const TEXTS = ['The stock market fell sharply', '球队赢得了足球比赛', 'Software update fixes security bugs', '央行下调利率', 'Fans cheered in the stadium'];

/** JSONL with good lines, a few bad ones (invalid JSON, no text, empty text), CRLF endings sometimes. */
function corpus(name: string, lines: number, opts: { crlf?: boolean; finalNewline?: boolean } = {}): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    if (i % 97 === 13) out.push('{"id": broken');
    else if (i % 89 === 7) out.push(JSON.stringify({ id: `${name}-${i}`, body: 'no text field' }));
    else if (i % 83 === 5) out.push('');
    else out.push(JSON.stringify({ id: `${name}-${i}`, text: `${TEXTS[i % TEXTS.length]} ${i}` }));
  }
  const nl = opts.crlf ? '\r\n' : '\n';
  return out.join(nl) + (opts.finalNewline === false ? '' : nl);
}

async function inputs(dir: string, specs: [string, number, { crlf?: boolean; finalNewline?: boolean }?][]): Promise<string[]> {
  const paths: string[] = [];
  for (const [name, n, o] of specs) {
    const p = join(dir, name);
    await writeFile(p, corpus(name, n, o));
    paths.push(p);
  }
  return paths;
}

const base = (o: Omit<RunShardsOptions, 'clf' | 'reportOptions'>): RunShardsOptions => ({ clf, reportOptions: { tokenizer: 'chars' }, ...o });
const one = (o: Omit<RunShardOptions, 'clf' | 'reportOptions'>): RunShardOptions => ({ clf, reportOptions: { tokenizer: 'chars' }, ...o });

async function readParts(outDir: string, what: RegExp): Promise<Buffer> {
  const names = (await readdir(outDir)).filter((f) => what.test(f)).sort();
  return Buffer.concat(await Promise.all(names.map((f) => readFile(join(outDir, f)))));
}

async function singleRun(dir: string, files: string[]): Promise<{ out: Buffer; errors: string }> {
  const output = join(dir, 'single.jsonl');
  await classifyFiles(clf, { inputs: files, output, errors: join(dir, 'single.errors.jsonl') });
  const errors = existsSync(join(dir, 'single.errors.jsonl')) ? await readFile(join(dir, 'single.errors.jsonl'), 'utf8') : '';
  return { out: await readFile(output), errors };
}

describe('runShards', () => {
  it('counts each part report in the same pass, equal to `report` over the written part (1 and 2 workers, o200k, group-by, own lang)', async () => {
    const dir = await ws.caseDir();
    const files = await inputs(dir, [
      ['a.jsonl', 400],
      ['b.jsonl', 150],
    ]);
    // documents with their own lang (kept), a group field, and a long text (terms from its head only)
    const extra = [
      JSON.stringify({ id: 'x1', text: 'Fans cheered the team', lang: 'en-GB', site: 'news' }),
      JSON.stringify({ id: 'x2', text: '球队赢得了比赛 '.repeat(800), site: 7 }),
      JSON.stringify({ id: 'x3', text: 'Rates were cut again', lang: '' }),
    ];
    await writeFile(files[1]!, (await readFile(files[1]!, 'utf8')) + extra.join('\n') + '\n');
    for (const workers of [1, 2]) {
      const outDir = join(dir, `same-pass-${workers}`);
      await runShards({ clf, inputs: files, outDir, count: 2, reportOptions: { tokenizer: 'o200k', groupBy: 'site' }, classifyOptions: { workers } }, [0, 1]);
      for (const [shard, part] of ['part-00000', 'part-00001'].entries()) {
        const { plan, ...counted } = JSON.parse(await readFile(join(outDir, `${part}.report.json`), 'utf8')) as { plan: unknown };
        // part reports also say which plan and shard they are (checked by report --merge)
        expect(plan).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), shard, shards: 2 });
        const { report } = await buildReport([join(outDir, `${part}.jsonl`)], {
          textField: 'text',
          groupBy: 'site',
          tokenizer: await loadTokenCounter('o200k'),
          model: await readModelIdentity(clf.dir),
          uncertainBelow: 0.5,
          termCapacity: 500,
          topTerms: 15,
        });
        expect(counted).toEqual(JSON.parse(JSON.stringify(report)));
        expect((counted as { counts: { counted: number } }).counts.counted).toBeGreaterThan(100);
      }
    }
  });

  it('writes parts, errors, partial reports and markers; the parts in order are the single-run output', async () => {
    const dir = await ws.caseDir();
    const files = await inputs(dir, [
      ['a.jsonl', 300],
      ['b.jsonl', 120, { crlf: true }],
      ['c.jsonl', 200],
      ['d.jsonl', 50, { finalNewline: false }],
    ]);
    const outDir = join(dir, 'out');
    const results = await runShards(base({ inputs: files, outDir, count: 3 }), [0, 1, 2]);
    expect(results.map((r) => r.status)).toEqual(['done', 'done', 'done']);
    const single = await singleRun(dir, files);
    expect(await readParts(outDir, /^part-\d{5}\.jsonl$/)).toEqual(single.out);
    expect((await readParts(outDir, /^part-\d{5}\.errors\.jsonl$/)).toString()).toBe(single.errors);
    const marker = JSON.parse(await readFile(join(outDir, '.done', 'part-00001.json'), 'utf8')) as DoneMarker;
    expect(marker.schema).toBe('topicmix/shard-done@1');
    expect(marker.shard).toEqual({ index: 1, count: 3 });
    expect(marker.counts.read).toBe(marker.counts.tagged + marker.counts.errors);
    expect(marker.settings.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(marker.settings).toMatchObject({ field: 'text', top_k: 3, threshold: 0, all_scores: false, gzip: false, report: { tokenizer: 'chars' } });
    expect(marker.run.seconds).toBeGreaterThan(0);
    const total = results.reduce((s, r) => s + r.counts.read, 0);
    expect(total).toBe(300 + 120 + 200 + 50);
    const report = JSON.parse(await readFile(join(outDir, 'part-00000.report.json'), 'utf8')) as { inputs: string[]; model: { labels_source: string; id: string } };
    expect(report.inputs).toEqual([join(outDir, 'part-00000.jsonl')]);
    expect(report.model.labels_source).toBe('model');
    expect(report.model.id).toBe(marker.settings.model.id);
  });

  it('a shard run again writes the same bytes (a Slurm requeue); only the marker timings change', async () => {
    const dir = await ws.caseDir();
    const files = await inputs(dir, [['a.jsonl', 400]]);
    const outDir = join(dir, 'out');
    const o = base({ inputs: files, outDir, count: 1 });
    await runShards(o, [0]);
    const first = await Promise.all(['part-00000.jsonl', 'part-00000.errors.jsonl', 'part-00000.report.json'].map((f) => readFile(join(outDir, f))));
    const m1 = JSON.parse(await readFile(join(outDir, '.done', 'part-00000.json'), 'utf8')) as DoneMarker;
    const r = await runShards(o, [0]); // no --resume: redone
    expect(r[0]!.status).toBe('done');
    const second = await Promise.all(['part-00000.jsonl', 'part-00000.errors.jsonl', 'part-00000.report.json'].map((f) => readFile(join(outDir, f))));
    expect(second).toEqual(first);
    const m2 = JSON.parse(await readFile(join(outDir, '.done', 'part-00000.json'), 'utf8')) as DoneMarker;
    expect({ ...m2, run: null, model: null }).toEqual({ ...m1, run: null, model: null });
  });

  it('--resume skips matching done shards, redoes unfinished ones from scratch, and rejects changed settings or inputs', async () => {
    const dir = await ws.caseDir();
    const files = await inputs(dir, [
      ['a.jsonl', 100],
      ['b.jsonl', 100],
    ]);
    const outDir = join(dir, 'out');
    const o = base({ inputs: files, outDir, count: 2, resume: true });
    await runShards(o, [0, 1]);
    const done = await readFile(join(outDir, 'part-00001.jsonl'));
    // shard 1 unfinished: marker gone, a stale (wrong) part and temp files of a killed run left behind
    await rm(join(outDir, '.done', 'part-00001.json'));
    await writeFile(join(outDir, 'part-00001.jsonl'), 'stale\n');
    await writeFile(join(outDir, 'part-00001.errors.jsonl'), 'stale\n');
    await writeFile(join(outDir, '.part-00001.jsonl.tmp-123-abcd1234'), 'partial');
    await writeFile(join(outDir, '.part-00001.report.json.tmp-123-abcd1234'), 'partial');
    await writeFile(join(outDir, '.done', '.part-00001.json.tmp-123-abcd1234'), 'partial');
    const r = await runShards(o, [0, 1]);
    expect(r.map((x) => x.status)).toEqual(['skipped', 'done']);
    expect(r[0]!.counts.read).toBe(100);
    expect(await readFile(join(outDir, 'part-00001.jsonl'))).toEqual(done);
    expect((await readdir(outDir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(await readdir(join(outDir, '.done'))).toEqual(['part-00000.json', 'part-00001.json']);
    // a done shard whose part was deleted by hand is redone
    await rm(join(outDir, 'part-00000.jsonl'));
    expect((await runShards(o, [0]))[0]!.status).toBe('done');
    // other settings: another plan (OUT/plan.json), an error naming the folder and the difference
    await expect(runShards({ ...o, topK: 1 }, [0])).rejects.toThrow(/out: it holds the outputs of another plan \(top_k: 3 recorded, 1 now\); use `overwrite`/);
    await expect(runShards({ ...o, reportOptions: { tokenizer: 'words' } }, [1])).rejects.toThrow(/another plan \(report: .*"chars".* recorded/);
    // a changed input file
    await writeFile(files[0]!, corpus('a.jsonl', 101));
    await expect(runShards(o, [0])).rejects.toThrow(/another plan \(input 1 .*a\.jsonl: size \d+ recorded, \d+ now\)/);
    // other shard count
    await expect(runShard(one({ inputs: files, outDir, resume: true, shard: { index: 1, count: 3 } }))).rejects.toThrow(/another plan \(shards: 2 recorded, 3 now; input 1/);
  });

  it('byte ranges of one large file: same lines, same absolute error lines, as one run over the file', async () => {
    const dir = await ws.caseDir();
    const files = await inputs(dir, [['big.jsonl', 2000, { crlf: true, finalNewline: false }]]);
    const outDir = join(dir, 'out');
    const results = await runShards(base({ inputs: files, outDir, count: 5, minRangeBytes: 1000 }), [0, 1, 2, 3, 4]);
    const markers = await Promise.all(results.map(async (r) => JSON.parse(await readFile(r.marker, 'utf8')) as DoneMarker));
    expect(markers.map((m) => m.inputs[0]!.start)).toEqual([0, expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)]);
    const single = await singleRun(dir, files);
    expect(await readParts(outDir, /^part-\d{5}\.jsonl$/)).toEqual(single.out);
    expect((await readParts(outDir, /^part-\d{5}\.errors\.jsonl$/)).toString()).toBe(single.errors);
    expect(single.errors.length).toBeGreaterThan(0);
  });

  it('--gzip writes part-IIIII.jsonl.gz with the same content', async () => {
    const dir = await ws.caseDir();
    const files = await inputs(dir, [['a.jsonl', 150]]);
    await runShard(one({ inputs: files, outDir: join(dir, 'plain'), shard: { index: 0, count: 1 } }));
    await runShard(one({ inputs: files, outDir: join(dir, 'gz'), shard: { index: 0, count: 1 }, gzip: true }));
    expect(gunzipSync(await readFile(join(dir, 'gz', 'part-00000.jsonl.gz')))).toEqual(await readFile(join(dir, 'plain', 'part-00000.jsonl')));
    expect(existsSync(join(dir, 'gz', 'part-00000.jsonl'))).toBe(false);
  });

  it('a shard stopped by --max-errors gets no marker and no part', async () => {
    const dir = await ws.caseDir();
    const files = await inputs(dir, [['a.jsonl', 300]]);
    const outDir = join(dir, 'out');
    await expect(runShard(one({ inputs: files, outDir, shard: { index: 0, count: 1 }, maxErrors: 1 }))).rejects.toThrow(TooManyErrors);
    expect(existsSync(join(outDir, '.done', 'part-00000.json'))).toBe(false);
    expect(existsSync(join(outDir, 'part-00000.jsonl'))).toBe(false);
  });

  it('rejects stdin and shard indices out of range', async () => {
    const dir = await ws.caseDir();
    await expect(runShards(base({ inputs: ['-'], outDir: dir, count: 1 }), [0])).rejects.toThrow(/stdin/);
    await expect(runShards(base({ inputs: [], outDir: dir, count: 1 }), [0])).rejects.toThrow(/needs input files/);
    await expect(runShards(base({ inputs: ['x'], outDir: dir, count: 2 }), [2])).rejects.toThrow(/shard 2 is out of range/);
  });
});
