import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

const cli = join(__dirname, '..', 'dist', 'cli', 'main.js');
let dir: string;

function run(args: string[]): string {
  return execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist/cli/main.js is missing: run "npm run build" first (npm test does)');
  dir = tempDir();
  writeJsonl(join(dir, 'train.jsonl'), TINY_EXAMPLES);
  run(['train', '--data', join(dir, 'train.jsonl'), '--out', join(dir, 'model'), '--buckets', '4096']);
});

describe('backends', () => {
  it('wasm and cpu give the same evaluation, and eval reports the backend used', () => {
    const evalWith = (b: string) => JSON.parse(run(['eval', '--model', join(dir, 'model'), '--data', join(dir, 'train.jsonl'), '--json', '--backend', b]));
    const wasm = evalWith('wasm');
    const cpu = evalWith('cpu');
    expect(wasm.backend).toBe('wasm');
    expect(cpu.backend).toBe('cpu');
    expect(cpu.accuracy).toBe(wasm.accuracy);
    expect(cpu.confusion).toEqual(wasm.confusion);
    expect(Math.abs(cpu.ece - wasm.ece)).toBeLessThan(1e-4);
  });

  it('auto serves with the js kernel, which evaluates like the tfjs backends; forcing a missing backend is a clear error', () => {
    // installed is not enough: without its libtensorflow binary (download failed or install scripts off) it cannot load
    const native = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { cwd: join(__dirname, '..') }).status === 0;
    const auto = JSON.parse(run(['eval', '--model', join(dir, 'model'), '--data', join(dir, 'train.jsonl'), '--json']));
    const wasm = JSON.parse(run(['eval', '--model', join(dir, 'model'), '--data', join(dir, 'train.jsonl'), '--json', '--backend', 'wasm']));
    expect(auto.backend).toBe('js');
    expect(auto.accuracy).toBe(wasm.accuracy);
    expect(auto.confusion).toEqual(wasm.confusion);
    expect(Math.abs(auto.ece - wasm.ece)).toBeLessThan(1e-4);
    if (!native) {
      const r = spawnSync(process.execPath, [cli, 'eval', '--model', join(dir, 'model'), '--data', join(dir, 'train.jsonl'), '--backend', 'tensorflow'], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/no usable TensorFlow\.js backend \(tensorflow: /);
    }
  });

  it('--verbose names the backend on stderr, never on stdout', () => {
    const r = spawnSync(process.execPath, [cli, 'classify', '--model', join(dir, 'model'), '--verbose', '-o', '-', join(dir, 'train.jsonl')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/backend js/);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(TINY_EXAMPLES.length);
    for (const l of lines) expect(typeof JSON.parse(l).topic).toBe('string');
  });
});
