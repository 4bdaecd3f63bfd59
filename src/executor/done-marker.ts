import { writeFileAtomic } from '../io/atomic-writer.js';
import { readJsonIfExists } from '../io/read-json-file.js';
import type { ClassifyCounts } from './run-pipeline.js';
import { UsageError } from '../errors.js';
import type { ShardId } from './shard-files.js';

export const MARKER_SCHEMA = 'topicmix/shard-done@1';

/** One input of a shard as recorded: a whole file, or a byte range of one, with the file's size. */
export interface MarkerInput {
  path: string;
  size: number;
  start?: number;
  end?: number;
}

/**
 * Everything that decides a shard's output bytes: a resumed run must match it exactly. (--max-errors is
 * not here: a shard that finished wrote the same bytes under any limit it stayed within.)
 */
export interface ShardSettings {
  model: { id: string | null; sha256: string };
  field: string;
  top_k: number;
  threshold: number;
  all_scores: boolean;
  /** Only when long pages are split into parts (`topic_parts`). */
  parts?: { parts: number; part_chars: number; parts_min_chars: number };
  max_line_bytes: number;
  gzip: boolean;
  /** classifyFiles options passed through by the caller (see RunShardsOptions.classifyOptions). */
  classify_options?: Record<string, unknown>;
  report: { tokenizer: string; group_by: string | null; uncertain_below: number; term_capacity: number; top_terms: number };
}

/** `.done/part-IIIII.json`: written last, so its presence means the shard's outputs are complete. */
export interface DoneMarker {
  schema: typeof MARKER_SCHEMA;
  /** Id of the plan (OUT/plan.json) the shard was done under; absent in markers of older versions. */
  plan?: string;
  shard: ShardId;
  inputs: MarkerInput[];
  settings: ShardSettings;
  /** File names inside the output folder; `errors` is null when no line was bad. */
  outputs: { part: string; errors: string | null; report: string };
  counts: ClassifyCounts;
  /** Informational (not compared on resume). */
  model: { dir: string; name: string | null; data_hash: string | null; backend: string };
  run: { host: string; pid: number; slurm_job_id: string | null; started_at: string; finished_at: string; seconds: number };
}

/** JSON with object keys sorted, for comparisons that do not depend on key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export async function readMarker(path: string): Promise<DoneMarker | null> {
  const m = await readJsonIfExists(path, 'a completion marker', 'remove it to redo the shard');
  if (m === null) return null;
  if ((m as { schema?: unknown } | null)?.schema !== MARKER_SCHEMA) {
    throw new UsageError(`${path}: not a ${MARKER_SCHEMA} completion marker; remove it to redo the shard`);
  }
  return m as DoneMarker;
}

/** What differs between a marker and the run asked for now, or null when it matches. */
export function markerMismatch(marker: DoneMarker, now: { shard: ShardId; inputs: MarkerInput[]; settings: ShardSettings }): string | null {
  const diffs: string[] = [];
  if (marker.shard?.count !== now.shard.count || marker.shard?.index !== now.shard.index) {
    diffs.push(`shard ${marker.shard?.index}/${marker.shard?.count} recorded, ${now.shard.index}/${now.shard.count} now`);
  }
  const old = (marker.settings ?? {}) as unknown as Record<string, unknown>;
  const cur = now.settings as unknown as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(old), ...Object.keys(cur)])].sort()) {
    if (canonical(old[key]) !== canonical(cur[key])) diffs.push(`${key}: ${canonical(old[key])} recorded, ${canonical(cur[key])} now`);
  }
  const oldInputs = marker.inputs ?? [];
  if (canonical(oldInputs) !== canonical(now.inputs)) {
    const i = oldInputs.findIndex((x, j) => canonical(x) !== canonical(now.inputs[j]));
    const at = i === -1 ? oldInputs.length : i;
    diffs.push(`inputs: ${canonical(oldInputs[at] ?? null)} recorded, ${canonical(now.inputs[at] ?? null)} now (input ${at + 1})`);
  }
  return diffs.length === 0 ? null : diffs.join('; ');
}

export async function writeMarker(path: string, marker: DoneMarker): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(marker, null, 2)}\n`);
}
