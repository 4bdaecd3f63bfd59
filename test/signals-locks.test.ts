/** Signals and concurrency (issue 11 item 6): SIGINT/SIGTERM leave no temp files and exit 130/143; one lock per shard. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCommand, summary, useTinyModel, type RunResult } from './cli-helpers.js';

const ws = useTinyModel('topicmix-signals-');

const TEXTS = ['The stock market fell sharply', '球队赢得了足球比赛', 'Software update fixes security bugs', '央行下调利率'];
/** Large enough that classifying it takes a few seconds with the tiny model (about 4 MB), so a signal or a second process meets it running. */
const N_BIG = 80_000;
let big = '';
beforeAll(async () => {
  big = join(ws.tmp, 'big.jsonl');
  const rows: string[] = [];
  for (let i = 0; i < N_BIG; i++) rows.push(JSON.stringify({ id: `d${i}`, text: `${TEXTS[i % 4]} number ${i}` }));
  await writeFile(big, `${rows.join('\n')}\n`);
});

interface Started {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function start(args: string[]): Started {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SLURM_')) delete env[k];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    child.on('close', (code, signal) => res({ code, signal, stderr: Buffer.concat(err).toString('utf8') })),
  );
  return { child, done };
}

/** The CLI without the Slurm variables of the environment (a test run inside a Slurm job), plus `env`. */
function runClean(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e)) if (k.startsWith('SLURM_')) delete e[k];
  delete e.TOPICMIX_DEBUG;
  return runCommand(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...e, ...env } });
}

/** Files under dir (one level of subfolders too) whose names look like our temp outputs or locks. */
async function leftovers(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await readdir(join(dir, e.name))).filter((f) => /\.tmp-\d+-|\.lock$/.test(f)).map((f) => `${e.name}/${f}`));
    else if (/\.tmp-\d+-/.test(e.name)) out.push(e.name);
  }
  return out;
}

async function waitFor(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('signals', () => {
  for (const [signal, code, workers] of [
    ['SIGINT', 130, '1'],
    ['SIGTERM', 143, '2'],
  ] as const) {
    it(`${signal} during classify -o (${workers} worker${workers === '1' ? '' : 's'}): exit ${code}, no temp file left, no output under the final name`, async () => {
      const dir = await ws.caseDir();
      const out = join(dir, 'out.jsonl');
      const run = start(['classify', '--model', ws.model, big, '-o', out, '--workers', workers]);
      // the temp output exists and is growing: the run is in the middle
      await waitFor('the temp output', async () => (await leftovers(dir)).length > 0);
      run.child.kill(signal);
      const r = await run.done;
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(new RegExp(`topicmix: stopped by ${signal}; unfinished outputs removed`));
      expect(await leftovers(dir)).toEqual([]);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('SIGTERM during a sharded run: the finished shard stays, the running one leaves no temp file and no lock; --resume finishes it', async () => {
    const dir = await ws.caseDir();
    const small = join(dir, 'a.jsonl');
    await writeFile(small, `${JSON.stringify({ text: 'The stock market fell sharply' })}\n`);
    const out = join(dir, 'out');
    const args = ['classify', '--model', ws.model, small, big, '--output-dir', out, '--shards', '2', '--report-tokenizer', 'chars'];
    const run = start(args);
    await waitFor('shard 1 to start', async () => existsSync(join(out, '.locks', 'part-00001.lock')) && (await leftovers(out)).some((f) => f.startsWith('.part-00001')));
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(143);
    expect(await leftovers(out)).toEqual([]);
    expect(existsSync(join(out, '.done', 'part-00000.json'))).toBe(true);
    expect(existsSync(join(out, '.done', 'part-00001.json'))).toBe(false);
    const again = await runClean([...args, '--resume']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^shard 0\/2 \(part-00000\): read 1, tagged 1, errors 0 \(done before, skipped\)$/m);
    expect(summary(again.stderr)).toEqual({ read: N_BIG + 1, tagged: N_BIG + 1, errors: 0 });
  });
});

describe('one lock per shard', () => {
  it('the same shard started twice at once: the second fails at once, naming the holder; the first finishes', async () => {
    const dir = await ws.caseDir();
    const out = join(dir, 'out');
    const args = ['classify', '--model', ws.model, big, '--output-dir', out, '--shard', '0/1', '--report-tokenizer', 'chars'];
    const first = start(args);
    const lock = join(out, '.locks', 'part-00000.lock');
    await waitFor('the lock', async () => existsSync(lock) && (await readFile(lock, 'utf8')).endsWith('\n'));
    const second = await runClean(args);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`shard 0/1 of ${out} is being run by pid ${first.child.pid} on ${hostname()} since `);
    expect(second.stderr).toContain(`(lock ${lock}); wait for it to finish, or remove the lock file if that process is gone`);
    const r = await first.done;
    expect(r.code, r.stderr).toBe(0);
    expect(summary(r.stderr)).toEqual({ read: N_BIG, tagged: N_BIG, errors: 0 });
    expect(existsSync(lock)).toBe(false);
  });

  it('stale locks are taken over: a dead process of this host, a lock not refreshed for 10 minutes, an earlier run of a requeued Slurm job', async () => {
    const dir = await ws.caseDir();
    const input = join(dir, 'a.jsonl');
    await writeFile(input, `${JSON.stringify({ text: 'The stock market fell sharply' })}\n`);
    const out = join(dir, 'out');
    // a pid that was alive and is gone: a process that has exited
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.on('exit', r));
    await mkdir(join(out, '.locks'), { recursive: true });
    await writeFile(join(out, '.locks', 'part-00000.lock'), `${JSON.stringify({ pid: gone.pid, host: hostname(), started_at: '2026-01-01T00:00:00.000Z' })}\n`);
    const r = await runClean(['classify', '--model', ws.model, input, '--output-dir', out, '--report-tokenizer', 'chars']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, '.done', 'part-00000.json'))).toBe(true);
    // one of another host cannot be checked while it is refreshed: refused, naming it
    const lock = join(out, '.locks', 'part-00000.lock');
    const other = (slurm?: object): string => `${JSON.stringify({ pid: 1, host: 'other-node', started_at: '2026-01-01T00:00:00.000Z', ...(slurm && { slurm }) })}\n`;
    const args = ['classify', '--model', ws.model, input, '--output-dir', out, '--report-tokenizer', 'chars'];
    await writeFile(lock, other());
    const held = await runClean(args);
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/shard 0\/1 of .* is being run by pid 1 on other-node since 2026-01-01T00:00:00\.000Z/);
    // ... but once it has not been refreshed (its holder touches it every 30 s) for 10 minutes, it is stale
    const old = new Date(Date.now() - 11 * 60_000);
    await utimes(lock, old, old);
    const late = await runClean(args);
    expect(late.code, late.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
    // a requeued Slurm job (same job id and rank, higher restart count) takes over the lock of its earlier run
    await writeFile(lock, other({ job_id: '77', procid: '0', restart: 0 }));
    const sameRun = await runClean(args, { SLURM_JOB_ID: '77', SLURM_RESTART_COUNT: '0' });
    expect(sameRun.code).toBe(1);
    expect(sameRun.stderr).toMatch(/is being run by pid 1 on other-node/);
    const requeued = await runClean(args, { SLURM_JOB_ID: '77', SLURM_RESTART_COUNT: '1' });
    expect(requeued.code, requeued.stderr).toBe(0);
  });
});
