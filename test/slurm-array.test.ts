/**
 * The Slurm example end to end, on a real single-node Slurm cluster started in a private temp folder
 * (docs/scale-out.md; Recipe B of the Slurm notes: own munged, key, socket, ports and state, nothing in
 * /etc, /run or /var). examples/slurm/submit.sh queues a 4-task classify array over 4 files and the merge
 * of the part reports; the parts, errors and reports must equal a run of the same shards in one process,
 * the parts in order the output of one plain `classify -o`, and the merged report its `report`.
 * Needs root and Debian's slurmctld, slurmd, slurm-client and munge (.ci/run installs them); skipped
 * with the reason otherwise. The daemons are stopped by PID in afterAll, also when something failed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, openSync, closeSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCommand, useTinyModel, type RunResult } from './cli-helpers.js';
import { tempDir } from './helpers/temp-dir.js';

const run = promisify(execFile);

const SEARCH = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'].filter(Boolean);
function which(cmd: string): string | null {
  for (const dir of SEARCH) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

const TOOLS = ['slurmctld', 'slurmd', 'sbatch', 'sinfo', 'squeue', 'scancel', 'munged', 'mungekey', 'timeout'] as const;
const bin = Object.fromEntries(TOOLS.map((t) => [t, which(t)])) as Record<(typeof TOOLS)[number], string | null>;
const missing = TOOLS.filter((t) => bin[t] === null);
const skipReason =
  process.platform !== 'linux'
    ? 'not Linux'
    : process.getuid?.() !== 0
      ? 'not root (the private cluster runs slurmd and munged as root)'
      : missing.length > 0
        ? `not installed: ${missing.join(', ')} (apt-get install --no-install-recommends slurmctld slurmd slurm-client munge, as .ci/run does)`
        : null;
if (skipReason !== null) console.warn(`slurm-array.test.ts skipped: ${skipReason}`);

const ws = useTinyModel('topicmix-slurm-model-');
const T0 = performance.now();

let D = '';
const pids: { name: string; child: ChildProcess }[] = [];
let slurmEnv: NodeJS.ProcessEnv = {};

/** The test's environment without Slurm job variables (the test may itself run inside a Slurm job). */
function baseEnv(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e)) if (k.startsWith('SLURM_') || k.startsWith('SBATCH_')) delete e[k];
  delete e.TOPICMIX_DEBUG;
  return e;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A daemon in the foreground (so its PID is the daemon's), output to a log file. */
function daemon(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): void {
  const fd = openSync(join(D, 'log', `${name}.out`), 'a');
  const child = spawn(cmd, args, { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.on('error', () => undefined);
  pids.push({ name, child });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ms: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    for (const { name, child } of pids) if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited while waiting for ${what}:\n${await logs()}`);
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}:\n${await logs()}`);
}

async function logs(): Promise<string> {
  const dir = join(D, 'log');
  if (!existsSync(dir)) return '';
  const out: string[] = [];
  for (const f of (await readdir(dir)).sort()) out.push(`--- ${f}\n${(await readFile(join(dir, f), 'utf8')).split('\n').slice(-15).join('\n')}`);
  return out.join('\n');
}

async function startCluster(): Promise<void> {
  D = tempDir('topicmix-slurm-');
  for (const d of ['state', 'spool', 'log', 'munge', 'work']) await mkdir(join(D, d));
  await chmod(D, 0o755); // munged: every folder above its socket must be o+x
  await chmod(join(D, 'munge'), 0o755);
  const key = join(D, 'munge', 'munge.key');
  const sock = join(D, 'munge', 'munge.sock');
  await run(bin.mungekey!, ['--create', `--keyfile=${key}`]);
  await chmod(key, 0o400);
  const env = baseEnv();
  daemon(
    'munged',
    bin.munged!,
    ['-F', `--socket=${sock}`, `--key-file=${key}`, `--pid-file=${join(D, 'munge', 'munged.pid')}`, `--log-file=${join(D, 'log', 'munged.log')}`, `--seed-file=${join(D, 'munge', 'munged.seed')}`],
    env,
  );
  await until('the munge socket', 10_000, () => existsSync(sock));

  const host = hostname().split('.')[0]!;
  const nodeLine = (await run(bin.slurmd!, ['-C'], { env })).stdout.split('\n')[0]!.trim();
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = join(D, 'slurm.conf');
  await writeFile(
    conf,
    [
      'ClusterName=topicmixtest',
      `SlurmctldHost=${host}(127.0.0.1)`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${sock}`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      `StateSaveLocation=${join(D, 'state')}`,
      `SlurmdSpoolDir=${join(D, 'spool')}`,
      `SlurmctldPidFile=${join(D, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(D, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(D, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(D, 'log', 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc', // no cgroups (see the notes: proctrack/cgroup drains the node without cgroup.conf)
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'SwitchType=switch/none',
      'MpiDefault=none',
      'SchedulerType=sched/backfill',
      'SchedulerParameters=batch_sched_delay=0', // array waves ~1 s apart instead of 3 s
      'SelectType=select/cons_tres', // several tasks per node at once
      'SelectTypeParameters=CR_Core',
      'MailProg=/bin/true',
      'ReturnToService=2',
      'InactiveLimit=0',
      'KillWait=5',
      'MinJobAge=4', // sbatch --wait polls every 2 s instead of backing off to 32 s
      `${nodeLine} NodeAddr=127.0.0.1 State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  slurmEnv = { ...env, SLURM_CONF: conf };
  daemon('slurmctld', bin.slurmctld!, ['-D', '-c'], slurmEnv);
  daemon('slurmd', bin.slurmd!, ['-D'], slurmEnv);
  await until('the node to be idle', 30_000, async () => {
    const r = await run(bin.sinfo!, ['-h', '-N', '-o', '%T'], { env: slurmEnv }).catch(() => ({ stdout: '' }));
    return r.stdout.trim().split('\n')[0] === 'idle';
  });
}

/** Cancel our jobs, then TERM the daemons by PID, wait, KILL what is left. */
async function stopCluster(): Promise<void> {
  if (pids.length === 0) return;
  if (slurmEnv.SLURM_CONF && bin.squeue && bin.scancel) {
    const jobs = (await run(bin.squeue, ['-h', '-o', '%A'], { env: slurmEnv, timeout: 5000 }).catch(() => ({ stdout: '' }))).stdout.split(/\s+/).filter(Boolean);
    if (jobs.length > 0) {
      await run(bin.scancel, [...new Set(jobs)], { env: slurmEnv, timeout: 5000 }).catch(() => undefined);
      await sleep(1000);
    }
  }
  const alive = (): { name: string; child: ChildProcess }[] => pids.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
  for (const p of alive()) p.child.kill('SIGTERM');
  const end = Date.now() + 10_000;
  while (alive().length > 0 && Date.now() < end) await sleep(100);
  for (const p of alive()) p.child.kill('SIGKILL');
  pids.length = 0;
}

// A worker killed hard (e.g. a hook timeout) must not leave daemons behind either.
process.once('exit', () => {
  for (const p of pids) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
});

function sh(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<RunResult> {
  return runCommand(cmd, args, opts);
}

const TEXTS = ['The stock market fell sharply', '球队赢得了足球比赛', 'Software update fixes security bugs', '央行下调利率', 'Fans cheered in the stadium'];

async function writeInputs(dir: string): Promise<void> {
  await mkdir(join(dir, 'in'));
  for (const [f, name] of ['a', 'b', 'c', 'd'].entries()) {
    const rows: string[] = [];
    for (let i = 0; i < 400 + 150 * f; i++) rows.push(i % 97 === 11 ? '{"id": broken' : JSON.stringify({ id: `${name}-${i}`, text: `${TEXTS[(i + f) % TEXTS.length]} ${i}` }));
    await writeFile(join(dir, 'in', `${name}.jsonl`), rows.join('\n') + '\n');
  }
}

async function outFiles(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).filter((f) => /^(part-\d{5}\.|report\.json$)/.test(f)).sort();
  return new Map(await Promise.all(names.map(async (f) => [f, await readFile(join(dir, f))] as [string, Buffer])));
}

describe.skipIf(skipReason !== null)('Slurm array job (private single-node cluster)', () => {
  beforeAll(async () => {
    await startCluster();
  }, 60_000);

  afterAll(async () => {
    await stopCluster(); // the folder goes after this (tempDir), once the daemons are gone
  }, 30_000);

  it('examples/slurm/submit.sh: 4 array tasks + merge = one process over the same shards = one plain classify', async () => {
    const work = join(D, 'work');
    await writeInputs(work);
    const topicmix = `${process.execPath} ${CLI}`;
    const jobEnv = { ...slurmEnv, TOPICMIX: topicmix, MODEL: ws.model, INPUTS: 'in/*.jsonl', OUT: 'out', WAIT: '1' };
    const t0 = performance.now();
    const sub = await sh(bin.timeout!, ['90', join(ROOT, 'examples', 'slurm', 'submit.sh'), '4', `--output=${join(work, 'logs', '%x_%A_%a.out')}`, '--mem=100M'], { cwd: work, env: jobEnv });
    const jobSeconds = (performance.now() - t0) / 1000;
    const jobLogs = existsSync(join(work, 'logs'))
      ? (await Promise.all((await readdir(join(work, 'logs'))).sort().map(async (f) => `--- ${f}\n${await readFile(join(work, 'logs', f), 'utf8')}`))).join('\n')
      : '(no job logs)';
    expect(sub.code, `submit.sh failed (exit ${sub.code}, signal ${sub.signal}):\n${sub.stdout}${sub.stderr}\n${jobLogs}\n${await logs()}`).toBe(0);
    const taskLogs = jobLogs.match(/^task \d of 4 on /gm) ?? [];
    expect(taskLogs).toHaveLength(4);

    // the same shards in one process, in a folder laid out the same way (part reports record out/part-*.jsonl)
    const local = join(D, 'local');
    await mkdir(local);
    await symlink(join(work, 'in'), join(local, 'in'));
    const env = baseEnv();
    const one = await sh(process.execPath, [CLI, 'classify', '--model', ws.model, 'in/*.jsonl', '--output-dir', 'out', '--shards', '4'], { cwd: local, env });
    expect(one.code, one.stderr).toBe(0);
    const merged = await sh(process.execPath, [CLI, 'report', '--merge', 'out/part-*.report.json', '--allow-empty', '-o', 'out/report.json'], { cwd: local, env });
    expect(merged.code, merged.stderr).toBe(0);
    const slurmOut = await outFiles(join(work, 'out'));
    const localOut = await outFiles(join(local, 'out'));
    expect([...slurmOut.keys()]).toEqual([...localOut.keys()]);
    expect([...slurmOut.keys()]).toContain('report.json');
    for (const [name, bytes] of localOut) expect(slurmOut.get(name)!.equals(bytes), `${name} differs`).toBe(true);
    expect((await readdir(join(work, 'out', '.done'))).sort()).toEqual(['part-00000.json', 'part-00001.json', 'part-00002.json', 'part-00003.json']);

    // and one plain classify over the same inputs: cat of the parts, errors, and the report
    const single = await sh(process.execPath, [CLI, 'classify', '--model', ws.model, 'in/*.jsonl', '-o', 'single.jsonl'], { cwd: local, env });
    expect(single.code, single.stderr).toBe(0);
    const parts = [...slurmOut.entries()].filter(([f]) => /^part-\d{5}\.jsonl$/.test(f)).map(([, b]) => b);
    expect(Buffer.concat(parts).equals(await readFile(join(local, 'single.jsonl')))).toBe(true);
    const errs = [...slurmOut.entries()].filter(([f]) => f.endsWith('.errors.jsonl')).map(([, b]) => b);
    expect(Buffer.concat(errs).toString()).toBe(await readFile(join(local, 'single.errors.jsonl'), 'utf8'));
    const rep = await sh(process.execPath, [CLI, 'report', 'single.jsonl', '--model', ws.model, '-o', 'single.report.json'], { cwd: local, env });
    expect(rep.code, rep.stderr).toBe(0);
    const strip = (b: Buffer): unknown => ({ ...(JSON.parse(b.toString()) as object), inputs: null });
    expect(strip(slurmOut.get('report.json')!)).toEqual(strip(await readFile(join(local, 'single.report.json'))));
    console.log(`slurm-array: array job + merge ${jobSeconds.toFixed(1)} s, ${((performance.now() - T0) / 1000).toFixed(1)} s since the test file started`);
  }, 120_000);
});
