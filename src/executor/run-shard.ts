import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { Classifier, loadClassifier, type ModelHandle, type PredictOptions } from '../classifier.js';
import { AtomicWriter, writeFileAtomic } from '../io/atomic-writer.js';
import { portablePath } from '../io/file-identity.js';
import { resolveInputs } from '../io/inputs.js';
import { DEFAULT_MAX_LINE_BYTES } from '../io/line-reader.js';
import { classifyFiles, type ClassifyCounts, type ClassifyFilesOptions } from './run-pipeline.js';
import type { DocCount } from '../pipeline/steps/count.js';
import { groupValue, newReportBuilder } from '../report/build-report.js';
import { parseTaggedDoc } from '../report/tagged-doc.js';
import { UsageError } from '../errors.js';
import { readModelIdentity } from '../report/model-info.js';
import { prettyJson } from '../report/pretty-json.js';
import type { ModelIdentity } from '../report/report-types.js';
import { loadTokenCounter, parseTokenizerName, type TokenCounter } from '../report/token-counter.js';
import { MARKER_SCHEMA, markerMismatch, readMarker, writeMarker, type MarkerInput, type ShardSettings } from './done-marker.js';
import { modelFilesHash } from './model-hash.js';
import { ensurePlan, newPlanManifest, type PlanManifest } from './plan-manifest.js';
import { clearShard, shardPaths } from './shard-files.js';
import { FileLock } from './shard-lock.js';
import { planShardsBySize, sizeInputs, type SizedFile, type ShardInput } from './shard-plan.js';
import type { ShardId } from './shard-files.js';
import { READ_DEFAULTS, REPORT_DEFAULTS } from '../defaults.js';

/** How the partial report of each part is counted (the `report` command's options; same defaults). */
export interface ShardReportOptions {
  /** o200k (default) | cl100k | chars | words. */
  tokenizer?: string;
  groupBy?: string | null;
  uncertainBelow?: number;
  termCapacity?: number;
  topTerms?: number;
}

export interface RunShardsOptions extends PredictOptions {
  clf: Classifier | ModelHandle;
  /** All inputs of the job (files or globs, not stdin): every process plans the same shards from them. */
  inputs: string[];
  outDir: string;
  /** Number of shards of the job. */
  count: number;
  /** Skip shards whose completion marker exists and matches; without it every shard is redone. */
  resume?: boolean;
  /**
   * When `outDir` holds the parts of another plan (other inputs, shard count, model or settings; see
   * OUT/plan.json), remove them and start over instead of refusing.
   */
  overwrite?: boolean;
  /** Write `part-IIIII.jsonl.gz`. */
  gzip?: boolean;
  reportOptions?: ShardReportOptions;
  field?: string;
  maxErrors?: number;
  maxLineBytes?: number;
  /** See PlanOptions. */
  minRangeBytes?: number;
  /**
   * Further classifyFiles options, passed through. They are recorded in the marker's settings (and so
   * must match on --resume), except the ones that only change speed (PERFORMANCE_ONLY).
   */
  classifyOptions?: ExtraClassifyOptions;
  /** Called after each batch of a shard being classified. */
  onProgress?: (shard: number, counts: ClassifyCounts) => void;
}

/** classifyFiles options that runShards does not set itself. */
export type ExtraClassifyOptions = Partial<Omit<ClassifyFilesOptions, 'inputs' | 'output' | 'errors' | 'onProgress' | keyof PredictOptions | 'field' | 'maxErrors' | 'maxLineBytes'>>;

/** Options that change how fast a shard runs, not what it writes: not compared on --resume. */
export const PERFORMANCE_ONLY: readonly string[] = ['workers'];

export interface RunShardOptions extends Omit<RunShardsOptions, 'count' | 'onProgress'> {
  shard: ShardId;
  onProgress?: (counts: ClassifyCounts) => void;
}

