import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { readJsonIfExists } from '../io/read-json-file.js';
import { trackFile, untrackFile } from '../io/temp-registry.js';
import { canonical, type ShardSettings } from './done-marker.js';
import { DONE_DIR, LOCK_DIR } from './shard-files.js';
import { FileLock } from './shard-lock.js';

export const PLAN_SCHEMA = 'topicmix/shard-plan@1';
/** The plan manifest inside the output folder. */
export const PLAN_FILE = 'plan.json';

/** One input file of a plan: its portable path, size and modification time (ms, truncated). */
export interface PlanInput {
  path: string;
  size: number;
  mtime_ms: number;
}

/**
 * `OUT/plan.json`: what every part in the folder was made from. Its `id` is a hash of `shards`,
 * `inputs` and `settings`; `created` is informational.
 */
export interface PlanManifest {
  schema: typeof PLAN_SCHEMA;
  id: string;
  shards: number;
  inputs: PlanInput[];
  settings: ShardSettings;
  created: { host: string; pid: number; at: string };
}

export function newPlanManifest(shards: number, inputs: PlanInput[], settings: ShardSettings): PlanManifest {
  const id = createHash('sha256').update(canonical({ shards, inputs, settings })).digest('hex').slice(0, 16);
  return { schema: PLAN_SCHEMA, id, shards, inputs, settings, created: { host: hostname(), pid: process.pid, at: new Date().toISOString() } };
}

async function readPlan(path: string): Promise<PlanManifest | null> {
  const p = await readJsonIfExists(path, 'a plan manifest', 'use `overwrite` to start the folder over');
  if (p === null) return null;
  const m = p as Partial<PlanManifest> | null;
  if (m?.schema !== PLAN_SCHEMA || typeof m.id !== 'string') throw new UsageError(`${path}: not a ${PLAN_SCHEMA} plan manifest; use \`overwrite\` to start the folder over`);
  return m as PlanManifest;
}

/** What differs between the recorded plan and this one, for the message. */
export function planMismatch(old: PlanManifest, now: PlanManifest): string {
  const diffs: string[] = [];
  if (old.shards !== now.shards) diffs.push(`shards: ${old.shards} recorded, ${now.shards} now`);
  const os = (old.settings ?? {}) as unknown as Record<string, unknown>;
  const ns = now.settings as unknown as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(os), ...Object.keys(ns)])].sort()) {
    if (canonical(os[key]) !== canonical(ns[key])) diffs.push(`${key}: ${canonical(os[key])} recorded, ${canonical(ns[key])} now`);
  }
  const oi = old.inputs ?? [];
  if (oi.length !== now.inputs.length) diffs.push(`inputs: ${oi.length} files recorded, ${now.inputs.length} now`);
  else {
    const i = oi.findIndex((x, j) => canonical(x) !== canonical(now.inputs[j]));
    if (i !== -1) {
      const [a, b] = [oi[i]!, now.inputs[i]!];
      const what =
        a.path !== b.path
          ? `path ${a.path} recorded, ${b.path} now`
          : a.size !== b.size
            ? `size ${a.size} recorded, ${b.size} now`
            : `modified since (mtime ${a.mtime_ms} recorded, ${b.mtime_ms} now)`;
      diffs.push(`input ${i + 1} ${b.path}: ${what}`);
    }
  }
  return diffs.length === 0 ? 'same content, other id' : diffs.join('; ');
}

/** Our files in an output folder: parts, their errors and reports, markers, and temp files of them. */
const SHARD_FILE = /^(part-\d{5}\.(jsonl|jsonl\.gz|errors\.jsonl|report\.json)|\.part-\d{5}\..*\.tmp-\d+-[0-9a-f]+)$/;
const MARKER_FILE = /^(part-\d{5}\.json|\.part-\d{5}\.json\.tmp-\d+-[0-9a-f]+)$/;

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function shardFiles(outDir: string): Promise<string[]> {
  const top = (await list(outDir)).filter((f) => SHARD_FILE.test(f)).map((f) => join(outDir, f));
  const done = (await list(join(outDir, DONE_DIR))).filter((f) => MARKER_FILE.test(f)).map((f) => join(outDir, DONE_DIR, f));
  return [...top, ...done];
}

/** Remove the parts, reports, markers and plan of an output folder; refuses while a shard there is running. */
async function cleanOutDir(outDir: string): Promise<void> {
  for (const f of (await list(join(outDir, LOCK_DIR))).filter((f) => /^part-\d{5}\.lock$/.test(f))) {
    const owner = await FileLock.heldBy(join(outDir, LOCK_DIR, f));
    if (owner !== null) {
      throw new UsageError(`cannot clean ${outDir}: ${f.replace(/\.lock$/, '')} is being run by pid ${owner.pid} on ${owner.host} since ${owner.started_at}; stop it first`);
    }
  }
  // markers first: a clean-up stopped half-way leaves no shard that looks done
  const files = (await shardFiles(outDir)).sort((a, b) => Number(b.includes(`/${DONE_DIR}/`)) - Number(a.includes(`/${DONE_DIR}/`)));
  for (const f of files) await rm(f, { force: true });
  await rm(join(outDir, PLAN_FILE), { force: true });
}

/** Create `path` with `text` only when it does not exist (write a temp file, then link: atomic, also on NFS). */
async function createOnce(path: string, text: string): Promise<boolean> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  trackFile(temp);
  await writeFile(temp, text);
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
    untrackFile(temp);
  }
}

export interface EnsurePlanOptions {
  /** Remove the outputs of another plan (or of a run without a plan) instead of refusing. */
  overwrite?: boolean;
}

/**
 * Record the plan in `OUT/plan.json` before any shard starts, or check that the folder holds this
 * plan. Every task of a job computes the same plan, so whichever writes it first, the others find it
 * equal. Another plan (other inputs, input sizes or times, shard count, model, settings), or parts
 * without a plan, are refused, naming what differs, unless `overwrite`: then that plan's parts,
 * reports and markers are removed first (under a lock, so that the tasks of a job clean once).
 */
export async function ensurePlan(outDir: string, plan: PlanManifest, opts: EnsurePlanOptions = {}): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, PLAN_FILE);
  const text = `${JSON.stringify(plan, null, 2)}\n`;
  const check = async (): Promise<string | null> => {
    const old = await readPlan(path);
    if (old === null) {
      const stale = await shardFiles(outDir);
      if (stale.length === 0) return (await createOnce(path, text)) ? null : check();
      return `it holds shard outputs without a plan manifest (${stale.length} files, e.g. ${stale[0]}; made by an older topicmix?)`;
    }
    return old.id === plan.id ? null : `it holds the outputs of another plan (${planMismatch(old, plan)})`;
  };
  const problem = await check();
  if (problem === null) return;
  if (opts.overwrite !== true) {
    throw new UsageError(`${outDir}: ${problem}; use \`overwrite\` to remove them and start over, or another \`outDir\``);
  }
  const lock = await FileLock.wait(join(outDir, LOCK_DIR, 'plan.lock'), `the clean-up of ${outDir}`, 10 * 60 * 1000);
  try {
    // another task of the job may have cleaned and written the plan meanwhile
    if ((await check()) === null) return;
    await cleanOutDir(outDir);
    if (!(await createOnce(path, text)) && (await check()) !== null) throw new UsageError(`${path}: written by another process with another plan meanwhile`);
  } finally {
    await lock.release();
  }
}
