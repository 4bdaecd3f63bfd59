import type { ShardId } from '../executor/shard-files.js';
import { UsageError } from '../errors.js';

/** Which shards one process runs. */
export interface ShardSelection {
  count: number;
  indices: number[];
  /** Where the choice came from: --shard, a scheduler's array variables, or every shard (no shard given). */
  source: 'flag' | Scheduler['source'] | 'all';
}

/**
 * Array-job schedulers, in order of precedence: the task index variable, where the task count is read
 * (first set wins; `--shards N` overrides it), and how to submit an array whose ids are 0..N-1.
 */
interface Scheduler {
  source: 'slurm' | 'kubernetes' | 'aws-batch';
  index: string;
  count: string[];
  hint: (count: number) => string;
}

const SCHEDULERS: readonly Scheduler[] = [
  { source: 'slurm', index: 'SLURM_ARRAY_TASK_ID', count: ['SLURM_ARRAY_TASK_COUNT'], hint: (n) => `submit the array as --array=0-${n - 1}` },
  // Kubernetes Indexed Jobs set the index only; the count is the Job's completions, given here
  { source: 'kubernetes', index: 'JOB_COMPLETION_INDEX', count: ['TOPICMIX_SHARDS'], hint: (n) => `give the Job completions: ${n} and completionMode: Indexed` },
  { source: 'aws-batch', index: 'AWS_BATCH_JOB_ARRAY_INDEX', count: ['AWS_BATCH_JOB_ARRAY_SIZE', 'TOPICMIX_SHARDS'], hint: (n) => `submit the job with arrayProperties.size ${n}` },
];

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
 * The shards to run: `--shard I/N`; else, inside an array task, the scheduler's task index of its task
 * count (SCHEDULERS, in that order: Slurm SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT, a Kubernetes
 * Indexed Job's JOB_COMPLETION_INDEX of TOPICMIX_SHARDS, AWS Batch AWS_BATCH_JOB_ARRAY_INDEX of
 * AWS_BATCH_JOB_ARRAY_SIZE; `--shards N` overrides the count, e.g. when resubmitting only some tasks);
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
  for (const sched of SCHEDULERS) {
    const taskId = env[sched.index];
    if (taskId === undefined || taskId === '') continue;
    const index = nonNegativeInt(taskId);
    if (index === null) throw new UsageError(`${sched.index} is "${taskId}", not a task number; pass --shard I/N`);
    let count = flags.shards;
    if (count === undefined) {
      const raw = sched.count.map((k) => env[k]).find((v) => v !== undefined && v !== '');
      const c = nonNegativeInt(raw ?? '');
      if (c === null || c < 1) throw new UsageError(`${sched.index} is set but ${sched.count.join(' / ')} ${sched.count.length > 1 ? 'are' : 'is'} "${raw ?? ''}"; pass --shards N or --shard I/N`);
      count = c;
    }
    if (index >= count) throw new UsageError(`${sched.index} ${index} is not below the number of shards ${count}: ${sched.hint(count)} (task ids are used as shard indices), or pass --shard I/N`);
    return { count, indices: [index], source: sched.source };
  }
  const count = flags.shards ?? 1;
  return { count, indices: Array.from({ length: count }, (_, i) => i), source: 'all' };
}
