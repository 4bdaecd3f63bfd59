import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** Folder (inside the output folder) of the completion markers. */
export const DONE_DIR = '.done';
/** Folder (inside the output folder) of the locks of running shards. */
export const LOCK_DIR = '.locks';

/** The files of one shard in an output folder. */
export interface ShardPaths {
  /** `part-IIIII` (5-digit zero-padded shard index). */
  name: string;
  /** Tagged documents: `part-IIIII.jsonl` or `.jsonl.gz`. */
  part: string;
  /** Bad input lines: `part-IIIII.errors.jsonl` (only written when there are any). */
  errors: string;
  /** Partial report of the part: `part-IIIII.report.json`. */
  report: string;
  /** Completion marker, written last: `.done/part-IIIII.json`. */
  marker: string;
  /** Held while a process runs the shard: `.locks/part-IIIII.lock`. */
  lock: string;
}

export function shardName(index: number): string {
  return `part-${String(index).padStart(5, '0')}`;
}

export function shardPaths(outDir: string, index: number, gzip: boolean): ShardPaths {
  const name = shardName(index);
  return {
    name,
    part: join(outDir, `${name}.jsonl${gzip ? '.gz' : ''}`),
    errors: join(outDir, `${name}.errors.jsonl`),
    report: join(outDir, `${name}.report.json`),
    marker: join(outDir, DONE_DIR, `${name}.json`),
    lock: join(outDir, LOCK_DIR, `${name}.lock`),
  };
}

/** Our temp files (AtomicWriter: `.<final name>.tmp-<pid>-<hex>`) for the final names `names`. */
function isTempOf(file: string, names: string[]): boolean {
  const m = /^\.(.*)\.tmp-\d+-[0-9a-f]+$/.exec(file);
  return m !== null && names.includes(m[1]!);
}

async function removeTemps(dir: string, names: string[]): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await Promise.all(entries.filter((f) => isTempOf(f, names)).map((f) => rm(join(dir, f), { force: true })));
}

/**
 * Remove everything an earlier (unfinished or outdated) run of the shard left: the marker first, so a
 * crash during the clean-up still leaves the shard unfinished, then its outputs (both the plain and the
 * gzip part) and the temp files of all of them. Only safe while no other process runs the same shard.
 */
export async function clearShard(outDir: string, index: number): Promise<void> {
  const plain = shardPaths(outDir, index, false);
  const gz = shardPaths(outDir, index, true);
  await rm(plain.marker, { force: true });
  await Promise.all([plain.part, gz.part, plain.errors, plain.report].map((p) => rm(p, { force: true })));
  await removeTemps(
    outDir,
    [plain.part, gz.part, plain.errors, plain.report].map((p) => basename(p)),
  );
  await removeTemps(join(outDir, DONE_DIR), [basename(plain.marker)]);
}

/** Shard `index` (0-based) of `count`. */
export interface ShardId {
  index: number;
  count: number;
}
