/** --shard I/N parsing and the Slurm array defaults. */
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

  it('without shard information: all shards of --shards (default 1)', () => {
    expect(selectShards({}, {})).toEqual({ count: 1, indices: [0], source: 'all' });
    expect(selectShards({ shards: 3 }, { SLURM_ARRAY_TASK_ID: '' })).toEqual({ count: 3, indices: [0, 1, 2], source: 'all' });
    expect(() => selectShards({ shards: 0 }, {})).toThrow(/positive integer/);
  });
});
