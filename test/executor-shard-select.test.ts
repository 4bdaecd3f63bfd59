/** --shard I/N parsing and the array-job defaults (Slurm, Kubernetes Indexed Jobs, AWS Batch). */
import { describe, expect, it } from 'vitest';
import { parseShardSpec, selectShards } from '../src/cli/shard-select.js';

describe('parseShardSpec', () => {
  it('parses I/N', () => {
    expect(parseShardSpec('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShardSpec(' 7 / 8 ')).toEqual({ index: 7, count: 8 });
  });

  it('rejects bad syntax and indices out of range', () => {
    for (const bad of ['3', '1/', '/2', 'a/b', '-1/2', '1.5/4', '1/2/3', '']) expect(() => parseShardSpec(bad)).toThrow(/--shard must be I\/N/);
    expect(() => parseShardSpec('4/4')).toThrow(/index must be below N \(shards are numbered 0 to 3\)/);
    expect(() => parseShardSpec('0/0')).toThrow(/N must be at least 1/);
  });
});

describe('selectShards', () => {
  const slurm = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4' };

  it('--shard wins over the Slurm variables', () => {
    expect(selectShards({ shard: '1/3' }, slurm)).toEqual({ count: 3, indices: [1], source: 'flag' });
    expect(() => selectShards({ shard: '1/3', shards: 4 }, {})).toThrow(/disagree/);
  });

  it('defaults to SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT; --shards overrides the count', () => {
    expect(selectShards({}, slurm)).toEqual({ count: 4, indices: [2], source: 'slurm' });
    expect(selectShards({ shards: 16 }, slurm)).toEqual({ count: 16, indices: [2], source: 'slurm' });
    expect(() => selectShards({}, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/--array=0-3/);
    expect(() => selectShards({}, { SLURM_ARRAY_TASK_ID: '1' })).toThrow(/SLURM_ARRAY_TASK_COUNT/);
    expect(() => selectShards({}, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/not a task number/);
  });

  it('Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX of --shards or TOPICMIX_SHARDS', () => {
    expect(selectShards({ shards: 8 }, { JOB_COMPLETION_INDEX: '5' })).toEqual({ count: 8, indices: [5], source: 'kubernetes' });
    expect(selectShards({}, { JOB_COMPLETION_INDEX: '0', TOPICMIX_SHARDS: '3' })).toEqual({ count: 3, indices: [0], source: 'kubernetes' });
    expect(() => selectShards({}, { JOB_COMPLETION_INDEX: '1' })).toThrow('JOB_COMPLETION_INDEX is set but TOPICMIX_SHARDS is ""; pass --shards N or --shard I/N');
    expect(() => selectShards({ shards: 2 }, { JOB_COMPLETION_INDEX: '2' })).toThrow(/give the Job completions: 2 and completionMode: Indexed/);
  });

  it('AWS Batch array jobs: AWS_BATCH_JOB_ARRAY_INDEX of AWS_BATCH_JOB_ARRAY_SIZE', () => {
    expect(selectShards({}, { AWS_BATCH_JOB_ARRAY_INDEX: '9', AWS_BATCH_JOB_ARRAY_SIZE: '10' })).toEqual({ count: 10, indices: [9], source: 'aws-batch' });
    expect(() => selectShards({}, { AWS_BATCH_JOB_ARRAY_INDEX: '10', AWS_BATCH_JOB_ARRAY_SIZE: '10' })).toThrow(/arrayProperties.size 10/);
    expect(() => selectShards({}, { AWS_BATCH_JOB_ARRAY_INDEX: '-1', AWS_BATCH_JOB_ARRAY_SIZE: '10' })).toThrow('AWS_BATCH_JOB_ARRAY_INDEX is "-1", not a task number; pass --shard I/N');
  });

  it('precedence: --shard, then Slurm, then Kubernetes, then AWS Batch', () => {
    const all = { ...slurm, JOB_COMPLETION_INDEX: '1', TOPICMIX_SHARDS: '5', AWS_BATCH_JOB_ARRAY_INDEX: '0', AWS_BATCH_JOB_ARRAY_SIZE: '7' };
    expect(selectShards({ shard: '0/2' }, all).source).toBe('flag');
    expect(selectShards({}, all)).toEqual({ count: 4, indices: [2], source: 'slurm' });
    const { SLURM_ARRAY_TASK_ID: _, ...noSlurm } = all;
    expect(selectShards({}, noSlurm)).toEqual({ count: 5, indices: [1], source: 'kubernetes' });
    const { JOB_COMPLETION_INDEX: __, ...awsOnly } = noSlurm;
    expect(selectShards({}, awsOnly)).toEqual({ count: 7, indices: [0], source: 'aws-batch' });
  });

  it('without shard information: all shards of --shards (default 1)', () => {
    expect(selectShards({}, {})).toEqual({ count: 1, indices: [0], source: 'all' });
    expect(selectShards({ shards: 3 }, { SLURM_ARRAY_TASK_ID: '' })).toEqual({ count: 3, indices: [0, 1, 2], source: 'all' });
    expect(() => selectShards({ shards: 0 }, {})).toThrow(/positive integer/);
  });
});
