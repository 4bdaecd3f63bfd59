/**
 * Crash safety of sharded classify: kill -9 a run at random moments, rerun with --resume, and the outputs
 * and reports are byte-identical to an uninterrupted run, every input line is in exactly one output or
 * error file, and no temp file is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, summary, useTinyModel, type RunResult } from './cli-helpers.js';

const ws = useTinyModel('topicmix-crash-');

function cleanEnv(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e)) if (k.startsWith('SLURM_')) delete e[k];
  delete e.TOPICMIX_DEBUG;
  return e;
}

function start(args: string[], cwd: string): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
  return { child, done };
}

const TEXTS = ['The stock market fell sharply', '球队赢得了足球比赛', 'Software update fixes security bugs', '央行下调利率', 'Fans cheered in the stadium'];

/** Lines of one input file: good lines carry a unique id; every 499th is invalid JSON, every 613th has an empty text. */
function lines(name: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 499 === 3) out.push('{"id": broken');
    else if (i % 613 === 5) out.push(JSON.stringify({ id: `${name}:${i + 1}`, text: '' }));
    else out.push(JSON.stringify({ id: `${name}:${i + 1}`, text: `${TEXTS[i % TEXTS.length]} number ${i}, with a few more words to read` }));
  }
  return out;
}

let inputs: string[] = [];
/** `file:line` of every input line. */
let allLines: string[] = [];
let refSeconds = 0;
const ARGS = (): string[] => ['classify', '--model', ws.model, ...inputs, '--output-dir', 'out', '--shards', '5', '--report-tokenizer', 'chars', '--resume'];

/** Every file under out/ (part files, reports, errors; markers and temp files listed separately). */
async function outputs(runDir: string): Promise<Map<string, Buffer>> {
  const dir = join(runDir, 'out');
  const names = (await readdir(dir)).filter((f) => /^part-\d{5}\./.test(f)).sort();
  return new Map(await Promise.all(names.map(async (f) => [f, await readFile(join(dir, f))] as [string, Buffer])));
}

async function temps(runDir: string): Promise<string[]> {
  const dir = join(runDir, 'out');
  const found: string[] = [];
  for (const d of [dir, join(dir, '.done')]) if (existsSync(d)) found.push(...(await readdir(d)).filter((f) => f.includes('.tmp-')));
  return found;
}

beforeAll(async () => {
  const dir = await ws.caseDir();
  // a.jsonl is cut into two byte ranges (> 2 MiB), b is gzipped (never cut), c is small; 5 shards, one empty
  const a = lines('a.jsonl', 26000);
  const b = lines('b.jsonl.gz', 6000);
  const c = lines('c.jsonl', 3000);
  await writeFile(join(dir, 'a.jsonl'), a.join('\n') + '\n');
  await writeFile(join(dir, 'b.jsonl.gz'), gzipSync(b.join('\r\n') + '\r\n'));
  await writeFile(join(dir, 'c.jsonl'), c.join('\n')); // no final newline
  inputs = ['a.jsonl', 'b.jsonl.gz', 'c.jsonl'].map((f) => join(dir, f));
  allLines = [...inputs.flatMap((p, k) => [a, b, c][k]!.map((_, i) => `${p}:${i + 1}`))];
  const ref = join(ws.tmp, 'ref');
  await mkdir(ref);
  const t0 = performance.now();
  const r = await start(ARGS(), ref).done;
  refSeconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`reference run failed:\n${r.stderr}`);
});

describe('kill -9, then --resume', () => {
  it('the reference run: every input line once in a part or an error file', async () => {
    const out = await outputs(join(ws.tmp, 'ref'));
    expect([...out.keys()].filter((f) => f.endsWith('.report.json'))).toHaveLength(5);
    expect(out.get('part-00004.jsonl')?.length).toBe(0); // the empty shard
    const seen: string[] = [];
    for (const [name, bytes] of out) {
      const text = bytes.toString('utf8');
      if (/^part-\d{5}\.jsonl$/.test(name)) {
        const byFile = text
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { id: string }).id);
        // ids are `name:line`; map back to the input path
        seen.push(...byFile.map((id) => `${inputs.find((p) => p.endsWith(`/${id.slice(0, id.lastIndexOf(':'))}`))}:${id.slice(id.lastIndexOf(':') + 1)}`));
      } else if (name.endsWith('.errors.jsonl')) {
        seen.push(
          ...text
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { file: string; line: number })
            .map((e) => `${e.file}:${e.line}`),
        );
      }
    }
    expect(seen.length).toBe(allLines.length);
    expect(new Set(seen).size).toBe(allLines.length);
    expect([...new Set(seen)].sort()).toEqual([...allLines].sort());
    expect(refSeconds).toBeGreaterThan(0);
  });

  // kill moments spread over the run (model loading, classifying, between shards, writing reports)
  const moments = [0.15, 0.4, 0.65, 0.9];
  for (const [k, m] of moments.entries()) {
    it(`killed at ~${Math.round(m * 100)}% of the run (+ jitter), resumed: same bytes as the reference`, { timeout: 120_000 }, async () => {
      const runDir = join(ws.tmp, `kill-${k}`);
      await mkdir(runDir);
      const delay = refSeconds * 1000 * (m + (Math.random() - 0.5) * 0.2);
      const kills = k === moments.length - 1 ? 2 : 1; // the last case is killed twice (once during its resume)
      let killedAtLeastOnce = false;
      for (let j = 0; j < kills; j++) {
        const p = start(ARGS(), runDir);
        const timer = setTimeout(() => p.child.kill('SIGKILL'), j === 0 ? delay : delay / 2);
        const r = await p.done;
        clearTimeout(timer);
        if (r.signal === 'SIGKILL') killedAtLeastOnce = true;
        else expect(r.code, r.stderr).toBe(0);
      }
      const fin = await start(ARGS(), runDir).done;
      expect(fin.code, fin.stderr).toBe(0);
      const ref = await start(ARGS(), join(ws.tmp, 'ref')).done; // all skipped: the reference totals
      expect(summary(fin.stderr), `${fin.stderr}\nreference:\n${ref.stderr}`).toEqual(summary(ref.stderr));
      const got = await outputs(runDir);
      const want = await outputs(join(ws.tmp, 'ref'));
      expect([...got.keys()]).toEqual([...want.keys()]);
      for (const [name, bytes] of want) expect(got.get(name)!.equals(bytes), `${name} differs after kill at ${Math.round(delay)} ms`).toBe(true);
      expect(await temps(runDir)).toEqual([]);
      expect((await readdir(join(runDir, 'out', '.done'))).sort()).toEqual(['part-00000.json', 'part-00001.json', 'part-00002.json', 'part-00003.json', 'part-00004.json']);
      // informational: whether this moment really hit a running process
      if (!killedAtLeastOnce) console.warn(`crash test: the run ended before the kill at ${Math.round(delay)} ms`);
    });
  }
});
