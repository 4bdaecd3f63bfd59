/**
 * Progress bars in a terminal: classify, report and sample on a .gz input advance by compressed bytes
 * read, name their counts from the first frame on, and stay off without a terminal or with --no-progress.
 * The terminal is util-linux `script`; skipped, saying so, without it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, useTinyModel } from './cli-helpers.js';

const ws = useTinyModel('topicmix-progress-');
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasScript) console.warn('progress bar tests skipped: util-linux `script` is not installed (it gives the CLI a terminal)');

const TEXTS = ['The stock market fell sharply today', '球队赢得了足球比赛', 'Software update fixes security bugs', '央行下调利率'];
let dir: string;

/** The frames a command drew on its terminal (ANSI codes stripped). */
function frames(args: string[], env: Record<string, string> = {}): { frames: string[]; code: number | null } {
  const log = join(dir, 'tty.log');
  const cmd = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, log], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env, COLUMNS: '200' } });
  // each frame starts at column 1 (ESC [1G)
  const text = readFileSync(log, 'utf8')
    .replace(/\x1b\[1G/g, '\n')
    .replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1b8/g, '');
  return { frames: text.split(/[\r\n]/).filter((l) => /\[[░█]+\]/.test(l)), code: r.status };
}

const percents = (fs: string[]): number[] => fs.map((f) => Number(/\] (\d+)%/.exec(f)?.[1] ?? -1));

describe.skipIf(!hasScript)('progress bars', () => {
  beforeAll(() => {
    dir = ws.tmp;
    const lines = Array.from({ length: 150_000 }, (_, i) => JSON.stringify({ id: `d${i}`, text: `${TEXTS[i % TEXTS.length]} ${i} ${'words '.repeat(i % 9)}` }));
    writeFileSync(join(dir, 'in.jsonl.gz'), gzipSync(`${lines.join('\n')}\n`));
  });

  it('classify on .gz: the bar moves by compressed bytes, with docs, docs/s and MB/s from the first frame', () => {
    const r = frames(['classify', '--model', ws.model, 'in.jsonl.gz', '-o', 'out.jsonl.gz', '--workers', '1']);
    expect(r.code).toBe(0);
    expect(r.frames.length).toBeGreaterThan(2);
    expect(r.frames.join('\n')).not.toMatch(/\{\w+\}/);
    expect(r.frames[0]).toMatch(/classify \[.*\] 0% \| 0 docs \| 0 docs\/s \| 0\.0 MB\/s/);
    const p = percents(r.frames);
    expect(p.some((x) => x > 0 && x < 100)).toBe(true);
    expect(p.at(-1)).toBe(100);
  });

  it('report on .gz: no literal {lines} in the first frame, and the bar moves before the end', () => {
    const rep = frames(['report', 'out.jsonl.gz', '--model', ws.model, '--tokenizer', 'o200k', '-o', 'report.json']);
    expect(rep.code).toBe(0);
    expect(rep.frames.join('\n')).not.toMatch(/\{\w+\}/);
    expect(rep.frames[0]).toMatch(/report \[.*\] 0% \| 0 lines/);
    expect(percents(rep.frames).some((x) => x > 0 && x < 100)).toBe(true);
  });

  it('--no-progress draws nothing', () => {
    const r = frames(['classify', '--model', ws.model, 'in.jsonl.gz', '-o', 'out2.jsonl', '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.frames).toEqual([]);
  });
});