export interface ShardResult {
  index: number;
  /** 'skipped': a matching completion marker was there (with --resume). */
  status: 'done' | 'skipped';
  counts: ClassifyCounts;
  /** Seconds this run took (0 when skipped). */
  seconds: number;
  marker: string;
}

/** What every shard of a job shares: computed once per process. */
interface ShardJob {
  /** The model as it classifies: loaded once here when this thread classifies, a handle for workers. */
  clf: Classifier | ModelHandle;
  plan: ShardInput[][];
  sizes: Map<string, number>;
  settings: ShardSettings;
  identity: ModelIdentity;
  tokenizer: TokenCounter;
  report: Required<ShardReportOptions>;
  /** OUT/plan.json as this run plans it. */
  manifest: PlanManifest;
}

/** Inputs inside the output folder (a glob that also matches the parts) would be read and replaced at once. */
async function refuseInputsInOutDir(files: string[], outDir: string): Promise<void> {
  const real = (p: string): Promise<string> => realpath(p).catch(() => resolve(p));
  const out = await real(outDir);
  for (const f of files) {
    const rel = relative(out, await real(f));
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) {
      throw new UsageError(`input ${f} is inside the output folder ${outDir}: the inputs must not include the outputs (narrow the pattern, or choose another \`outDir\`)`);
    }
  }
}

function planInputs(sized: SizedFile[]): PlanManifest['inputs'] {
  return sized.map((f) => ({ path: portablePath(f.path, process.cwd()), size: f.size, mtime_ms: Math.floor(f.mtimeMs ?? 0) }));
}

async function prepareJob(o: RunShardsOptions): Promise<ShardJob> {
  if (o.inputs.length === 0 || o.inputs.includes('-')) throw new UsageError('a sharded run needs input files (stdin cannot be split into shards)');
  const files = await resolveInputs(o.inputs);
  await refuseInputsInOutDir(files, o.outDir);
  const sized = await sizeInputs(files);
  const plan = planShardsBySize(sized, o.count, o.minRangeBytes === undefined ? {} : { minRangeBytes: o.minRangeBytes });
  const sizes = new Map(sized.map((f) => [f.path, f.size]));
  const report: Required<ShardReportOptions> = {
    tokenizer: o.reportOptions?.tokenizer ?? REPORT_DEFAULTS.tokenizer,
    groupBy: o.reportOptions?.groupBy ?? REPORT_DEFAULTS.groupBy,
    uncertainBelow: o.reportOptions?.uncertainBelow ?? REPORT_DEFAULTS.uncertainBelow,
    termCapacity: o.reportOptions?.termCapacity ?? REPORT_DEFAULTS.termCapacity,
    topTerms: o.reportOptions?.topTerms ?? REPORT_DEFAULTS.topTerms,
  };
  const tokenizer = await loadTokenCounter(parseTokenizerName(report.tokenizer));
  const identity = await readModelIdentity(o.clf.dir);
  const predict = o.clf.predictOptions({
    ...(o.topK !== undefined && { topK: o.topK }),
    ...(o.threshold !== undefined && { threshold: o.threshold }),
    ...(o.allScores !== undefined && { allScores: o.allScores }),
    ...(o.parts !== undefined && { parts: o.parts }),
    ...(o.partChars !== undefined && { partChars: o.partChars }),
    ...(o.partsMinChars !== undefined && { partsMinChars: o.partsMinChars }),
  });
  const extraEntries = Object.entries(o.classifyOptions ?? {}).filter(([k, v]) => v !== undefined && !PERFORMANCE_ONLY.includes(k));
  const extra = extraEntries.length > 0 ? Object.fromEntries(extraEntries.sort((a, b) => (a[0] < b[0] ? -1 : 1))) : undefined;
  const settings: ShardSettings = {
    model: { id: identity.id, sha256: await modelFilesHash(o.clf.dir) },
    field: o.field ?? READ_DEFAULTS.field,
    top_k: predict.topK,
    threshold: predict.threshold,
    all_scores: predict.allScores,
    ...((predict.parts > 0 || predict.partChars > 0) && { parts: { parts: predict.parts, part_chars: predict.partChars, parts_min_chars: predict.partsMinChars } }),
    max_line_bytes: o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    gzip: o.gzip === true,
    ...(extra !== undefined && { classify_options: extra }),
    report: {
      tokenizer: tokenizer.name,
      group_by: report.groupBy,
      uncertain_below: report.uncertainBelow,
      term_capacity: report.termCapacity,
      top_terms: report.topTerms,
    },
  };
  // with worker threads the workers load the weights; without, this thread loads them once for every shard
  const inThread = (o.classifyOptions?.workers ?? 1) <= 1 && !(o.clf instanceof Classifier);
  const clf = inThread ? await loadClassifier(o.clf.dir, { backend: o.clf.backend, batchSize: o.clf.batchSize }) : o.clf;
  return { clf, plan, sizes, settings, identity, tokenizer, report, manifest: newPlanManifest(o.count, planInputs(sized), settings) };
}

