import { stat } from 'node:fs/promises';
import { InputError, isGzipPath } from '../io/inputs.js';
import type { InputRange } from './run-pipeline.js';

/** What one shard reads: whole files, or byte ranges of uncompressed files (see ReadLinesOptions.range). */
export type ShardInput = string | InputRange;

export interface SizedFile {
  path: string;
  size: number;
  /** Modification time (ms since the epoch), when read from the file. */
  mtimeMs?: number;
}

export interface PlanOptions {
  /** A file is not cut into ranges smaller than this. Default 1 MiB. */
  minRangeBytes?: number;
}

export const DEFAULT_MIN_RANGE_BYTES = 1024 * 1024;

/**
 * Split inputs into `n` shards (deterministic; every input byte in exactly one shard; some shards may be
 * empty). Inputs are resolved file paths (no globs, no stdin); their sizes are read with stat, so every
 * process of a job that plans over the same unchanged files gets the same plan.
 */
export async function planShards(inputs: string[], n: number, opts: PlanOptions = {}): Promise<ShardInput[][]> {
  return planShardsBySize(await sizeInputs(inputs), n, opts);
}

/** Sizes of input files (stat); stdin, missing files and non-files are errors naming the input. */
export async function sizeInputs(inputs: string[]): Promise<SizedFile[]> {
  const files: SizedFile[] = [];
  for (const path of inputs) {
    if (path === '-') throw new InputError(path, 'sharded runs need input files: stdin cannot be split into shards');
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      throw new InputError(path, `cannot open ${path}: ${(err as Error).message}`, { cause: err });
    }
    if (!st.isFile()) throw new InputError(path, `${path} is not a regular file`);
    files.push({ path, size: st.size, mtimeMs: st.mtimeMs });
  }
  return files;
}

/**
 * The plan from known sizes. With at least `n` files, whole files: the input order is cut into `n`
 * contiguous non-empty runs with the smallest possible largest run (by bytes), so that the parts
 * concatenated in shard order are the inputs in their order. With fewer files, each file gets one shard
 * and the remaining shards go to the largest uncompressed files (largest bytes per shard first, never
 * below `minRangeBytes` per range), which are cut into that many equal byte ranges; `.gz` files are
 * never cut. Shards left over stay empty.
 */
export function planShardsBySize(files: SizedFile[], n: number, opts: PlanOptions = {}): ShardInput[][] {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`the number of shards must be a positive integer, got ${n}`);
  const minRange = Math.max(1, opts.minRangeBytes ?? DEFAULT_MIN_RANGE_BYTES);
  for (const f of files) {
    if (!Number.isSafeInteger(f.size) || f.size < 0) throw new RangeError(`${f.path}: invalid size ${f.size}`);
  }
  const plan: ShardInput[][] = files.length >= n ? wholeFiles(files, n) : byteRanges(files, n, minRange);
  while (plan.length < n) plan.push([]);
  return plan;
}

/** Runs of consecutive files, at most `cap` bytes each (a bigger file is a run of its own). */
function greedyRuns(files: SizedFile[], cap: number): SizedFile[][] {
  const runs: SizedFile[][] = [];
  let cur: SizedFile[] = [];
  let bytes = 0;
  for (const f of files) {
    if (cur.length > 0 && bytes + f.size > cap) {
      runs.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += f.size;
  }
  if (cur.length > 0) runs.push(cur);
  return runs;
}

function wholeFiles(files: SizedFile[], n: number): ShardInput[][] {
  // Smallest cap whose greedy cut needs at most n runs (binary search; greedy is optimal for a given cap).
  let lo = Math.max(0, ...files.map((f) => f.size));
  let hi = files.reduce((s, f) => s + f.size, 0);
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (greedyRuns(files, mid).length <= n) hi = mid;
    else lo = mid + 1;
  }
  const runs = greedyRuns(files, lo);
  // Fewer runs than shards: split the run with the most files (the first such) after its first half;
  // the largest run never grows, and every shard gets at least one file.
  while (runs.length < n) {
    let at = 0;
    for (let i = 1; i < runs.length; i++) if (runs[i]!.length > runs[at]!.length) at = i;
    const run = runs[at]!;
    const half = Math.ceil(run.length / 2);
    runs.splice(at, 1, run.slice(0, half), run.slice(half));
  }
  return runs.map((run) => run.map((f) => f.path));
}

function byteRanges(files: SizedFile[], n: number, minRange: number): ShardInput[][] {
  const pieces = files.map(() => 1);
  // D'Hondt: each extra shard goes to the splittable file with the most bytes per shard.
  for (let extra = n - files.length; extra > 0; extra--) {
    let best = -1;
    let bestPer = 0;
    files.forEach((f, i) => {
      if (isGzipPath(f.path)) return;
      const k = pieces[i]!;
      if (Math.floor(f.size / (k + 1)) < minRange) return;
      const per = f.size / k;
      if (best === -1 || per > bestPer) {
        best = i;
        bestPer = per;
      }
    });
    if (best === -1) break;
    pieces[best]!++;
  }
  const plan: ShardInput[][] = [];
  files.forEach((f, i) => {
    const k = pieces[i]!;
    if (k === 1) {
      plan.push([f.path]);
      return;
    }
    for (const range of cutFile(f, k)) plan.push([range]);
  });
  return plan;
}

/** File `f` cut into `k` adjacent byte ranges of equal size (within a byte); readers align them to lines. */
export function cutFile(f: SizedFile, k: number): InputRange[] {
  // floor(size * j / k) without overflowing 2^53 for big files
  const q = Math.floor(f.size / k);
  const r = f.size % k;
  const cut = (j: number): number => q * j + Math.floor((r * j) / k);
  return Array.from({ length: k }, (_, j) => ({ path: f.path, start: cut(j), end: cut(j + 1) }));
}

/**
 * The pieces of one uncompressed file that worker threads classify: byte ranges of about `pieceBytes`,
 * cut as shards are (a line belongs to the piece it starts in); an empty file has none.
 */
export function planPieces(f: SizedFile, pieceBytes: number): InputRange[] {
  return f.size === 0 ? [] : cutFile(f, Math.max(1, Math.round(f.size / pieceBytes)));
}
