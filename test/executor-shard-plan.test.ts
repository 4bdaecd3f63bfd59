/** planShards: deterministic, every input byte in exactly one shard, whole files or byte ranges. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { planShards, planShardsBySize, type ShardInput, type SizedFile } from '../src/executor/shard-plan.js';
import { InputError } from '../src/io/inputs.js';
import { rng } from './helpers/random.js';
import { tempDir } from './helpers/temp-dir.js';

const pathOf = (s: ShardInput): string => (typeof s === 'string' ? s : s.path);
const bytesOf = (s: ShardInput, sizes: Map<string, number>): number => (typeof s === 'string' ? sizes.get(s)! : s.end - s.start);

/** Every byte of every file covered exactly once, in input order when the shards are read in order. */
function checkCover(files: SizedFile[], plan: ShardInput[][]): void {
  const flat = plan.flat();
  const order: string[] = [];
  for (const s of flat) if (order[order.length - 1] !== pathOf(s)) order.push(pathOf(s));
  expect(order).toEqual(files.map((f) => f.path));
  for (const f of files) {
    const parts = flat.filter((s) => pathOf(s) === f.path);
    if (parts.length === 1 && typeof parts[0] === 'string') continue;
    let at = 0;
    for (const p of parts) {
      expect(typeof p).toBe('object');
      const r = p as { start: number; end: number };
      expect(r.start).toBe(at);
      expect(r.end).toBeGreaterThan(r.start);
      at = r.end;
    }
    expect(at).toBe(f.size);
  }
}

describe('planShardsBySize', () => {
  it('random inputs: n shards, each byte exactly once, in order, deterministic', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const files: SizedFile[] = Array.from({ length: Math.floor(r() * 12) }, (_, i) => ({
        path: `f${i}.jsonl${r() < 0.25 ? '.gz' : ''}`,
        size: r() < 0.1 ? 0 : Math.floor(r() ** 3 * 5000),
      }));
      const n = 1 + Math.floor(r() * 16);
      const minRangeBytes = 1 + Math.floor(r() * 300);
      const plan = planShardsBySize(files, n, { minRangeBytes });
      expect(plan).toHaveLength(n);
      checkCover(files, plan);
      expect(planShardsBySize(files, n, { minRangeBytes })).toEqual(plan);
      const sizes = new Map(files.map((f) => [f.path, f.size]));
      if (files.length >= n) {
        // whole files, every shard gets at least one
        for (const shard of plan) {
          expect(shard.length).toBeGreaterThan(0);
          for (const s of shard) expect(typeof s).toBe('string');
        }
      } else {
        for (const s of plan.flat()) {
          if (typeof s !== 'string') {
            expect(s.path.endsWith('.gz'), `seed ${seed}: a gz file was cut`).toBe(false);
            expect(s.end - s.start).toBeGreaterThanOrEqual(minRangeBytes - 1);
          }
        }
        for (const shard of plan) expect(shard.length).toBeLessThanOrEqual(1);
      }
      // no shard is bigger than it needs to be: at most the largest file or the even share plus one file
      const biggest = Math.max(0, ...plan.map((shard) => shard.reduce((s, x) => s + bytesOf(x, sizes), 0)));
      const total = files.reduce((s, f) => s + f.size, 0);
      expect(biggest).toBeLessThanOrEqual(Math.max(...files.map((f) => f.size), 0) + Math.ceil(total / n));
    }
  });

  it('balances whole files by size, keeping their order', () => {
    const files = [
      { path: 'a', size: 100 },
      { path: 'b', size: 10 },
      { path: 'c', size: 10 },
      { path: 'd', size: 80 },
      { path: 'e', size: 20 },
    ];
    expect(planShardsBySize(files, 2)).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]); // 110 + 110
    expect(planShardsBySize(files, 3)).toEqual([['a'], ['b', 'c', 'd'], ['e']]); // largest 100
    expect(planShardsBySize(files, 5)).toEqual([['a'], ['b'], ['c'], ['d'], ['e']]);
    expect(planShardsBySize(files, 1)).toEqual([['a', 'b', 'c', 'd', 'e']]);
  });

  it('cuts large uncompressed files into byte ranges, never .gz files; leftover shards are empty', () => {
    const MiB = 1024 * 1024;
    const plan = planShardsBySize(
      [
        { path: 'big.jsonl', size: 10 * MiB },
        { path: 'big.jsonl.gz', size: 50 * MiB },
      ],
      4,
    );
    expect(plan).toEqual([
      [{ path: 'big.jsonl', start: 0, end: Math.floor((10 * MiB) / 3) }],
      [{ path: 'big.jsonl', start: Math.floor((10 * MiB) / 3), end: Math.floor((20 * MiB) / 3) }],
      [{ path: 'big.jsonl', start: Math.floor((20 * MiB) / 3), end: 10 * MiB }],
      ['big.jsonl.gz'],
    ]);
    // files too small to cut (default minimum range 1 MiB)
    expect(planShardsBySize([{ path: 'small.jsonl', size: 1000 }], 3)).toEqual([['small.jsonl'], [], []]);
    expect(planShardsBySize([{ path: 'x.jsonl', size: 2 * MiB }], 8)).toEqual([[{ path: 'x.jsonl', start: 0, end: MiB }], [{ path: 'x.jsonl', start: MiB, end: 2 * MiB }], [], [], [], [], [], []]);
    expect(planShardsBySize([], 2)).toEqual([[], []]);
  });

  it('exact cut points for very large files', () => {
    const size = 2 ** 52 + 3;
    const plan = planShardsBySize([{ path: 'huge.jsonl', size }], 3000);
    checkCover([{ path: 'huge.jsonl', size }], plan);
  });

  it('rejects a shard count below 1', () => {
    expect(() => planShardsBySize([], 0)).toThrow(/positive integer/);
  });
});

describe('planShards', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('topicmix-plan-');
  });

  it('reads the sizes of the files', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    await writeFile(a, 'x'.repeat(300));
    await writeFile(b, 'y'.repeat(100));
    expect(await planShards([a, b], 2)).toEqual([[a], [b]]);
    expect(await planShards([a, b], 3, { minRangeBytes: 100 })).toEqual([[{ path: a, start: 0, end: 150 }], [{ path: a, start: 150, end: 300 }], [b]]);
  });

  it('stdin, missing files and folders are input errors', async () => {
    await expect(planShards(['-'], 2)).rejects.toThrow(InputError);
    await expect(planShards([join(dir, 'nope.jsonl')], 2)).rejects.toThrow(/cannot open .*nope\.jsonl/);
    await expect(planShards([dir], 2)).rejects.toThrow(/not a regular file/);
  });
});