/** An empty shard still gets its (empty) part: classifyFiles would read stdin for an empty input list. */
async function writeEmptyPart(path: string): Promise<ClassifyCounts> {
  const out = await AtomicWriter.open(path);
  await out.commit();
  return { read: 0, tagged: 0, errors: 0, bytes: 0 };
}

function markerInputs(specs: ShardInput[], sizes: Map<string, number>): MarkerInput[] {
  return specs.map((s) => (typeof s === 'string' ? { path: s, size: sizes.get(s)! } : { path: s.path, size: sizes.get(s.path)!, start: s.start, end: s.end }));
}

async function runOne(o: RunShardsOptions, job: ShardJob, index: number): Promise<ShardResult> {
  const lock = await FileLock.take(shardPaths(o.outDir, index, false).lock, `shard ${index}/${o.count} of ${o.outDir}`);
  try {
    return await runLocked(o, job, index);
  } finally {
    await lock.release();
  }
}

async function runLocked(o: RunShardsOptions, job: ShardJob, index: number): Promise<ShardResult> {
  const shard: ShardId = { index, count: o.count };
  const gzip = o.gzip === true;
  const paths = shardPaths(o.outDir, index, gzip);
  const specs = job.plan[index]!;
  const inputs = markerInputs(specs, job.sizes);
  if (o.resume) {
    const marker = await readMarker(paths.marker);
    // a marker of another plan (or of a version without plans) is not this plan's: redo the shard
    if (marker !== null && marker.plan === job.manifest.id) {
      const diff = markerMismatch(marker, { shard, inputs, settings: job.settings });
      if (diff !== null) {
        throw new UsageError(`${paths.marker}: shard ${index} was done with other inputs or settings (${diff}); ` + 'run without `resume` to redo every shard, or use another `outDir`');
      }
      const outputs = [paths.part, paths.report, ...(marker.outputs.errors === null ? [] : [paths.errors])];
      if (outputs.every((p) => existsSync(p))) return { index, status: 'skipped', counts: marker.counts, seconds: 0, marker: paths.marker };
      // outputs removed by hand since: redo the shard
    }
  }
  const t0 = performance.now();
  const startedAt = new Date();
  await clearShard(o.outDir, index);
  // the part's report is counted in the same pass, from each written document as `report` would read it
  const builder = newReportBuilder({
    textField: job.settings.field,
    groupBy: job.report.groupBy,
    tokenizer: job.tokenizer,
    model: job.identity,
    uncertainBelow: job.report.uncertainBelow,
    termCapacity: job.report.termCapacity,
    topTerms: job.report.topTerms,
  });
  builder.addInput(paths.part);
  const labels = new Set(job.identity.labels);
  const onCounted = (docs: DocCount[]): void => {
    for (const d of docs) {
      builder.counts.read++;
      const tagged = parseTaggedDoc(d.tagged, labels);
      if (!tagged.ok) builder.addError(tagged.code);
      else builder.addDoc(tagged.doc, { chars: d.chars, tokens: d.tokens, text: d.text, group: job.report.groupBy === null ? null : groupValue(d.group, job.report.groupBy) });
    }
  };
  const counts =
    specs.length === 0
      ? await writeEmptyPart(paths.part)
      : await classifyFiles(job.clf, {
          ...o.classifyOptions,
          inputs: specs,
          output: paths.part,
          errors: paths.errors,
          field: job.settings.field,
          topK: job.settings.top_k,
          threshold: job.settings.threshold,
          allScores: job.settings.all_scores,
          ...(job.settings.parts && { parts: job.settings.parts.parts, partChars: job.settings.parts.part_chars, partsMinChars: job.settings.parts.parts_min_chars }),
          maxLineBytes: job.settings.max_line_bytes,
          ...(o.maxErrors !== undefined && { maxErrors: o.maxErrors }),
          ...(o.onProgress && { onProgress: (c: ClassifyCounts) => o.onProgress!(index, c) }),
          count: { tokenizer: job.tokenizer.name, groupBy: job.report.groupBy, terms: job.report.termCapacity > 0 },
          onCounted,
        });
  const { schema, ...partReport } = builder.build();
  await writeFileAtomic(paths.report, prettyJson({ schema, plan: { id: job.manifest.id, shard: index, shards: o.count }, ...partReport }));
  const seconds = (performance.now() - t0) / 1000;
  await writeMarker(paths.marker, {
    schema: MARKER_SCHEMA,
    plan: job.manifest.id,
    shard,
    inputs,
    settings: job.settings,
    outputs: { part: basename(paths.part), errors: counts.errors > 0 ? basename(paths.errors) : null, report: basename(paths.report) },
    counts,
    model: { dir: job.clf.dir, name: job.identity.name, data_hash: job.identity.data_hash, backend: job.clf.backend },
    run: {
      host: hostname(),
      pid: process.pid,
      slurm_job_id: process.env.SLURM_JOB_ID ?? null,
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      seconds: Math.round(seconds * 1000) / 1000,
    },
  });
  return { index, status: 'done', counts, seconds, marker: paths.marker };
}

