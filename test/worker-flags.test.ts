import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerFlags } from '../src/executor/worker-pool.js';
import { TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

const cli = join(__dirname, '..', 'dist', 'cli', 'main.js');

describe('node flags and worker threads', () => {
  it('heap-size flags become resourceLimits; entry flags are dropped; the rest is passed on', () => {
    expect(workerFlags(['--max-old-space-size=8192', '--max_semi_space_size=16', '--stack-size=2048', '--input-type=module', '-e', '--enable-source-maps', '--conditions=dev'])).toEqual({
      execArgv: ['--enable-source-maps', '--conditions=dev'],
      resourceLimits: { maxOldGenerationSizeMb: 8192, maxYoungGenerationSizeMb: 48, stackSizeMb: 2 },
    });
    expect(workerFlags([])).toEqual({ execArgv: [], resourceLimits: {} });
  });

  it('`node --max-old-space-size=N topicmix classify --workers 2` runs (a worker rejects V8 flags in its execArgv), and another V8 flag is a clear error', () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, 'in.jsonl'), TINY_EXAMPLES);
    const ok = spawnSync(process.execPath, ['--max-old-space-size=2048', cli, 'classify', '--workers', '2', input, '-o', join(dir, 'out.jsonl')], { encoding: 'utf8' });
    expect(ok.stderr).toContain(`read ${TINY_EXAMPLES.length}, tagged ${TINY_EXAMPLES.length}, errors 0`);
    expect(ok.status).toBe(0);
    const bad = spawnSync(process.execPath, ['--expose-gc', cli, 'classify', '--workers', '2', input, '-o', join(dir, 'out2.jsonl')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--expose-gc: worker threads take no V8 flags; run with --workers 1, or without those node flags/);
  });
});
