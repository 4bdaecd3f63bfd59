import type { ShardId } from '../executor/shard-files.js';
import { UsageError } from '../errors.js';

/** Which shards one process runs. */
export interface ShardSelection {
  count: number;
  indices: number[];
  /** Where the choice came from: --shard, the Slurm array variables, or every shard (no shard given). */
  source: 'flag' | 'slurm' | 'all';
}

function nonNegativeInt(s: string): number | null {
  return /^\d+$/.test(s.trim()) ? Number(s.trim()) : null;
}

/** `I/N` with 0 <= I < N. */
export function parseShardSpec(spec: string): ShardId {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new UsageError(`--shard must be I/N (shard I of N, counting from 0, e.g. 0/8), got "${spec}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new UsageError(`--shard ${spec}: N must be at least 1`);
  if (index >= count) throw new UsageError(`--shard ${spec}: the index must be below N (shards are numbered 0 to ${count - 1})`);
  return { index, count };
}

/**
 * The shards to run: `--shard I/N`; else, inside a Slurm array task, SLURM_ARRAY_TASK_ID of
 * SLURM_ARRAY_TASK_COUNT (`--shards N` overrides the count, e.g. when resubmitting only some tasks);
 * else all of `--shards N` (default 1), one after another.
 */
export function selectShards(flags: { shard?: string; shards?: number }, env: NodeJS.ProcessEnv = process.env): ShardSelection {
  if (flags.shards !== undefined && (!Number.isSafeInteger(flags.shards) || flags.shards < 1)) {
    throw new UsageError(`--shards must be a positive integer, got ${flags.shards}`);
  }
  if (flags.shard !== undefined) {
    const id = parseShardSpec(flags.shard);
    if (flags.shards !== undefined && flags.shards !== id.count) throw new UsageError(`--shard ${flags.shard} and --shards ${flags.shards} disagree on the number of shards`);
    return { count: id.count, indices: [id.index], source: 'flag' };
  }
  const taskId = env.SLURM_ARRAY_TASK_ID;
  if (taskId !== undefined && taskId !== '') {
    const index = nonNegativeInt(taskId);
    if (index === null) throw new UsageError(`SLURM_ARRAY_TASK_ID is "${taskId}", not a task number; pass --shard I/N`);
    let count = flags.shards;
    if (count === undefined) {
      const c = nonNegativeInt(env.SLURM_ARRAY_TASK_COUNT ?? '');
      if (c === null || c < 1) throw new UsageError(`SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is "${env.SLURM_ARRAY_TASK_COUNT ?? ''}"; pass --shards N or --shard I/N`);
      count = c;
    }
    if (index >= count) {
      throw new UsageError(
        `SLURM_ARRAY_TASK_ID ${index} is not below the number of shards ${count}: submit the array as --array=0-${count - 1} ` + '(task ids are used as shard indices), or pass --shard I/N',
      );
    }
    return { count, indices: [index], source: 'slurm' };
  }
  const count = flags.shards ?? 1;
  return { count, indices: Array.from({ length: count }, (_, i) => i), source: 'all' };
}