/**
 * Run shards `indices` of a job, one after another. Each shard writes, all atomically and in this order,
 * `OUTDIR/part-IIIII.jsonl[.gz]` (+ `.errors.jsonl` when lines were bad), its partial report
 * `part-IIIII.report.json`, and last its completion marker `.done/part-IIIII.json` (counts, inputs,
 * model hash, settings, timings). Parts and reports hold nothing time-dependent: a shard run twice (a
 * Slurm requeue) writes the same bytes. `OUT/plan.json` records the plan first (see ensurePlan): a run
 * with another plan is refused unless `overwrite`. Each shard is locked while it runs
 * (`.locks/part-IIIII.lock`): the same shard started twice at once fails, naming the holder.
 */
export async function runShards(o: RunShardsOptions, indices: number[], onShardDone?: (r: ShardResult) => void): Promise<ShardResult[]> {
  for (const i of indices) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= o.count) throw new UsageError(`shard ${i} is out of range: shards are numbered 0 to ${o.count - 1}`);
  }
  const job = await prepareJob(o);
  await ensurePlan(o.outDir, job.manifest, { overwrite: o.overwrite === true });
  const results: ShardResult[] = [];
  for (const i of indices) {
    const r = await runOne(o, job, i);
    results.push(r);
    onShardDone?.(r);
  }
  return results;
}

/** Run one shard of a job (see runShards). */
export async function runShard(o: RunShardOptions): Promise<ShardResult> {
  const { shard, onProgress, ...rest } = o;
  const [r] = await runShards({ ...rest, count: shard.count, ...(onProgress && { onProgress: (_: number, c: ClassifyCounts) => onProgress(c) }) }, [shard.index]);
  return r!;
}
